import LakeColumnar

/// A typed value of a column's statistics, in lakectl's representation of the column type:
/// integers, dates (days) and timestamps (microseconds) as `.int`, decimals as the unscaled
/// `.decimal`, strings and binary as `.bytes` (compared byte-wise, unsigned).
public enum StatisticValue: Sendable, Hashable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case decimal(Int128)
    case bytes([UInt8])

    /// Orders two values of the same kind; `nil` when they are not comparable.
    public static func compare(_ a: StatisticValue, _ b: StatisticValue) -> Int? {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x == y ? 0 : (x < y ? -1 : 1)
        case (.decimal(let x), .decimal(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.int(let x), .decimal(let y)): return compare(.decimal(Int128(x)), .decimal(y))
        case (.decimal(let x), .int(let y)): return compare(.decimal(x), .decimal(Int128(y)))
        case (.int(let x), .double(let y)): return compare(.double(Double(x)), .double(y))
        case (.double(let x), .int(let y)): return compare(.double(x), .double(Double(y)))
        case (.bytes(let x), .bytes(let y)):
            for (p, q) in zip(x, y) where p != q { return p < q ? -1 : 1 }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        default: return nil
        }
    }
}

/// The statistics of one column chunk, decoded.
public struct ColumnChunkStatistics: Sendable, Hashable {
    public var min: StatisticValue?
    public var max: StatisticValue?
    public var nullCount: Int64?
    public var distinctCount: Int64?
    /// Whether min/max are the exact extremes (not truncated).
    public var minIsExact: Bool?
    public var maxIsExact: Bool?
}

/// A condition on one column, used to skip row groups whose statistics prove no row matches.
public struct ColumnPredicate: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case equal = "=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case isNull = "is null", isNotNull = "is not null"
    }

    public var column: String
    public var op: Operator
    /// The value compared with (ignored by the null tests).
    public var value: StatisticValue?

    public init(column: String, _ op: Operator, _ value: StatisticValue? = nil) {
        self.column = column
        self.op = op
        self.value = value
    }

    /// `false` only when the statistics prove that no row of the chunk satisfies the predicate.
    public func mayMatch(_ stats: ColumnChunkStatistics?, rowCount: Int64) -> Bool {
        guard let stats else { return true }
        switch op {
        case .isNull: return stats.nullCount.map { $0 > 0 } ?? true
        case .isNotNull: return stats.nullCount.map { $0 < rowCount } ?? true
        default: break
        }
        if let nulls = stats.nullCount, nulls == rowCount, rowCount > 0 { return false }  // only nulls: no comparison holds
        guard let value else { return true }
        let vsMin = stats.min.flatMap { StatisticValue.compare(value, $0) }
        let vsMax = stats.max.flatMap { StatisticValue.compare(value, $0) }
        switch op {
        case .equal: return !((vsMin.map { $0 < 0 } ?? false) || (vsMax.map { $0 > 0 } ?? false))
        case .less: return !(vsMin.map { $0 <= 0 } ?? false)          // every value >= min >= v
        case .lessOrEqual: return !(vsMin.map { $0 < 0 } ?? false)
        case .greater: return !(vsMax.map { $0 >= 0 } ?? false)
        case .greaterOrEqual: return !(vsMax.map { $0 > 0 } ?? false)
        case .isNull, .isNotNull: return true
        }
    }
}

extension ParquetReader {
    /// The decoded statistics of a column chunk, or `nil` when the file has none lakectl can trust.
    ///
    /// min_value/max_value are used when present; the deprecated min/max only for types whose
    /// order is signed (they were written with signed comparison, wrong for strings).
    public func statistics(rowGroup: Int, column descriptor: ParquetColumnDescriptor) -> ColumnChunkStatistics? {
        guard metadata.rowGroups.indices.contains(rowGroup),
              let meta = metadata.rowGroups[rowGroup].columns[descriptor.leafIndex].metaData,
              let stats = meta.statistics else { return nil }
        var result = ColumnChunkStatistics(nullCount: stats.nullCount, distinctCount: stats.distinctCount,
                                           minIsExact: stats.isMinValueExact, maxIsExact: stats.isMaxValueExact)
        var minBytes = stats.minValue, maxBytes = stats.maxValue
        if minBytes == nil, maxBytes == nil, Self.deprecatedStatsUsable(descriptor) {
            minBytes = stats.min
            maxBytes = stats.max
        }
        let orderKnown = metadata.columnOrders.map { descriptor.leafIndex < $0.count && $0[descriptor.leafIndex] == .typeOrder } ?? true
        if orderKnown, descriptor.physicalType != .int96 {
            result.min = minBytes.flatMap { Self.decodeStatistic($0, descriptor) }
            result.max = maxBytes.flatMap { Self.decodeStatistic($0, descriptor) }
        }
        return result
    }

    /// The row groups that may hold rows satisfying every predicate (all of them when the
    /// statistics cannot tell).
    public func rowGroups(matching predicates: [ColumnPredicate]) throws -> [Int] {
        var kept: [Int] = []
        for g in metadata.rowGroups.indices {
            var keep = true
            for p in predicates {
                guard let descriptor = column(named: p.column) else {
                    throw ParquetError.invalidArgument("\(name): no column \(p.column) to filter on")
                }
                if !p.mayMatch(statistics(rowGroup: g, column: descriptor), rowCount: metadata.rowGroups[g].numRows) {
                    keep = false
                    break
                }
            }
            if keep { kept.append(g) }
        }
        return kept
    }

    static func deprecatedStatsUsable(_ d: ParquetColumnDescriptor) -> Bool {
        switch d.dataType {
        case .boolean?, .int8?, .int16?, .int32?, .int64?, .date?, .timestamp?, .float32?, .float64?: return !ColumnConversion.isUnsigned(d.element)
        case .decimal?: return !ColumnConversion.isUnsigned(d.element)  // signed order on every physical type
        default: return false
        }
    }

    /// Decodes a PLAIN-encoded statistic (without length prefix) as the column's lakectl type.
    static func decodeStatistic(_ bytes: [UInt8], _ d: ParquetColumnDescriptor) -> StatisticValue? {
        guard let type = d.dataType else { return nil }
        func le<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard bytes.count == MemoryLayout<T>.size else { return nil }
            var v: T = 0
            for (i, b) in bytes.enumerated() { v |= T(truncatingIfNeeded: b) << (8 * i) }
            return v
        }
        switch d.physicalType {
        case .boolean:
            return bytes.count == 1 ? .bool(bytes[0] != 0) : nil
        case .int32:
            guard let v = le(Int32.self) else { return nil }
            if case .decimal = type { return .decimal(Int128(v)) }
            if case .int64 = type { return .int(Int64(UInt32(bitPattern: v))) }
            return .int(Int64(v))
        case .int64:
            guard let v = le(Int64.self) else { return nil }
            if case .decimal = type {
                return ColumnConversion.isUnsigned(d.element) ? .decimal(Int128(UInt64(bitPattern: v))) : .decimal(Int128(v))
            }
            if case .timestamp = type {
                return .int(ColumnConversion.toMicros([v], unit: ColumnConversion.timestampUnit(d.element))[0])
            }
            return .int(v)
        case .float:
            guard let v = le(UInt32.self) else { return nil }
            return .double(Double(Float(bitPattern: v)))
        case .double:
            guard let v = le(UInt64.self) else { return nil }
            return .double(Double(bitPattern: v))
        case .byteArray, .fixedLenByteArray:
            if case .decimal = type {
                guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
                return .decimal(ColumnConversion.bigEndianInt128(bytes))
            }
            if case .float32 = type {
                guard bytes.count == 2 else { return nil }
                return .double(Double(ColumnConversion.halfToFloat(UInt16(bytes[0]) | UInt16(bytes[1]) << 8)))
            }
            return .bytes(bytes)
        default:
            return nil
        }
    }
}

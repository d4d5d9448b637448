import LakeColumnar

/// Per-file statistics as the `add.stats` JSON string holds them.
public struct FileStats: Sendable, Hashable {
    public var numRecords: Int64
    /// Column → minimum, as written (JSON number or string).
    public var minValues: [String: JSONValue]
    public var maxValues: [String: JSONValue]
    public var nullCount: [String: Int64]

    public init(numRecords: Int64, minValues: [String: JSONValue] = [:], maxValues: [String: JSONValue] = [:],
                nullCount: [String: Int64] = [:]) {
        self.numRecords = numRecords
        self.minValues = minValues
        self.maxValues = maxValues
        self.nullCount = nullCount
    }

    public init(json text: String) throws {
        let json = try JSONValue.parse(text)
        numRecords = json["numRecords"]?.int64Value ?? -1
        minValues = Dictionary((json["minValues"]?.objectValue ?? []).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        maxValues = Dictionary((json["maxValues"]?.objectValue ?? []).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        var nulls: [String: Int64] = [:]
        for (k, v) in json["nullCount"]?.objectValue ?? [] { if let n = v.int64Value { nulls[k] = n } }
        nullCount = nulls
    }

    /// The JSON text, columns in `order`.
    public func jsonString(order: [String]) -> String {
        func obj(_ map: [String: JSONValue]) -> JSONValue { .object(order.compactMap { c in map[c].map { (c, $0) } }) }
        return JSONValue.object([
            ("numRecords", .int(numRecords)),
            ("minValues", obj(minValues)),
            ("maxValues", obj(maxValues)),
            ("nullCount", .object(order.compactMap { c in nullCount[c].map { (c, .int($0)) } })),
        ]).serialized
    }

    /// Longest string statistic written in full; longer minima are truncated and their maxima omitted.
    public static let stringPrefixLength = 32

    /// Exact statistics of a batch's columns (partition columns excluded by the caller).
    /// - Parameter utcTimestamps: per column, whether a timestamp column is UTC-adjusted.
    public static func compute(_ batch: ColumnBatch, columns: [String]? = nil) -> FileStats {
        var stats = FileStats(numRecords: Int64(batch.rowCount))
        for (index, field) in batch.schema.fields.enumerated() {
            if let columns, !columns.contains(field.name) { continue }
            let column = batch.columns[index]
            let nulls = column.nullCount
            stats.nullCount[field.name] = Int64(nulls)
            guard nulls < batch.rowCount else { continue } // all null: no min/max
            if let (lo, hi) = minMax(column, type: field.type) {
                stats.minValues[field.name] = lo
                if let hi { stats.maxValues[field.name] = hi }
            }
        }
        return stats
    }

    static func minMax(_ column: Column, type: DataType) -> (JSONValue, JSONValue?)? {
        let valid = column.validity
        @inline(__always) func present(_ i: Int) -> Bool { valid.map { $0[i] } ?? true }
        func integers<T: FixedWidthInteger>(_ v: [T]) -> (T, T)? {
            var lo: T? = nil, hi: T? = nil
            for i in 0..<v.count where present(i) {
                let x = v[i]
                if lo == nil || x < lo! { lo = x }
                if hi == nil || x > hi! { hi = x }
            }
            guard let lo, let hi else { return nil }
            return (lo, hi)
        }
        switch column.storage {
        case .boolean:
            return nil // Delta engines do not use boolean min/max.
        case .int8(let v): return integers(v).map { (.int($0.0), .int($0.1)) }
        case .int16(let v): return integers(v).map { (.int($0.0), .int($0.1)) }
        case .int32(let v):
            guard let (lo, hi) = integers(v) else { return nil }
            if case .date = type { return (.string(DeltaValueFormat.date(lo)), .string(DeltaValueFormat.date(hi))) }
            return (.int(lo), .int(hi))
        case .int64(let v):
            guard let (lo, hi) = integers(v) else { return nil }
            if case .timestamp(let utc) = type {
                return (.string(DeltaValueFormat.timestampStat(lo, utc: utc)), .string(DeltaValueFormat.timestampStat(hi, utc: utc)))
            }
            return (.int(lo), .int(hi))
        case .int128(let v):
            guard let (lo, hi) = integers(v) else { return nil }
            let scale: Int
            if case .decimal(_, let s) = type { scale = s } else { scale = 0 }
            return (.number(DeltaValueFormat.decimal(lo, scale: scale)), .number(DeltaValueFormat.decimal(hi, scale: scale)))
        case .float32(let v):
            return floats(v.indices.lazy.filter(present).map { Double(v[$0]) }, isFloat: true)
        case .float64(let v):
            return floats(v.indices.lazy.filter(present).map { v[$0] }, isFloat: false)
        case .bytes(let v):
            if case .binary = type { return nil }
            var lo: ArraySlice<UInt8>? = nil, hi: ArraySlice<UInt8>? = nil
            for i in 0..<v.count where present(i) {
                let x = v[i]
                if lo == nil || x.lexicographicallyPrecedes(lo!) { lo = x }
                if hi == nil || hi!.lexicographicallyPrecedes(x) { hi = x }
            }
            guard let lo, let hi else { return nil }
            let loText = String(decoding: lo, as: UTF8.self)
            let hiText = String(decoding: hi, as: UTF8.self)
            // A prefix of the minimum is still a lower bound; a truncated maximum is not an upper bound.
            let minStat = loText.count > stringPrefixLength ? String(loText.prefix(stringPrefixLength)) : loText
            let maxStat: JSONValue? = hiText.count > stringPrefixLength ? nil : .string(hiText)
            return (.string(minStat), maxStat)
        }
    }

    static func floats<S: Sequence>(_ values: S, isFloat: Bool) -> (JSONValue, JSONValue?)? where S.Element == Double {
        var lo: Double? = nil, hi: Double? = nil
        for x in values {
            if x.isNaN { return nil } // NaN has no place in a min/max range: omit bounds.
            if lo == nil || x < lo! { lo = x }
            if hi == nil || x > hi! { hi = x }
        }
        guard let lo, let hi, lo.isFinite, hi.isFinite else { return nil }
        func text(_ d: Double) -> JSONValue {
            if isFloat { return .number(String(Float(d))) }
            return .number(String(d))
        }
        // -0.0 and 0.0 compare equal; write 0.0 for both so readers see one value.
        return (text(lo == 0 ? 0 : lo), text(hi == 0 ? 0 : hi))
    }
}

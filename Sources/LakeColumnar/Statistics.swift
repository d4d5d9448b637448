/// Per-column statistics in the sort order Parquet and Delta use for the type: signed integers,
/// floats by value ignoring NaN (a zero minimum is reported as -0.0 and a zero maximum as +0.0, as
/// the Parquet spec asks), strings and binary byte-wise (unsigned), decimals by value, booleans
/// false < true. `min`/`max` are nil when the column has no non-null (non-NaN) value.
public struct ColumnStatistics: Sendable, Hashable {
    public var rowCount: Int
    public var nullCount: Int
    public var min: Value?
    public var max: Value?
    /// Float columns: whether any NaN was seen (NaN is left out of min/max).
    public var hasNaN: Bool

    public init(rowCount: Int, nullCount: Int, min: Value?, max: Value?, hasNaN: Bool = false) {
        self.rowCount = rowCount
        self.nullCount = nullCount
        self.min = min
        self.max = max
        self.hasNaN = hasNaN
    }
}

/// Byte-wise unsigned comparison (memcmp order, shorter prefix first).
@inline(__always)
func bytesLess(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool { a.lexicographicallyPrecedes(b) }

extension Column {
    /// Statistics of this column read as `type`.
    public func statistics(type: DataType) -> ColumnStatistics {
        let n = count
        let valid = { (i: Int) in !self.isNull(i) }
        var stats = ColumnStatistics(rowCount: n, nullCount: nullCount, min: nil, max: nil)
        func minMax<T>(_ v: [T], _ less: (T, T) -> Bool, _ skip: (T) -> Bool = { _ in false }) -> (T, T)? {
            var result: (T, T)?
            for i in 0..<v.count where valid(i) && !skip(v[i]) {
                let x = v[i]
                if let (lo, hi) = result {
                    result = (less(x, lo) ? x : lo, less(hi, x) ? x : hi)
                } else {
                    result = (x, x)
                }
            }
            return result
        }
        switch storage {
        case .boolean(let v):
            if let (lo, hi) = minMax(v, { !$0 && $1 }) { stats.min = .boolean(lo); stats.max = .boolean(hi) }
        case .int8(let v):
            if let (lo, hi) = minMax(v, <) { stats.min = .int(Int64(lo)); stats.max = .int(Int64(hi)) }
        case .int16(let v):
            if let (lo, hi) = minMax(v, <) { stats.min = .int(Int64(lo)); stats.max = .int(Int64(hi)) }
        case .int32(let v):
            if let (lo, hi) = minMax(v, <) {
                if case .date = type { stats.min = .date(lo); stats.max = .date(hi) } else { stats.min = .int(Int64(lo)); stats.max = .int(Int64(hi)) }
            }
        case .int64(let v):
            if let (lo, hi) = minMax(v, <) {
                if case .timestamp(let utc) = type {
                    stats.min = .timestamp(lo, utc: utc); stats.max = .timestamp(hi, utc: utc)
                } else { stats.min = .int(lo); stats.max = .int(hi) }
            }
        case .float32(let v):
            stats.hasNaN = (0..<v.count).contains { valid($0) && v[$0].isNaN }
            if let (lo, hi) = minMax(v, <, { $0.isNaN }) {
                stats.min = .float(lo == 0 ? -0.0 : lo); stats.max = .float(hi == 0 ? 0.0 : hi)
            }
        case .float64(let v):
            stats.hasNaN = (0..<v.count).contains { valid($0) && v[$0].isNaN }
            if let (lo, hi) = minMax(v, <, { $0.isNaN }) {
                stats.min = .double(lo == 0 ? -0.0 : lo); stats.max = .double(hi == 0 ? 0.0 : hi)
            }
        case .int128(let v):
            let scale = if case .decimal(_, let s) = type { s } else { 0 }
            if let (lo, hi) = minMax(v, <) { stats.min = .decimal(lo, scale: scale); stats.max = .decimal(hi, scale: scale) }
        case .bytes(let v):
            var lo: Int?
            var hi: Int?
            for i in 0..<v.count where valid(i) {
                if let l = lo { if bytesLess(v[i], v[l]) { lo = i } } else { lo = i }
                if let h = hi { if bytesLess(v[h], v[i]) { hi = i } } else { hi = i }
            }
            if let lo, let hi {
                if case .string = type { stats.min = .string(v.string(at: lo)); stats.max = .string(v.string(at: hi)) }
                else { stats.min = .binary(Array(v[lo])); stats.max = .binary(Array(v[hi])) }
            }
        }
        return stats
    }
}

extension ColumnBatch {
    /// Statistics of every column, in schema order.
    public func statistics() -> [ColumnStatistics] {
        zip(schema.fields, columns).map { $1.statistics(type: $0.type) }
    }
}

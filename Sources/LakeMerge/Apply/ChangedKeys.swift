import DeltaLog
import LakeColumnar

/// The first key column of a round's changed keys, in the form statistics are compared with:
/// sorted integers (any integer key type), sorted UTF-8 strings (Delta's statistics order), or for
/// other key types the lowest and highest value. File pruning, the row-group filter and the commit's
/// read predicate all start from it.
struct ChangedKeys: Sendable {
    enum Kind: Sendable { case int, string, other }

    /// The key column's type; nil when the table has no such column (nothing can be pruned).
    let type: DataType?
    let kind: Kind
    /// Sorted, for ``Kind/int`` (after ``sort()``).
    private(set) var ints: [Int64] = []
    /// Sorted in byte order, for ``Kind/string`` (after ``sort()``).
    private(set) var strings: [[UInt8]] = []
    /// For ``Kind/other``: the extremes by ``ScalarValue/compare(_:_:)``.
    private(set) var lowest: ScalarValue?
    private(set) var highest: ScalarValue?
    /// Some changed key's first column is null.
    private(set) var hasNull = false
    /// A key the statistics cannot place (its storage is not the declared type's): keep every file.
    private(set) var keepAll = false
    /// Two changed keys that ``ScalarValue/compare(_:_:)`` cannot order (no read range can be stated).
    private var incomparable = false

    init(type: DataType?) {
        self.type = type
        switch type {
        case .int8?, .int16?, .int32?, .int64?: kind = .int
        case .string?: kind = .string
        default: kind = .other
        }
    }

    /// Every changed key of `resolution`, sorted.
    init(resolution: Resolution, type: DataType?) {
        self.init(type: type)
        guard type != nil else { return }
        if kind == .int, let keys = resolution.index.int64Keys {
            // One non-null 64-bit key column (the common `id bigint`): the index already holds the values.
            ints = keys
        } else {
            let sources = resolution.index.sources
            for ref in resolution.index.representatives {
                add(sources[Int(ref.source)].columns[0], row: Int(ref.row))
            }
        }
        sort()
    }

    /// Adds row `row` of `column` (a first key column); call ``sort()`` after the last.
    mutating func add(_ column: Column, row: Int) {
        if column.isNull(row) {
            hasNull = true
            return
        }
        switch (kind, column.storage) {
        case (.int, .int8(let v)): ints.append(Int64(v[row]))
        case (.int, .int16(let v)): ints.append(Int64(v[row]))
        case (.int, .int32(let v)): ints.append(Int64(v[row]))
        case (.int, .int64(let v)): ints.append(v[row])
        case (.string, .bytes(let v)): strings.append(Array(v[row]))
        case (.other, _):
            guard let type else { return }
            let value = column.scalar(at: row, type: type)
            guard let lo = lowest, let hi = highest else {
                lowest = value
                highest = value
                return
            }
            guard let cl = ScalarValue.compare(value, lo), let ch = ScalarValue.compare(value, hi) else {
                incomparable = true
                keepAll = true
                return
            }
            if cl < 0 { lowest = value }
            if ch > 0 { highest = value }
        default:
            keepAll = true
        }
    }

    mutating func sort() {
        ints.sort()
        strings.sort { $0.lexicographicallyPrecedes($1) }
    }

    /// Whether a changed integer key lies in `lower...upper`.
    func anyInt(from lower: Int64, through upper: Int64) -> Bool {
        let i = Self.lowerBound(ints, lower, less: <)
        return i < ints.count && ints[i] <= upper
    }

    /// Whether a changed string key lies in `lower...upper` (byte order; no upper bound when nil).
    func anyString(from lower: [UInt8], through upper: [UInt8]?) -> Bool {
        let i = Self.lowerBound(strings, lower) { $0.lexicographicallyPrecedes($1) }
        guard i < strings.count else { return false }
        guard let upper else { return true }
        return !upper.lexicographicallyPrecedes(strings[i])
    }

    /// The changed keys' extent, for the commit's read predicate.
    enum Bounds: Sendable {
        /// Every changed key's first column is null.
        case onlyNulls
        case range(ScalarValue, ScalarValue)
    }

    /// The changed keys' lowest and highest first column (by ``ScalarValue/compare(_:_:)``, the
    /// order the predicate is evaluated in); nil when there are no changed keys or they cannot be ordered.
    var bounds: Bounds? {
        switch kind {
        case .int:
            if let lo = ints.first, let hi = ints.last { return .range(.int(lo), .int(hi)) }
        case .string:
            // Byte order (the sort) and String order can differ: take the extremes by compare.
            var lo: ScalarValue?, hi: ScalarValue?
            for bytes in strings {
                let value = ScalarValue.string(String(decoding: bytes, as: UTF8.self))
                guard let l = lo, let h = hi else {
                    lo = value
                    hi = value
                    continue
                }
                guard let cl = ScalarValue.compare(value, l), let ch = ScalarValue.compare(value, h) else { return nil }
                if cl < 0 { lo = value }
                if ch > 0 { hi = value }
            }
            if let lo, let hi { return .range(lo, hi) }
        case .other:
            if incomparable { return nil }
            if let lowest, let highest { return .range(lowest, highest) }
        }
        return hasNull ? .onlyNulls : nil
    }

    /// The first index whose element is not less than `value`.
    private static func lowerBound<T>(_ sorted: [T], _ value: T, less: (T, T) -> Bool) -> Int {
        var a = 0, b = sorted.count
        while a < b {
            let m = (a + b) / 2
            if less(sorted[m], value) { a = m + 1 } else { b = m }
        }
        return a
    }
}

/// The changed integer keys as a bitmap over their `[lowest, highest]` range, when that range is
/// dense enough (keys from a sequence): most rows of a table file hold no changed key, and a bit test
/// in a bitmap the size of the keys' array answers that without a probe of the key index.
struct DenseKeySet: Sendable {
    private let lowest: Int64
    private let bitCount: UInt64
    private let words: [UInt64]

    /// Nil unless `keys` are integers spanning at most 64 values per key (so the bitmap is no larger
    /// than the keys themselves) and at most 2^28 values.
    init?(_ keys: ChangedKeys) {
        guard keys.kind == .int, !keys.keepAll, let lo = keys.ints.first, let hi = keys.ints.last else { return nil }
        let (span, overflow) = hi.subtractingReportingOverflow(lo)
        guard !overflow, span >= 0, span < 1 << 28, span / 64 <= Int64(keys.ints.count) else { return nil }
        lowest = lo
        bitCount = UInt64(span) + 1
        var words = [UInt64](repeating: 0, count: Int(span >> 6) + 1)
        for v in keys.ints {
            let d = UInt64(v - lo)
            words[Int(d >> 6)] |= 1 << (d & 63)
        }
        self.words = words
    }

    /// Whether `value` is a changed key.
    @inline(__always)
    func contains(_ value: Int64) -> Bool {
        let (d, overflow) = value.subtractingReportingOverflow(lowest)
        guard !overflow, d >= 0, UInt64(d) < bitCount else { return false }
        return words.withUnsafeBufferPointer { $0[Int(d >> 6)] } & (1 << (UInt64(d) & 63)) != 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// For ``Kind/string``: the keys' bytes back to back, their bounds, and their order by bytes
    /// (after ``sort()``): one buffer, not an array per key.
    private var stringBytes: [UInt8] = []
    private var stringOffsets: [Int] = [0]
    private var stringOrder: [Int32] = []
    /// A string key has a byte ≥ 0x80 (then String order may differ from byte order).
    private var nonASCII = false
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
        case (.string, .bytes(let v)):
            let (lo, hi) = (v.offsets[row], v.offsets[row + 1])
            stringBytes.append(contentsOf: v.bytes[lo..<hi])
            stringOffsets.append(stringBytes.count)
            if !nonASCII, v.bytes[lo..<hi].contains(where: { $0 >= 0x80 }) { nonASCII = true }
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

    /// How many string keys there are.
    var stringCount: Int { stringOffsets.count - 1 }

    mutating func sort() {
        ints.sort()
        guard stringCount > 0 else { return }
        // By the eight bytes after the keys' common prefix (big-endian, so integer order is byte
        // order; keys like "order-000123" differ only after it) and then, for equal ones, by the
        // whole value.
        let count = stringCount
        var common = stringOffsets[1] - stringOffsets[0]
        stringBytes.withUnsafeBufferPointer { bytes in
            for i in 1..<count where common > 0 {
                let lo = stringOffsets[i], n = min(common, stringOffsets[i + 1] - lo)
                var k = 0
                while k < n, bytes[lo + k] == bytes[k] { k += 1 }
                common = k
            }
        }
        var prefixes = [UInt64](repeating: 0, count: count)
        stringBytes.withUnsafeBufferPointer { bytes in
            for i in 0..<count {
                let lo = stringOffsets[i] + common, hi = stringOffsets[i + 1]
                var p: UInt64 = 0
                for k in 0..<8 { p = p << 8 | UInt64(lo + k < hi ? bytes[lo + k] : 0) }
                prefixes[i] = p
            }
        }
        var order = (0..<count).map { Int32($0) }
        let offsets = stringOffsets
        stringBytes.withUnsafeBufferPointer { bytes in
            prefixes.withUnsafeBufferPointer { prefixes in
                order.sort { a, b in
                    let pa = prefixes[Int(a)], pb = prefixes[Int(b)]
                    if pa != pb { return pa < pb }
                    return Self.compare(bytes, offsets[Int(a)], offsets[Int(a) + 1], bytes, offsets[Int(b)], offsets[Int(b) + 1]) < 0
                }
            }
        }
        stringOrder = order
    }

    /// Byte-order comparison of `a[aLo..<aHi]` and `b[bLo..<bHi]` (negative, zero, positive).
    private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ aLo: Int, _ aHi: Int,
                                _ b: UnsafeBufferPointer<UInt8>, _ bLo: Int, _ bHi: Int) -> Int {
        let n = min(aHi - aLo, bHi - bLo)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa + aLo, pb + bLo, n)
            if c != 0 { return Int(c) }
        }
        return (aHi - aLo) - (bHi - bLo)
    }

    /// The `i`-th string key in byte order.
    private func sortedString(_ i: Int) -> ArraySlice<UInt8> {
        let k = Int(stringOrder[i])
        return stringBytes[stringOffsets[k]..<stringOffsets[k + 1]]
    }

    /// Whether a changed integer key lies in `lower...upper`.
    func anyInt(from lower: Int64, through upper: Int64) -> Bool {
        let i = Self.lowerBound(ints, lower, less: <)
        return i < ints.count && ints[i] <= upper
    }

    /// Whether a changed string key lies in `lower...upper` (byte order; no upper bound when nil).
    func anyString(from lower: [UInt8], through upper: [UInt8]?) -> Bool {
        // The first key not below `lower`.
        var a = 0, b = stringOrder.count
        while a < b {
            let m = (a + b) / 2
            if sortedString(m).lexicographicallyPrecedes(lower) { a = m + 1 } else { b = m }
        }
        guard a < stringOrder.count else { return false }
        guard let upper else { return true }
        return !upper.lexicographicallyPrecedes(sortedString(a))
    }

    /// Whether there is no string key (``Kind/string``).
    var noStrings: Bool { stringCount == 0 }

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
            guard !stringOrder.isEmpty else { break }
            if !nonASCII {
                // ASCII: byte order is String order, so the sort's ends are the extremes.
                let lo = String(decoding: sortedString(0), as: UTF8.self)
                let hi = String(decoding: sortedString(stringOrder.count - 1), as: UTF8.self)
                return .range(.string(lo), .string(hi))
            }
            // Byte order (the sort) and String order can differ: take the extremes by compare.
            var lo: ScalarValue?, hi: ScalarValue?
            for k in 0..<stringCount {
                let value = ScalarValue.string(String(decoding: stringBytes[stringOffsets[k]..<stringOffsets[k + 1]], as: UTF8.self))
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

import DeltaLog
import Foundation
import LakeColumnar

/// The Delta statistics of a file written piece by piece, exactly as ``FileStats/compute(_:columns:)``
/// would give for all its rows at once.
///
/// Per column it keeps the running minimum and maximum as a 2-row column of the column's own storage
/// (so comparisons stay typed: integers as integers, strings bytewise) and the null count. At the end
/// ``FileStats/compute(_:columns:)`` formats that 2-row batch, so truncation of long strings, dates,
/// timestamps, decimals and float rules (a NaN or infinity drops the bounds) are the same code as for a
/// file written whole.
struct StatsAccumulator: Sendable {
    let schema: Schema
    private(set) var rows = 0
    private var nulls: [Int]
    /// `[min, max]` per column once a non-null value was seen.
    private var extremes: [Column?]
    /// A float column held a NaN: FileStats gives it no bounds.
    private var unordered: [Bool]

    init(schema: Schema) {
        self.schema = schema
        nulls = [Int](repeating: 0, count: schema.fields.count)
        extremes = [Column?](repeating: nil, count: schema.fields.count)
        unordered = [Bool](repeating: false, count: schema.fields.count)
    }

    /// Adds rows `range` of `batch` (whose columns are in ``schema`` order).
    mutating func add(_ batch: ColumnBatch, rows range: Range<Int>) {
        add(batch, indices: range, whole: range == 0..<batch.rowCount)
    }

    /// Adds the rows of `batch` at `selection` (each in range), as adding `batch.gather(selection)` would.
    mutating func add(_ batch: ColumnBatch, selection: UnsafeBufferPointer<Int>) {
        add(batch, indices: selection, whole: false)
    }

    /// `whole`: `indices` are all of the batch's rows once each (null counts come from the bitmaps).
    private mutating func add<Rows: Collection>(_ batch: ColumnBatch, indices: Rows, whole: Bool) where Rows.Element == Int {
        let count = indices.count
        rows += count
        for (c, field) in schema.fields.enumerated() {
            var column = batch.columns[c]
            if let validity = column.validity {
                var present = 0
                if whole {
                    present = validity.nonzeroBitCount
                } else {
                    for i in indices where validity[i] { present += 1 }
                }
                nulls[c] += count - present
                // Without nulls the per-row checks below can be skipped.
                if present == count { column = Column(column.storage) }
            }
            guard Self.hasBounds(field.type), !unordered[c] else { continue }
            switch Self.extremes(column, indices) {
            case .none: continue
            case .unordered:
                unordered[c] = true
                extremes[c] = nil
            case .at(let lo, let hi):
                let candidate = column.gather([lo, hi])
                if let previous = extremes[c], let joined = try? Column.concat([previous, candidate]),
                   case .at(let a, let b) = Self.extremes(joined, 0..<4) {
                    extremes[c] = joined.gather([a, b])
                } else {
                    extremes[c] = candidate
                }
            }
        }
    }

    /// The statistics of every row added so far.
    func stats() -> FileStats {
        var columns: [Column] = []
        for (c, field) in schema.fields.enumerated() {
            columns.append(extremes[c] ?? .nulls(field.type, count: 2))
        }
        let pair = ColumnBatch(schema: schema, columns: columns, rowCount: 2)
        var stats = FileStats.compute(pair)
        stats.numRecords = Int64(rows)
        for (c, field) in schema.fields.enumerated() { stats.nullCount[field.name] = Int64(nulls[c]) }
        return stats
    }

    /// Types FileStats gives min/max for (not booleans or binary).
    static func hasBounds(_ type: DataType) -> Bool {
        switch type {
        case .boolean, .binary: false
        default: true
        }
    }

    enum Extremes { case none, unordered, at(Int, Int) }

    /// Where the minimum and maximum non-null values among rows `range` are (the first of equal ones).
    static func extremes<Rows: Collection>(_ column: Column, _ range: Rows) -> Extremes where Rows.Element == Int {
        let validity = column.validity
        func ordered<T: Comparable>(_ values: [T], isNaN: (T) -> Bool = { _ in false }) -> Extremes {
            values.withUnsafeBufferPointer { p in
                var lo = -1, hi = -1
                for i in range {
                    if let validity, !validity[i] { continue }
                    let x = p[i]
                    if isNaN(x) { return .unordered }
                    if lo < 0 {
                        lo = i
                        hi = i
                    } else if x < p[lo] {
                        lo = i
                    } else if p[hi] < x {
                        hi = i
                    }
                }
                return lo < 0 ? .none : .at(lo, hi)
            }
        }
        switch column.storage {
        case .boolean: return .none
        case .int8(let v): return ordered(v)
        case .int16(let v): return ordered(v)
        case .int32(let v): return ordered(v)
        case .int64(let v): return ordered(v)
        case .int128(let v): return ordered(v)
        case .float32(let v): return ordered(v, isNaN: { $0.isNaN })
        case .float64(let v): return ordered(v, isNaN: { $0.isNaN })
        case .bytes(let vb):
            return vb.offsets.withUnsafeBufferPointer { off in
                vb.bytes.withUnsafeBytes { raw in
                    // The first 8 bytes, big-endian, zero-padded: when two values' prefixes differ they
                    // decide the order; only ties compare the whole values.
                    func prefix(_ i: Int) -> UInt64 {
                        let start = off[i], length = off[i + 1] - start
                        if length <= 0 { return 0 }
                        if start + 8 <= raw.count {
                            let word = raw.loadUnaligned(fromByteOffset: start, as: UInt64.self).bigEndian
                            return length >= 8 ? word : word & ~(UInt64.max >> UInt64(8 * length))
                        }
                        var p: UInt64 = 0
                        for k in 0..<min(8, length) { p |= UInt64(raw[start + k]) << UInt64(56 - 8 * k) }
                        return p
                    }
                    // Bytewise order, a prefix before its extensions (as Array.lexicographicallyPrecedes).
                    func less(_ a: Int, _ pa: UInt64, _ b: Int, _ pb: UInt64) -> Bool {
                        if pa != pb { return pa < pb }
                        let la = off[a + 1] - off[a], lb = off[b + 1] - off[b]
                        let n = min(la, lb)
                        if n > 8, let base = raw.baseAddress {
                            let c = memcmp(base + off[a], base + off[b], n)
                            if c != 0 { return c < 0 }
                        }
                        return la < lb
                    }
                    var lo = -1, hi = -1
                    var pLo: UInt64 = 0, pHi: UInt64 = 0
                    for i in range {
                        if let validity, !validity[i] { continue }
                        let p = prefix(i)
                        if lo < 0 {
                            lo = i
                            hi = i
                            pLo = p
                            pHi = p
                        } else if p <= pLo, less(i, p, lo, pLo) {
                            lo = i
                            pLo = p
                        } else if p >= pHi, less(hi, pHi, i, p) {
                            hi = i
                            pHi = p
                        }
                    }
                    return lo < 0 ? .none : .at(lo, hi)
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LakeColumnar

/// The primary-key columns of a batch, viewed for hashing and equality on their typed buffers.
///
/// Hashes are computed column by column over the contiguous buffers (one `switch` per column, not
/// per row), so a composite key costs one pass per key column. Null is a value of its own: two null
/// keys are equal, and a null never equals a non-null placeholder.
public struct KeyColumns: Sendable {
    public let columns: [Column]
    public let count: Int
    /// The values of a key that is one byte-array column without nulls (a string key such as a
    /// UUID): compared with memcmp, without a per-call dispatch on the storage.
    private let singleBytes: VarBytes?

    /// - Parameter columns: equally long key columns (in key order).
    public init(_ columns: [Column]) {
        self.columns = columns
        self.count = columns.first?.count ?? 0
        singleBytes = Self.singleBytes(columns)
    }

    private static func singleBytes(_ columns: [Column]) -> VarBytes? {
        guard columns.count == 1, case .bytes(let values) = columns[0].storage else { return nil }
        if let validity = columns[0].validity, validity.nonzeroBitCount != validity.count { return nil }
        return values
    }

    /// The key columns of `batch` named `names`.
    /// - Throws: ``MergeError`` when a key column is missing.
    public init(batch: ColumnBatch, names: [String], context: String) throws {
        var cols: [Column] = []
        for name in names {
            guard let col = batch.column(named: name) else {
                throw MergeError.missingKeyColumn(name, context: context)
            }
            cols.append(col)
        }
        self.columns = cols
        self.count = batch.rowCount
        singleBytes = Self.singleBytes(cols)
    }

    /// The values of a key that is one 64-bit integer column without nulls, else `nil`.
    public var int64Values: [Int64]? {
        guard columns.count == 1, case .int64(let values) = columns[0].storage else { return nil }
        if let validity = columns[0].validity, validity.nonzeroBitCount != validity.count { return nil }
        return values
    }

    /// The row hash ``hashes()`` gives a single non-null 64-bit integer key.
    @inline(__always)
    public static func int64Hash(_ value: Int64) -> UInt64 {
        mix(0x243F_6A88_85A3_08D3, UInt64(bitPattern: value))
    }

    /// One 64-bit hash per row.
    public func hashes() -> [UInt64] {
        var h = [UInt64](repeating: 0x243F_6A88_85A3_08D3, count: count)
        h.withUnsafeMutableBufferPointer { out in
            for column in columns {
                Self.mix(column.storage, into: out)
                if let validity = column.validity {
                    for i in 0..<count where !validity[i] { out[i] = Self.mix(out[i], 0x6E75_6C6C_6E75_6C6C) }
                }
            }
        }
        return h
    }

    @inline(__always)
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        // A multiply-xorshift round (the murmur3 finaliser applied to h ^ v): cheap and well spread.
        var x = (h ^ v) &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x = x &* 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 29
        return x &+ 0x9E37_79B9_7F4A_7C15
    }

    private static func mix(_ storage: ColumnStorage, into out: UnsafeMutableBufferPointer<UInt64>) {
        switch storage {
        case .boolean(let v): for i in 0..<out.count { out[i] = mix(out[i], v[i] ? 1 : 2) }
        case .int8(let v): for i in 0..<out.count { out[i] = mix(out[i], UInt64(bitPattern: Int64(v[i]))) }
        case .int16(let v): for i in 0..<out.count { out[i] = mix(out[i], UInt64(bitPattern: Int64(v[i]))) }
        case .int32(let v): for i in 0..<out.count { out[i] = mix(out[i], UInt64(bitPattern: Int64(v[i]))) }
        case .int64(let v):
            v.withUnsafeBufferPointer { p in for i in 0..<out.count { out[i] = mix(out[i], UInt64(bitPattern: p[i])) } }
        case .float32(let v): for i in 0..<out.count { out[i] = mix(out[i], UInt64(v[i].bitPattern)) }
        case .float64(let v): for i in 0..<out.count { out[i] = mix(out[i], v[i].bitPattern) }
        case .int128(let v):
            for i in 0..<out.count {
                let x = UInt128(bitPattern: v[i])
                out[i] = mix(mix(out[i], UInt64(truncatingIfNeeded: x)), UInt64(truncatingIfNeeded: x >> 64))
            }
        case .bytes(let vb):
            vb.bytes.withUnsafeBufferPointer { bytes in
                vb.offsets.withUnsafeBufferPointer { offsets in
                    for i in 0..<out.count {
                        // FNV-1a over the value, then folded in with its length.
                        var f: UInt64 = 0xCBF2_9CE4_8422_2325
                        for j in offsets[i]..<offsets[i + 1] { f = (f ^ UInt64(bytes[j])) &* 0x100_0000_01B3 }
                        out[i] = mix(out[i], f ^ UInt64(offsets[i + 1] - offsets[i]))
                    }
                }
            }
        }
    }

    /// Whether row `row` of these columns holds the same key as row `otherRow` of `other`.
    /// Columns of different storage kinds never compare equal.
    public func equal(_ row: Int, _ other: KeyColumns, _ otherRow: Int) -> Bool {
        if let x = singleBytes, let y = other.singleBytes {
            let xs = x.offsets[row], xe = x.offsets[row + 1], ys = y.offsets[otherRow], ye = y.offsets[otherRow + 1]
            guard xe - xs == ye - ys else { return false }
            guard xe > xs else { return true }
            return x.bytes.withUnsafeBufferPointer { xb in
                y.bytes.withUnsafeBufferPointer { yb in
                    guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return false }
                    return memcmp(xp + xs, yp + ys, xe - xs) == 0
                }
            }
        }
        for c in 0..<columns.count {
            let a = columns[c], b = other.columns[c]
            let aNull = a.isNull(row), bNull = b.isNull(otherRow)
            if aNull != bNull { return false }
            if aNull { continue }
            switch (a.storage, b.storage) {
            case (.boolean(let x), .boolean(let y)): if x[row] != y[otherRow] { return false }
            case (.int8(let x), .int8(let y)): if x[row] != y[otherRow] { return false }
            case (.int16(let x), .int16(let y)): if x[row] != y[otherRow] { return false }
            case (.int32(let x), .int32(let y)): if x[row] != y[otherRow] { return false }
            case (.int64(let x), .int64(let y)): if x[row] != y[otherRow] { return false }
            case (.float32(let x), .float32(let y)): if x[row].bitPattern != y[otherRow].bitPattern { return false }
            case (.float64(let x), .float64(let y)): if x[row].bitPattern != y[otherRow].bitPattern { return false }
            case (.int128(let x), .int128(let y)): if x[row] != y[otherRow] { return false }
            case (.bytes(let x), .bytes(let y)):
                let xs = x.offsets[row], xe = x.offsets[row + 1], ys = y.offsets[otherRow], ye = y.offsets[otherRow + 1]
                if xe - xs != ye - ys { return false }
                var i = xs, j = ys
                while i < xe {
                    if x.bytes[i] != y.bytes[j] { return false }
                    i += 1
                    j += 1
                }
            default: return false
            }
        }
        return true
    }

    /// Whether every key column of row `row` is null (a before-image that is absent).
    public func allNull(_ row: Int) -> Bool {
        columns.allSatisfy { $0.isNull(row) }
    }
}

/// The RoaringBitmap "portable" serialization of 64-bit sets (Roaring64NavigableMap / RoaringTreemap),
/// which Delta deletion vectors use for row indexes (PROTOCOL.md "Deletion Vector Format").
///
/// Layout: bucket count (uint64 LE), then per bucket in ascending key order a uint32 LE high key and
/// a 32-bit portable RoaringBitmap of the low 32 bits. The 32-bit format (RoaringFormatSpec) starts
/// with a cookie: 12346 (no run containers; container count follows; offsets always present) or
/// 12347 in the low 16 bits (run containers; count-1 in the high 16 bits; a run bitmap; offsets
/// only from 4 containers on). Then per container key and cardinality-1 (uint16 each), and the
/// containers: array (sorted uint16), bitmap (1024 uint64), or run (count, then start/length-1 pairs).
///
/// Sets are plain sorted `[UInt64]` (row indexes); decoding checks every length against the bytes
/// left and the result against a cardinality bound, so corrupt input throws instead of crashing or
/// allocating without limit.
public enum RoaringBitmap64 {
    static let serialCookieNoRunContainer: UInt32 = 12346
    static let serialCookie: UInt32 = 12347
    /// Run-cookie bitmaps write container offsets only from this many containers on.
    static let noOffsetThreshold = 4
    /// Containers with more values than this are bitmaps (when not runs).
    static let arrayMaxCardinality = 4096

    // MARK: Encoding

    /// Serializes sorted, distinct values (array and bitmap containers, cookie 12346).
    /// - Throws: ``DeltaLogError`` when the values are not strictly ascending.
    public static func encode(_ values: [UInt64]) throws -> [UInt8] {
        var out: [UInt8] = []
        var buckets: [(key: UInt32, low: ArraySlice<UInt64>)] = []
        var start = 0
        var previous: UInt64? = nil
        for (i, v) in values.enumerated() {
            if let previous, v <= previous {
                throw DeltaLogError("row indexes must be strictly ascending (\(v) follows \(previous))")
            }
            previous = v
            if i > start, UInt32(truncatingIfNeeded: v >> 32) != UInt32(truncatingIfNeeded: values[start] >> 32) {
                buckets.append((UInt32(truncatingIfNeeded: values[start] >> 32), values[start..<i]))
                start = i
            }
        }
        if start < values.count { buckets.append((UInt32(truncatingIfNeeded: values[start] >> 32), values[start...])) }
        appendLE(UInt64(buckets.count), bytes: 8, to: &out)
        for bucket in buckets {
            appendLE(UInt64(bucket.key), bytes: 4, to: &out)
            encode32(bucket.low, into: &out)
        }
        return out
    }

    /// One 32-bit bitmap of the low halves of `values` (all in one bucket), cookie 12346.
    static func encode32(_ values: ArraySlice<UInt64>, into out: inout [UInt8]) {
        var containers: [(key: UInt16, low: ArraySlice<UInt64>)] = []
        var start = values.startIndex
        for i in values.indices where i > start && UInt16(truncatingIfNeeded: values[i] >> 16) != UInt16(truncatingIfNeeded: values[start] >> 16) {
            containers.append((UInt16(truncatingIfNeeded: values[start] >> 16), values[start..<i]))
            start = i
        }
        if start < values.endIndex { containers.append((UInt16(truncatingIfNeeded: values[start] >> 16), values[start...])) }
        appendLE(UInt64(serialCookieNoRunContainer), bytes: 4, to: &out)
        appendLE(UInt64(containers.count), bytes: 4, to: &out)
        for c in containers {
            appendLE(UInt64(c.key), bytes: 2, to: &out)
            appendLE(UInt64(c.low.count - 1), bytes: 2, to: &out)
        }
        var offset = 8 + 8 * containers.count
        for c in containers {
            appendLE(UInt64(offset), bytes: 4, to: &out)
            offset += c.low.count > arrayMaxCardinality ? 8192 : 2 * c.low.count
        }
        for c in containers {
            if c.low.count > arrayMaxCardinality {
                var words = [UInt64](repeating: 0, count: 1024)
                for v in c.low {
                    let bit = Int(v & 0xFFFF)
                    words[bit >> 6] |= 1 << UInt64(bit & 63)
                }
                for w in words { appendLE(w, bytes: 8, to: &out) }
            } else {
                for v in c.low { appendLE(v & 0xFFFF, bytes: 2, to: &out) }
            }
        }
    }

    static func appendLE(_ value: UInt64, bytes: Int, to out: inout [UInt8]) {
        for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    // MARK: Decoding

    /// Decodes a portable 64-bit bitmap into sorted row indexes.
    /// - Parameters:
    ///   - bytes: the serialized bitmap (without Delta's magic number).
    ///   - maxCardinality: decoding stops with an error once more values than this appear.
    ///   - name: names the deletion vector in errors.
    /// - Throws: ``DeltaLogError`` for truncated, inconsistent or unordered input.
    public static func decode(_ bytes: [UInt8], maxCardinality: Int, name: String) throws -> [UInt64] {
        var reader = ByteReader(bytes: bytes, name: name)
        let bucketCount = try reader.uint64LE()
        // A bucket takes at least 12 bytes (key + cookie + count).
        guard bucketCount <= UInt64(reader.remaining / 12) else {
            throw reader.error("declares \(bucketCount) buckets, more than its \(reader.remaining) remaining bytes can hold")
        }
        var out: [UInt64] = []
        var lastKey: UInt32? = nil
        for _ in 0..<Int(bucketCount) {
            let key = try reader.uint32LE()
            if let lastKey, key <= lastKey { throw reader.error("bucket keys are not ascending (\(key) after \(lastKey))") }
            lastKey = key
            try decode32(&reader, high: UInt64(key) << 32, maxCardinality: maxCardinality, into: &out)
        }
        guard reader.remaining == 0 else { throw reader.error("has \(reader.remaining) trailing bytes after the last bucket") }
        return out
    }

    static func decode32(_ reader: inout ByteReader, high: UInt64, maxCardinality: Int, into out: inout [UInt64]) throws {
        let cookie = try reader.uint32LE()
        let containerCount: Int
        var runBitmap: [UInt8] = []
        let hasOffsets: Bool
        if cookie & 0xFFFF == serialCookie {
            containerCount = Int(cookie >> 16) + 1
            runBitmap = try reader.bytes((containerCount + 7) / 8)
            hasOffsets = containerCount >= noOffsetThreshold
        } else if cookie == serialCookieNoRunContainer {
            let count = try reader.uint32LE()
            guard count <= 65536 else { throw reader.error("declares \(count) containers in one 32-bit bitmap (at most 65536)") }
            containerCount = Int(count)
            hasOffsets = true
        } else {
            throw reader.error("has an unknown RoaringBitmap cookie \(cookie) (expected 12346 or 12347)")
        }
        guard containerCount * 4 <= reader.remaining else {
            throw reader.error("declares \(containerCount) containers, more than the \(reader.remaining) remaining bytes can describe")
        }
        var keys: [UInt16] = []
        var cardinalities: [Int] = []
        keys.reserveCapacity(containerCount)
        cardinalities.reserveCapacity(containerCount)
        for _ in 0..<containerCount {
            let key = try reader.uint16LE()
            if let last = keys.last, key <= last { throw reader.error("container keys are not ascending (\(key) after \(last))") }
            keys.append(key)
            cardinalities.append(Int(try reader.uint16LE()) + 1)
        }
        if hasOffsets { _ = try reader.bytes(4 * containerCount) }  // Read sequentially; offsets are redundant.
        for i in 0..<containerCount {
            let base = high | UInt64(keys[i]) << 16
            let isRun = !runBitmap.isEmpty && runBitmap[i / 8] & (1 << UInt8(i % 8)) != 0
            let before = out.count
            if isRun {
                let runs = Int(try reader.uint16LE())
                guard runs * 4 <= reader.remaining else { throw reader.error("declares \(runs) runs beyond the end of the data") }
                var previousEnd: Int = -1
                for _ in 0..<runs {
                    let start = Int(try reader.uint16LE())
                    let length = Int(try reader.uint16LE())
                    guard start > previousEnd, start + length <= 0xFFFF else {
                        throw reader.error("has an invalid or unordered run (start \(start), length-1 \(length))")
                    }
                    guard out.count + length + 1 <= maxCardinality else {
                        throw reader.error("holds more than the expected \(maxCardinality) rows")
                    }
                    for v in start...(start + length) { out.append(base | UInt64(v)) }
                    previousEnd = start + length
                }
            } else if cardinalities[i] > arrayMaxCardinality {
                let words = try reader.bytes(8192)
                guard out.count + cardinalities[i] <= maxCardinality else {
                    throw reader.error("holds more than the expected \(maxCardinality) rows")
                }
                for (byteIndex, byte) in words.enumerated() where byte != 0 {
                    for bit in 0..<8 where byte & (1 << UInt8(bit)) != 0 {
                        out.append(base | UInt64(byteIndex * 8 + bit))
                    }
                }
            } else {
                let count = cardinalities[i]
                guard out.count + count <= maxCardinality else {
                    throw reader.error("holds more than the expected \(maxCardinality) rows")
                }
                let raw = try reader.bytes(2 * count)
                var previous: Int = -1
                for j in 0..<count {
                    let v = Int(raw[2 * j]) | Int(raw[2 * j + 1]) << 8
                    guard v > previous else { throw reader.error("has an unordered array container (\(v) after \(previous))") }
                    previous = v
                    out.append(base | UInt64(v))
                }
            }
            // Every container must hold exactly the cardinality its header declares.
            guard out.count - before == cardinalities[i] else {
                throw reader.error("container \(i) holds \(out.count - before) values but declares \(cardinalities[i])")
            }
        }
    }
}

/// A bounds-checked cursor over bytes; every read fails cleanly past the end.
struct ByteReader {
    let bytes: [UInt8]
    let name: String
    var position = 0

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    var remaining: Int { bytes.count - position }

    func error(_ what: String) -> DeltaLogError {
        DeltaLogError("deletion vector \(name) is corrupt: it \(what) (at byte \(position) of \(bytes.count))")
    }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw error("is truncated: needs \(count) more bytes, has \(remaining)")
        }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    mutating func uintLE(_ width: Int) throws -> UInt64 {
        guard width <= remaining else { throw error("is truncated: needs \(width) more bytes, has \(remaining)") }
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += width
        return value
    }

    mutating func uint16LE() throws -> UInt16 { UInt16(truncatingIfNeeded: try uintLE(2)) }
    mutating func uint32LE() throws -> UInt32 { UInt32(truncatingIfNeeded: try uintLE(4)) }
    mutating func uint64LE() throws -> UInt64 { try uintLE(8) }
    mutating func uint32BE() throws -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }
}

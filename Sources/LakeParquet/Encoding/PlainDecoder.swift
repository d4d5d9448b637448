import LakeColumnar

/// Decoders for the PLAIN encoding of every physical type. Each appends `count` values to a
/// contiguous buffer and returns the number of input bytes consumed; input shorter than the
/// values need throws ``ParquetDecodingError``.
public enum PlainDecoder {
    /// INT32, INT64, FLOAT, DOUBLE: `count` little-endian values of `T`'s size.
    public static func decodeFixedWidth<T: BitwiseCopyable & AdditiveArithmetic>(
        _ src: UnsafeRawBufferPointer, count: Int, appendingTo out: inout [T]
    ) throws -> Int {
        let size = MemoryLayout<T>.size
        guard count >= 0, count <= src.count / size else {
            throw ParquetDecodingError("PLAIN \(T.self) data holds \(src.count / size) values but \(count) were expected")
        }
        out.appendRaw(src, count: count)
        return count * size
    }

    /// BOOLEAN: bits packed LSB first, starting at bit `bitOffset` of `src`.
    public static func decodeBooleans(_ src: UnsafeRawBufferPointer, count: Int, bitOffset: Int = 0,
                                      appendingTo out: inout [Bool]) throws -> Int {
        let needed = (bitOffset + count + 7) / 8
        guard count >= 0, needed <= src.count else {
            throw ParquetDecodingError("PLAIN BOOLEAN data holds \(src.count * 8 - bitOffset) values but \(count) were expected")
        }
        out.reserveGrowing(count)
        for i in 0..<count {
            let bit = bitOffset + i
            out.append(src[bit >> 3] & (1 << UInt8(bit & 7)) != 0)
        }
        return needed
    }

    /// BYTE_ARRAY: each value is a u32 little-endian length followed by its bytes.
    public static func decodeByteArrays(_ src: UnsafeRawBufferPointer, count: Int,
                                        appendingTo out: inout VarBytes) throws -> Int {
        guard count >= 0, count <= src.count / 4 else {
            throw ParquetDecodingError("PLAIN BYTE_ARRAY data of \(src.count) bytes cannot hold \(count) values")
        }
        guard let base = src.baseAddress else { return 0 }
        // First pass validates the lengths and sizes the byte buffer exactly.
        var pos = 0
        for i in 0..<count {
            guard pos + 4 <= src.count else {
                throw ParquetDecodingError("PLAIN BYTE_ARRAY value \(i) of \(count): length runs past the end of the page")
            }
            let length = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: pos, as: UInt32.self)))
            guard length <= src.count - pos - 4 else {
                throw ParquetDecodingError("PLAIN BYTE_ARRAY value \(i) of \(count) claims \(length) bytes but only \(src.count - pos - 4) remain")
            }
            pos += 4 + length
        }
        let consumed = pos
        let byteStart = out.bytes.count
        out.offsets.reserveGrowing(count)
        out.offsets.append(contentsOf: PlainByteArrayEnds(page: base, count: count, start: byteStart))
        out.bytes.append(contentsOf: repeatElement(0, count: consumed - 4 * count))
        out.bytes.withUnsafeMutableBytes { dst in
            guard let to = dst.baseAddress else { return }
            let srcCount = src.count, dstCount = dst.count
            var pos = 0
            var total = byteStart
            for _ in 0..<count {
                let length = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: pos, as: UInt32.self)))
                let from = pos + 4
                if length <= 32, from + 32 <= srcCount, total + 32 <= dstCount {
                    // Short values: two 16-byte moves instead of a memmove call; the bytes past
                    // the value are overwritten by the values that follow.
                    let a = base.loadUnaligned(fromByteOffset: from, as: SIMD16<UInt8>.self)
                    let b = base.loadUnaligned(fromByteOffset: from + 16, as: SIMD16<UInt8>.self)
                    (to + total).storeBytes(of: a, as: SIMD16<UInt8>.self)
                    (to + total + 16).storeBytes(of: b, as: SIMD16<UInt8>.self)
                } else if length > 0 {
                    (to + total).copyMemory(from: base + from, byteCount: length)
                }
                total += length
                pos = from + length
            }
        }
        return consumed
    }

    /// FIXED_LEN_BYTE_ARRAY: `count` values of `width` bytes each, appended to `out` back to back.
    public static func decodeFixedLenByteArrays(_ src: UnsafeRawBufferPointer, width: Int, count: Int,
                                                appendingTo out: inout [UInt8]) throws -> Int {
        guard width > 0, count >= 0, count <= src.count / width else {
            throw ParquetDecodingError("PLAIN FIXED_LEN_BYTE_ARRAY(\(width)) data of \(src.count) bytes cannot hold \(count) values")
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: src[0..<(count * width)]))
        return count * width
    }

    /// INT96 timestamps: 8 bytes of nanoseconds within the day, then a 4-byte Julian day, both
    /// little-endian. Appended as microseconds since the Unix epoch (sub-microsecond digits are
    /// truncated toward negative infinity, as pyarrow does with `coerce_int96_timestamp_unit="us"`).
    public static func decodeInt96Timestamps(_ src: UnsafeRawBufferPointer, count: Int,
                                             appendingTo out: inout [Int64]) throws -> Int {
        guard count >= 0, count <= src.count / 12, let base = src.baseAddress else {
            if count == 0 { return 0 }
            throw ParquetDecodingError("PLAIN INT96 data holds \(src.count / 12) values but \(count) were expected")
        }
        out.reserveGrowing(count)
        for i in 0..<count {
            let nanos = Int64(littleEndian: base.loadUnaligned(fromByteOffset: 12 * i, as: Int64.self))
            let julianDay = Int64(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 12 * i + 8, as: Int32.self)))
            guard let micros = int96ToMicros(julianDay: julianDay, nanosOfDay: nanos) else {
                throw ParquetDecodingError("INT96 timestamp \(i) (Julian day \(julianDay), \(nanos) ns) is outside the range of microsecond timestamps")
            }
            out.append(micros)
        }
        return count * 12
    }

    /// Julian day 2440588 is 1970-01-01. `nil` when the instant does not fit 64-bit microseconds.
    @inlinable
    public static func int96ToMicros(julianDay: Int64, nanosOfDay: Int64) -> Int64? {
        let days = julianDay - 2_440_588
        let micros = nanosOfDay >= 0 ? nanosOfDay / 1000 : (nanosOfDay - 999) / 1000
        let (dayMicros, o1) = days.multipliedReportingOverflow(by: 86_400_000_000)
        let (total, o2) = dayMicros.addingReportingOverflow(micros)
        return o1 || o2 ? nil : total
    }
}

extension Array where Element: BitwiseCopyable & AdditiveArithmetic {
    /// Appends `count` elements copied bytewise from possibly unaligned memory.
    mutating func appendRaw(_ src: UnsafeRawBufferPointer, count: Int) {
        guard count > 0, let from = src.baseAddress else { return }
        // Straight into the new storage (no placeholder fill first); the page may be unaligned.
        reserveGrowing(count)
        append(contentsOf: UnalignedValues<Element>(base: from, count: count))
    }
}

extension Array {
    /// Makes room for `additional` more elements, growing geometrically: a plain
    /// `reserveCapacity(count + n)` per page would reallocate (and copy) on every page.
    @inlinable
    mutating func reserveGrowing(_ additional: Int) {
        let needed = count + additional
        if needed > capacity { reserveCapacity(Swift.max(needed, capacity * 2)) }
    }
}

/// `count` values of `T` stored back to back at a possibly unaligned address.
struct UnalignedValues<T: BitwiseCopyable>: RandomAccessCollection {
    let base: UnsafeRawPointer
    let count: Int
    var startIndex: Int { 0 }
    var endIndex: Int { count }
    @inline(__always) subscript(i: Int) -> T { base.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self) }
}

/// The running end offsets of a PLAIN BYTE_ARRAY page's values (lengths already validated).
struct PlainByteArrayEnds: Sequence {
    let page: UnsafeRawPointer
    let count: Int
    let start: Int
    var underestimatedCount: Int { count }

    struct Iterator: IteratorProtocol {
        let page: UnsafeRawPointer
        let count: Int
        var k = 0
        var pos = 0
        var end: Int
        @inline(__always) mutating func next() -> Int? {
            guard k < count else { return nil }
            let length = Int(UInt32(littleEndian: page.loadUnaligned(fromByteOffset: pos, as: UInt32.self)))
            pos += 4 + length
            end += length
            k += 1
            return end
        }
    }

    func makeIterator() -> Iterator { Iterator(page: page, count: count, end: start) }
}

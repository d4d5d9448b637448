/// Parquet's RLE/bit-packed hybrid encoding (Encodings.md "Run Length Encoding / Bit-Packing
/// Hybrid"), used for definition/repetition levels, dictionary indices and RLE booleans.
///
/// A stream is a sequence of runs. An RLE run is `varint(count << 1)` followed by the repeated
/// value in `ceil(bitWidth / 8)` little-endian bytes; a bit-packed run is
/// `varint(groups << 1 | 1)` followed by `groups * 8` values packed LSB-first at `bitWidth` bits.
public enum RleBitPackedHybrid {
    /// Repeats at which the encoder switches from bit-packing to an RLE run (as arrow-rs does).
    @usableFromInline static let rleThreshold = 8

    /// Appends the hybrid encoding of `values` at `bitWidth` (0...32) bits to `out`, without a
    /// length prefix. Values must fit in `bitWidth` bits.
    public static func encode(_ values: [UInt32], bitWidth: Int, into out: inout [UInt8]) {
        values.withUnsafeBufferPointer { encode($0, bitWidth: bitWidth, into: &out) }
    }

    /// Appends the hybrid encoding of `values` at `bitWidth` (0...32) bits to `out`.
    public static func encode(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into out: inout [UInt8]) {
        let n = values.count
        guard n > 0 else { return }
        var literalStart = 0
        var literalCount = 0
        var i = 0
        while i < n {
            let v = values[i]
            var j = i + 1
            while j < n, values[j] == v { j += 1 }
            var run = j - i
            if run >= rleThreshold {
                if literalCount % 8 != 0 {
                    // A bit-packed run holds whole groups of 8: complete the last group from this run.
                    let need = 8 - literalCount % 8
                    literalCount += need
                    run -= need
                }
                if literalCount > 0 {
                    writeBitPacked(UnsafeBufferPointer(rebasing: values[literalStart..<(literalStart + literalCount)]),
                                   bitWidth: bitWidth, into: &out)
                }
                if run > 0 { writeRle(value: v, count: run, bitWidth: bitWidth, into: &out) }
                literalStart = j
                literalCount = 0
            } else {
                literalCount += run
            }
            i = j
        }
        if literalCount > 0 {
            // The final group is zero-padded; readers stop after the value count they expect.
            writeBitPacked(UnsafeBufferPointer(rebasing: values[literalStart..<(literalStart + literalCount)]),
                           bitWidth: bitWidth, into: &out)
        }
    }

    /// Appends the hybrid encoding of `count` bits (bit width 1) taken LSB-first from a packed
    /// bitmap, e.g. definition levels of a flat optional column straight from its validity bitmap.
    /// Bytes of all ones or all zeros become RLE runs; others are copied as bit-packed groups.
    public static func encodeBits(_ bitmap: UnsafeBufferPointer<UInt8>, count: Int, into out: inout [UInt8]) {
        guard count > 0 else { return }
        let fullBytes = count / 8
        var b = 0
        var literalStart = 0  // byte index where pending bit-packed bytes start
        func flushLiterals(upTo end: Int) {
            if end > literalStart {
                writeVarint(UInt64(end - literalStart) << 1 | 1, into: &out)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bitmap[literalStart..<end]))
            }
        }
        while b < fullBytes {
            let byte = bitmap[b]
            if byte == 0 || byte == 0xFF {
                var e = b + 1
                while e < fullBytes, bitmap[e] == byte { e += 1 }
                if e - b >= 2 || e == fullBytes {
                    flushLiterals(upTo: b)
                    var runBits = (e - b) * 8
                    // Extend the run into the partial tail byte where its bits match.
                    if e == fullBytes, count % 8 != 0 {
                        let tail = bitmap[fullBytes]
                        let bitValue: UInt8 = byte == 0 ? 0 : 1
                        var k = 0
                        while k < count % 8, (tail >> UInt8(k)) & 1 == bitValue { k += 1 }
                        if k == count % 8 { runBits += k; e = fullBytes + 1 }
                    }
                    writeVarint(UInt64(runBits) << 1, into: &out)
                    out.append(byte == 0 ? 0 : 1)
                    b = e
                    literalStart = e
                    continue
                }
            }
            b += 1
        }
        if literalStart <= fullBytes {
            let end = count % 8 != 0 ? fullBytes + 1 : fullBytes
            if end > literalStart {
                writeVarint(UInt64(end - literalStart) << 1 | 1, into: &out)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bitmap[literalStart..<end]))
                if count % 8 != 0 {
                    // Zero the padding bits past `count`.
                    out[out.count - 1] &= UInt8((1 << (count % 8)) - 1)
                }
            }
        }
    }

    /// An upper bound of the encoded size of `count` values at `bitWidth` bits.
    public static func maxEncodedSize(count: Int, bitWidth: Int) -> Int {
        let groups = (count + 7) / 8
        return groups * bitWidth + (groups + 1) * 6
    }

    @usableFromInline
    static func writeRle(value: UInt32, count: Int, bitWidth: Int, into out: inout [UInt8]) {
        writeVarint(UInt64(count) << 1, into: &out)
        var v = value
        for _ in 0..<((bitWidth + 7) / 8) {
            out.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    @usableFromInline
    static func writeBitPacked(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into out: inout [UInt8]) {
        let groups = (values.count + 7) / 8
        writeVarint(UInt64(groups) << 1 | 1, into: &out)
        BitPacking.pack(values, bitWidth: bitWidth, into: &out)
        // pack wrote ceil(count * bw / 8) bytes; a run always spans whole groups.
        let padding = groups * bitWidth - (values.count * bitWidth + 7) / 8
        if padding > 0 { out.append(contentsOf: repeatElement(0, count: padding)) }
    }

    @usableFromInline
    static func writeVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// Decodes an RLE/bit-packed hybrid stream into caller-provided buffers.
///
/// Every run header and length is checked against the bytes left, so corrupt input throws
/// ``ParquetDecodingError`` instead of reading out of bounds or looping.
public struct RleBitPackedHybridDecoder {
    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline let end: Int
    @usableFromInline var pos: Int
    public let bitWidth: Int
    @usableFromInline var rleRemaining = 0
    @usableFromInline var rleValue: UInt32 = 0
    @usableFromInline var packedRemaining = 0  // values left in the current bit-packed run
    @usableFromInline var packedBitOffset = 0  // bit position (from `pos`) of the next packed value

    /// Creates a decoder over `buffer`, which must stay valid while the decoder is used.
    /// - Throws: when `bitWidth` is outside 0...32.
    public init(_ buffer: UnsafeRawBufferPointer, bitWidth: Int) throws {
        guard bitWidth >= 0, bitWidth <= 32 else {
            throw ParquetDecodingError("RLE/bit-packed bit width \(bitWidth) is outside 0...32")
        }
        base = buffer.baseAddress
        end = buffer.count
        pos = 0
        self.bitWidth = bitWidth
    }

    /// Bytes consumed so far (complete runs, and the bytes of the current bit-packed run).
    public var bytesConsumed: Int { pos }

    /// Decodes exactly `count` values into `dst`.
    /// - Throws: when the stream ends early or a run header is corrupt.
    public mutating func decode(into dst: UnsafeMutablePointer<UInt32>, count: Int) throws {
        if bitWidth == 0 {
            // Every value is 0; the run headers carry nothing else.
            dst.update(repeating: 0, count: count)
            return
        }
        var filled = 0
        while filled < count {
            if rleRemaining > 0 {
                let n = min(rleRemaining, count - filled)
                (dst + filled).update(repeating: rleValue, count: n)
                rleRemaining -= n
                filled += n
            } else if packedRemaining > 0 {
                let n = min(packedRemaining, count - filled)
                let startBit = packedBitOffset
                let needBytes = (startBit + n * bitWidth + 7) / 8
                guard let base, pos + needBytes <= end else {
                    throw ParquetDecodingError("bit-packed run of \(packedRemaining) values at bit width \(bitWidth) runs past the end of its \(end)-byte buffer")
                }
                let firstByte = startBit / 8
                BitPacking.unpack(UnsafeRawBufferPointer(start: base + pos + firstByte, count: end - pos - firstByte),
                                  bitWidth: bitWidth, count: n, into: dst + filled, bitOffset: startBit & 7)
                packedRemaining -= n
                packedBitOffset += n * bitWidth
                filled += n
                if packedRemaining == 0 {
                    pos += (packedBitOffset + 7) / 8
                    packedBitOffset = 0
                }
            } else {
                try readRunHeader()
            }
        }
    }

    /// Decodes `count` values and returns them.
    public mutating func decode(count: Int) throws -> [UInt32] {
        var out = [UInt32](repeating: 0, count: count)
        try out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try decode(into: base, count: count)
        }
        return out
    }

    @usableFromInline
    mutating func readRunHeader() throws {
        guard let base else { throw ParquetDecodingError("RLE/bit-packed data is empty but values were expected") }
        var header: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end else { throw ParquetDecodingError("RLE/bit-packed stream ends inside a run header (\(end) bytes)") }
            let byte = base.load(fromByteOffset: pos, as: UInt8.self)
            pos += 1
            header |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            guard shift < 35 else { throw ParquetDecodingError("RLE/bit-packed run header is not a valid varint") }
        }
        if header & 1 == 1 {
            let groups = Int(header >> 1)
            // The run may be truncated at the end of the stream; what is missing is checked on use.
            packedRemaining = groups * 8
            packedBitOffset = 0
            if groups == 0 { return }
            let available = (end - pos) * 8 / bitWidth
            if packedRemaining > available {
                // Tolerate a last run whose zero padding was not written, but never beyond the data.
                packedRemaining = available
                if available == 0 {
                    throw ParquetDecodingError("bit-packed run of \(groups) groups at bit width \(bitWidth) runs past the end of its \(end)-byte buffer")
                }
            }
        } else {
            let count = Int(header >> 1)
            let width = (bitWidth + 7) / 8
            guard pos + width <= end else {
                throw ParquetDecodingError("RLE run value runs past the end of its \(end)-byte buffer")
            }
            var v: UInt32 = 0
            for k in 0..<width { v |= UInt32(base.load(fromByteOffset: pos + k, as: UInt8.self)) << UInt32(8 * k) }
            pos += width
            rleValue = v
            rleRemaining = count
        }
    }
}

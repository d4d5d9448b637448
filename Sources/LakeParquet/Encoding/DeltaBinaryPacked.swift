/// The DELTA_BINARY_PACKED encoding (Encodings.md): a header
/// `<block size> <miniblocks per block> <total count> <zigzag first value>`, then blocks of
/// `<zigzag min delta> <one bit width per miniblock> <miniblocks packed LSB first>`.
/// Arithmetic wraps, so INT32 columns decode through 64-bit deltas truncated to 32 bits.
public enum DeltaBinaryPacked {
    /// Decodes exactly `count` values, appending them to `out`; returns the bytes consumed.
    /// - Throws: when the header is invalid, the stream holds fewer than `count` values, or a
    ///   miniblock runs past the end of `src`.
    @discardableResult
    public static func decode<T: FixedWidthInteger>(_ src: UnsafeRawBufferPointer, count: Int,
                                                    appendingTo out: inout [T]) throws -> Int {
        var cursor = ByteCursor(src)
        let blockSize = try cursor.readVarint("DELTA_BINARY_PACKED block size")
        let miniblocks = try cursor.readVarint("DELTA_BINARY_PACKED miniblock count")
        let total = try cursor.readVarint("DELTA_BINARY_PACKED value count")
        var last = try cursor.readZigzag("DELTA_BINARY_PACKED first value")
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= UInt64(DecodingLimits.maxDeltaBlockSize) else {
            throw ParquetDecodingError("DELTA_BINARY_PACKED block size \(blockSize) is not a positive multiple of 128 (at most \(DecodingLimits.maxDeltaBlockSize))")
        }
        guard miniblocks > 0, blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0 else {
            throw ParquetDecodingError("DELTA_BINARY_PACKED has \(miniblocks) miniblocks per block of \(blockSize) values; each must hold a multiple of 32")
        }
        guard total >= UInt64(count) else {
            throw ParquetDecodingError("DELTA_BINARY_PACKED data holds \(total) values but \(count) were expected")
        }
        guard count > 0 else { return cursor.pos }
        let perMiniblock = Int(blockSize / miniblocks)
        let miniblockCount = Int(miniblocks)
        out.reserveGrowing(count)
        out.append(T(truncatingIfNeeded: last))
        var produced = 1
        var scratch = [UInt64](repeating: 0, count: perMiniblock)
        var widths = [Int](repeating: 0, count: miniblockCount)
        while produced < count {
            let minDelta = try cursor.readZigzag("DELTA_BINARY_PACKED block min delta")
            for m in 0..<miniblockCount {
                widths[m] = Int(try cursor.readByte("DELTA_BINARY_PACKED miniblock bit widths"))
            }
            for m in 0..<miniblockCount where produced < count {
                let width = widths[m]
                guard width <= 64 else {
                    throw ParquetDecodingError("DELTA_BINARY_PACKED miniblock bit width \(width) exceeds 64")
                }
                let take = min(perMiniblock, count - produced)
                let needed = (take * width + 7) / 8
                guard needed <= cursor.remaining else {
                    throw ParquetDecodingError("DELTA_BINARY_PACKED miniblock of \(take) values at \(width) bits runs past the end of the data")
                }
                let data = UnsafeRawBufferPointer(rebasing: src[cursor.pos...])
                scratch.withUnsafeMutableBufferPointer { buffer in
                    guard let dst = buffer.baseAddress else { return }
                    unpack64(data, bitWidth: width, count: take, into: dst)
                }
                for k in 0..<take {
                    last = last &+ minDelta &+ Int64(bitPattern: scratch[k])
                    out.append(T(truncatingIfNeeded: last))
                }
                produced += take
                // A full miniblock is always padded to `perMiniblock` values; tolerate a missing pad at the end.
                cursor.pos += min(perMiniblock * width / 8, cursor.remaining)
            }
        }
        return cursor.pos
    }

    /// Unpacks `count` LSB-first values of up to 64 bits. `src` holds at least
    /// `(count * bitWidth + 7) / 8` bytes (checked by the caller).
    static func unpack64(_ src: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into dst: UnsafeMutablePointer<UInt64>) {
        if bitWidth == 0 {
            dst.update(repeating: 0, count: count)
            return
        }
        guard let base = src.baseAddress else { return }
        let mask: UInt64 = bitWidth == 64 ? ~0 : (UInt64(1) << UInt64(bitWidth)) - 1
        let safeLimit = src.count - 8
        var bit = 0
        for i in 0..<count {
            let byte = bit >> 3
            let shift = bit & 7
            if bitWidth <= 56, byte <= safeLimit {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
                dst[i] = (word >> UInt64(shift)) & mask
            } else {
                // Slow path: byte by byte (wide values or the last bytes of the buffer).
                var value: UInt64 = 0
                var got = 0
                var b = byte
                var s = shift
                while got < bitWidth {
                    let available = b < src.count ? UInt64(src[b]) >> UInt64(s) : 0
                    value |= available << UInt64(got)
                    got += 8 - s
                    s = 0
                    b += 1
                }
                dst[i] = value & mask
            }
            bit += bitWidth
        }
    }
}

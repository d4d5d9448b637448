/// Packing and unpacking of fixed-width unsigned integers, as used by Parquet's RLE/bit-packed
/// hybrid (LSB first) and the deprecated BIT_PACKED level encoding (MSB first).
public enum BitPacking {
    /// Appends `values` packed LSB-first at `bitWidth` bits each (0...32). The last byte is
    /// zero-padded. Values wider than `bitWidth` are truncated to it.
    @inlinable
    public static func pack(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into out: inout [UInt8]) {
        guard bitWidth > 0, !values.isEmpty else { return }
        let mask: UInt64 = bitWidth >= 32 ? 0xFFFF_FFFF : (UInt64(1) << UInt64(bitWidth)) - 1
        let byteCount = (values.count * bitWidth + 7) / 8
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: byteCount + 8))
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let dst = UnsafeMutableRawPointer(base + start)
            var acc: UInt64 = 0
            var accBits = 0
            var pos = 0
            for v in values {
                acc |= (UInt64(v) & mask) << UInt64(accBits)
                accBits += bitWidth
                if accBits >= 32 {
                    dst.storeBytes(of: UInt32(truncatingIfNeeded: acc).littleEndian, toByteOffset: pos, as: UInt32.self)
                    pos += 4
                    acc >>= 32
                    accBits -= 32
                }
            }
            if accBits > 0 {
                dst.storeBytes(of: acc.littleEndian, toByteOffset: pos, as: UInt64.self)
            }
        }
        out.removeLast(8)
    }

    /// Unpacks `count` LSB-first values of `bitWidth` bits (0...32) starting at bit `bitOffset`
    /// (0...7) of `src`. The caller guarantees `src` holds at least
    /// `(bitOffset + count * bitWidth + 7) / 8` bytes.
    @inlinable
    public static func unpack(_ src: UnsafeRawBufferPointer, bitWidth: Int, count: Int,
                              into dst: UnsafeMutablePointer<UInt32>, bitOffset: Int = 0) {
        guard count > 0 else { return }
        if bitWidth == 0 {
            dst.update(repeating: 0, count: count)
            return
        }
        guard let base = src.baseAddress else { return }
        let mask: UInt64 = (UInt64(1) << UInt64(bitWidth)) - 1
        let needed = min((bitOffset + count * bitWidth + 7) / 8, src.count)
        // Fast path: values whose 8-byte window lies inside the buffer are read with one unaligned load.
        var i = 0
        var bit = bitOffset
        let safeLimit = src.count - 8
        if bitWidth == 1 {
            while i + 8 <= count, (bit >> 3) < src.count {
                if bit & 7 != 0 { break }
                let byte = base.load(fromByteOffset: bit >> 3, as: UInt8.self)
                for k in 0..<8 { dst[i + k] = UInt32((byte >> UInt8(k)) & 1) }
                i += 8
                bit += 8
            }
        }
        while i < count {
            let byte = bit >> 3
            if byte > safeLimit { break }
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
            dst[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            i += 1
            bit += bitWidth
        }
        if i < count {
            // Tail: copy the remaining bytes into a zero-padded window.
            let from = bit >> 3
            var tail = [UInt8](repeating: 0, count: max(needed - from, 0) + 8)
            if from < needed {
                for k in from..<needed { tail[k - from] = src[k] }
            }
            tail.withUnsafeBytes { t in
                guard let tb = t.baseAddress else { return }
                var b = bit & 7
                while i < count {
                    let word = UInt64(littleEndian: tb.loadUnaligned(fromByteOffset: b >> 3, as: UInt64.self))
                    dst[i] = UInt32(truncatingIfNeeded: (word >> UInt64(b & 7)) & mask)
                    i += 1
                    b += bitWidth
                }
            }
        }
    }

    /// Unpacks `count` values of the deprecated BIT_PACKED encoding (most significant bit first),
    /// used by very old writers for definition and repetition levels.
    /// - Throws: when `src` is shorter than `(count * bitWidth + 7) / 8` bytes.
    public static func unpackMSBFirst(_ src: UnsafeRawBufferPointer, bitWidth: Int, count: Int,
                                      into dst: UnsafeMutablePointer<UInt32>) throws {
        guard bitWidth >= 0, bitWidth <= 32 else {
            throw ParquetDecodingError("BIT_PACKED bit width \(bitWidth) is outside 0...32")
        }
        let needed = (count * bitWidth + 7) / 8
        guard needed <= src.count else {
            throw ParquetDecodingError("BIT_PACKED levels need \(needed) bytes but only \(src.count) remain")
        }
        var bit = 0
        for i in 0..<count {
            var v: UInt32 = 0
            for _ in 0..<bitWidth {
                let b = (src[bit >> 3] >> UInt8(7 - (bit & 7))) & 1
                v = (v << 1) | UInt32(b)
                bit += 1
            }
            dst[i] = v
        }
    }

    /// The number of bits needed to represent `value` (0 for 0).
    @inlinable
    public static func bitWidth(of value: UInt64) -> Int { 64 - value.leadingZeroBitCount }
}

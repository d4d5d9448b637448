import LakeColumnar

/// The DELTA_BYTE_ARRAY (incremental) encoding: prefix lengths (DELTA_BINARY_PACKED), then the
/// suffixes (DELTA_LENGTH_BYTE_ARRAY); value `i` is the first `prefix[i]` bytes of value `i-1`
/// followed by `suffix[i]`.
public enum DeltaByteArray {
    /// Decodes exactly `count` values, appending them to `out`; returns the bytes consumed.
    @discardableResult
    public static func decode(_ src: UnsafeRawBufferPointer, count: Int, appendingTo out: inout VarBytes) throws -> Int {
        var prefixes: [Int32] = []
        let prefixBytes = try DeltaBinaryPacked.decode(src, count: count, appendingTo: &prefixes)
        var suffixes = VarBytes()
        let suffixBytes = try DeltaLengthByteArray.decode(UnsafeRawBufferPointer(rebasing: src[prefixBytes...]),
                                                          count: count, appendingTo: &suffixes)
        // Size the output first so corrupt prefixes cannot grow it without bound.
        var total = 0
        var previousLength = 0
        for i in 0..<count {
            let prefix = Int(prefixes[i])
            guard prefix >= 0, prefix <= previousLength else {
                throw ParquetDecodingError("DELTA_BYTE_ARRAY value \(i) has prefix length \(prefix) but the previous value is \(previousLength) bytes long")
            }
            previousLength = prefix + suffixes.offsets[i + 1] - suffixes.offsets[i]
            total += previousLength
            guard total <= DecodingLimits.maxPageBytes else {
                throw ParquetDecodingError("DELTA_BYTE_ARRAY page expands to more than \(DecodingLimits.maxPageBytes) bytes")
            }
        }
        out.bytes.reserveGrowing(total)
        out.offsets.reserveGrowing(count)
        var previousStart = out.bytes.count
        for i in 0..<count {
            let prefix = Int(prefixes[i])
            let start = out.bytes.count
            if prefix > 0 {
                out.bytes.append(contentsOf: out.bytes[previousStart..<(previousStart + prefix)])
            }
            out.bytes.append(contentsOf: suffixes.bytes[suffixes.offsets[i]..<suffixes.offsets[i + 1]])
            out.offsets.append(out.bytes.count)
            previousStart = start
        }
        return prefixBytes + suffixBytes
    }
}

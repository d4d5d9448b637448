import LakeColumnar

/// The DELTA_LENGTH_BYTE_ARRAY encoding: the lengths of all values, DELTA_BINARY_PACKED, then
/// the values' bytes concatenated.
public enum DeltaLengthByteArray {
    /// Decodes exactly `count` values, appending them to `out`; returns the bytes consumed.
    @discardableResult
    public static func decode(_ src: UnsafeRawBufferPointer, count: Int, appendingTo out: inout VarBytes) throws -> Int {
        var lengths: [Int32] = []
        let header = try DeltaBinaryPacked.decode(src, count: count, appendingTo: &lengths)
        var total = 0
        for (i, length) in lengths.enumerated() {
            guard length >= 0 else { throw ParquetDecodingError("DELTA_LENGTH_BYTE_ARRAY value \(i) has negative length \(length)") }
            total += Int(length)
            guard total <= src.count - header else {
                throw ParquetDecodingError("DELTA_LENGTH_BYTE_ARRAY values need \(total)+ bytes but only \(src.count - header) remain")
            }
        }
        guard let base = src.baseAddress else { return header }
        out.bytes.append(contentsOf: UnsafeRawBufferPointer(start: base + header, count: total))
        out.offsets.reserveGrowing(count)
        var end = out.offsets[out.offsets.count - 1]
        for length in lengths {
            end += Int(length)
            out.offsets.append(end)
        }
        return header + total
    }
}

/// The BYTE_STREAM_SPLIT encoding: for `count` values of `width` bytes, byte `k` of every value
/// is stored in stream `k`; the `width` streams follow each other.
public enum ByteStreamSplit {
    /// Decodes `count` values of `width` bytes into `out` (appended back to back, little-endian
    /// as PLAIN would hold them); returns the bytes consumed (`count * width`).
    @discardableResult
    public static func decode(_ src: UnsafeRawBufferPointer, width: Int, count: Int,
                              appendingTo out: inout [UInt8]) throws -> Int {
        guard width > 0, count >= 0, count <= src.count / width else {
            throw ParquetDecodingError("BYTE_STREAM_SPLIT data of \(src.count) bytes cannot hold \(count) values of \(width) bytes")
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: count * width))
        out.withUnsafeMutableBufferPointer { dst in
            for k in 0..<width {
                let stream = k * count
                for i in 0..<count { dst[start + i * width + k] = src[stream + i] }
            }
        }
        return count * width
    }

    /// Decodes `count` values of a fixed-width numeric type (FLOAT, DOUBLE, INT32, INT64).
    @discardableResult
    public static func decode<T: BitwiseCopyable & AdditiveArithmetic>(_ src: UnsafeRawBufferPointer, count: Int,
                                                                       appendingTo out: inout [T]) throws -> Int {
        var bytes: [UInt8] = []
        let consumed = try decode(src, width: MemoryLayout<T>.size, count: count, appendingTo: &bytes)
        bytes.withUnsafeBytes { out.appendRaw($0, count: count) }
        return consumed
    }
}

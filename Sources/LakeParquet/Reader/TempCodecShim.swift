// TEMPORARY until LakeCodecs lands in main: delete this file then.
enum PendingCodec {
    case snappy, gzip, zstd
    func decompress(_ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8], maxOutputSize: Int) throws {
        throw ParquetDecodingError("codec not available yet")
    }
}

// TEMPORARY until LakeCodecs lands in main: delete this file then (and PageCodecsC.swift).
enum PendingCodec {
    case snappy, gzip, zstd
    func decompress(_ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8], maxOutputSize: Int) throws {
        let codec: PageCodecsC.Codec = switch self {
        case .snappy: .snappy
        case .gzip: .gzip
        case .zstd: .zstd
        }
        try PageCodecsC.decompress(codec, input, uncompressedSize: uncompressedSize, into: &output, maxOutputSize: maxOutputSize)
    }
}

import LakeCodecs

/// Decompresses pages with the codec a column chunk names.
struct PageDecompressor: Sendable {
    let parquetCodec: ParquetCodec
    private let codec: CompressionCodec?
    private let lz4Raw: Bool

    /// - Throws: ``ParquetError/unsupported(_:)`` for codecs lakectl has no implementation of.
    init(_ parquetCodec: ParquetCodec) throws {
        self.parquetCodec = parquetCodec
        lz4Raw = parquetCodec == .lz4Raw
        switch parquetCodec {
        case .uncompressed, .lz4Raw: codec = nil
        case .snappy: codec = .snappy
        case .gzip: codec = .gzip
        case .zstd: codec = .zstd
        default:
            throw ParquetError.unsupported("compression codec \(parquetCodec) is not supported (lakectl reads UNCOMPRESSED, SNAPPY, GZIP, ZSTD and LZ4_RAW)")
        }
    }

    var isIdentity: Bool { codec == nil && !lz4Raw }

    /// Decompresses `input` into exactly `uncompressedSize` bytes, replacing `output`'s contents.
    func decompress(_ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8]) throws {
        output.removeAll(keepingCapacity: true)
        if lz4Raw {
            try Lz4RawDecoder.decompress(input, size: uncompressedSize, into: &output)
            return
        }
        guard let codec else {
            guard input.count == uncompressedSize else {
                throw ParquetDecodingError("uncompressed page holds \(input.count) bytes but its header says \(uncompressedSize)")
            }
            output.append(contentsOf: input)
            return
        }
        do {
            try codec.decompress(input, uncompressedSize: uncompressedSize, into: &output,
                                 maxOutputSize: DecodingLimits.maxPageBytes)
        } catch {
            throw ParquetDecodingError("\(parquetCodec) decompression failed: \(error)")
        }
    }
}

import CZstd
import LakeCodecs

/// A zstd decompression context reused for every page of a column chunk (creating one per page
/// cost a few percent of a read in allocation and page faults).
final class ZstdPageContext {
    private let context: OpaquePointer

    init?() {
        guard let context = ZSTD_createDCtx() else { return nil }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Decompresses one zstd frame of exactly `size` bytes into `output` (replacing its contents).
    func decompress(_ input: UnsafeRawBufferPointer, size: Int, into output: inout [UInt8]) throws {
        // One spare byte so a frame longer than the header's size is detected, not cut.
        if output.count < size + 1 { output.append(contentsOf: repeatElement(0, count: size + 1 - output.count)) }
        let result = output.withUnsafeMutableBytes { dst in
            ZSTD_decompressDCtx(context, dst.baseAddress, size + 1, input.baseAddress, input.count)
        }
        if ZSTD_isError(result) != 0 {
            throw ParquetDecodingError("ZSTD decompression failed: \(String(cString: ZSTD_getErrorName(result)))")
        }
        guard result == size else {
            throw ParquetDecodingError("ZSTD page decompressed to \(result)\(result > size ? "+" : "") bytes but its header says \(size)")
        }
        output.removeLast(output.count - size)
    }
}

/// Decompresses pages with the codec a column chunk names.
struct PageDecompressor {
    let parquetCodec: ParquetCodec
    private let codec: CompressionCodec?
    private let lz4Raw: Bool
    private let zstd: ZstdPageContext?

    /// - Throws: ``ParquetError/unsupported(_:)`` for codecs lakectl has no implementation of.
    init(_ parquetCodec: ParquetCodec) throws {
        self.parquetCodec = parquetCodec
        lz4Raw = parquetCodec == .lz4Raw
        zstd = parquetCodec == .zstd ? ZstdPageContext() : nil
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
        if let zstd, input.count > 0 {
            try zstd.decompress(input, size: uncompressedSize, into: &output)
            return
        }
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

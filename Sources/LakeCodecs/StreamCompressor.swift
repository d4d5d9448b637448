import CZstd

/// Compresses a stream written in chunks (a `.csv.gz` / `.csv.zst` file), appending compressed
/// bytes to a caller buffer that can be flushed to storage as it grows.
public final class StreamCompressor {
    public let codec: CompressionCodec
    private var deflater: Deflater?
    private var zstd: OpaquePointer?

    /// - Parameter codec: `.gzip`, `.zlib`, `.zstd` or `.none` (pass-through).
    public init(_ codec: CompressionCodec, level: Int? = nil) throws {
        self.codec = codec
        let level = level ?? codec.defaultLevel
        switch codec {
        case .none: break
        case .snappy: throw CodecError.unsupported(codec: codec, operation: "streaming compression")
        case .gzip, .zlib:
            guard (0...9).contains(level) else { throw CodecError.invalidLevel(codec: codec, level: level) }
            deflater = try Deflater(codec: codec, level: level)
        case .zstd:
            guard level >= Int(ZSTD_minCLevel()), level <= Int(ZSTD_maxCLevel()) else {
                throw CodecError.invalidLevel(codec: codec, level: level)
            }
            guard let cctx = ZSTD_createCCtx() else { throw CodecError.libraryFailure(codec: codec, detail: "out of memory") }
            zstd = cctx
            let rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level))
            if Zstd.isError(rc) { throw CodecError.invalidLevel(codec: codec, level: level) }
        }
    }

    deinit { if let zstd { ZSTD_freeCCtx(zstd) } }

    /// Compresses `chunk`, appending whatever compressed output is ready to `output`.
    public func compress(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        switch codec {
        case .none: output.append(contentsOf: chunk)
        case .gzip, .zlib: try deflater?.compress(chunk, into: &output)
        case .zstd: try zstdRun(chunk, end: false, into: &output)
        case .snappy: throw CodecError.unsupported(codec: codec, operation: "streaming compression")
        }
    }

    public func compress(_ chunk: [UInt8], into output: inout [UInt8]) throws {
        try chunk.withUnsafeBytes { try compress($0, into: &output) }
    }

    /// Ends the stream, appending the remaining compressed bytes and the trailer.
    public func finish(into output: inout [UInt8]) throws {
        switch codec {
        case .none: break
        case .gzip, .zlib: try deflater?.finish(into: &output)
        case .zstd: try zstdRun(UnsafeRawBufferPointer(start: nil, count: 0), end: true, into: &output)
        case .snappy: throw CodecError.unsupported(codec: codec, operation: "streaming compression")
        }
    }

    private func zstdRun(_ chunk: UnsafeRawBufferPointer, end: Bool, into output: inout [UInt8]) throws {
        guard let cctx = zstd else { return }
        var inBuffer = ZSTD_inBuffer(src: chunk.baseAddress, size: chunk.count, pos: 0)
        var remaining = 1
        repeat {
            let room = Swift.max(ZSTD_CStreamOutSize(), chunk.count / 2)
            var failure: Int?
            try output.appendUninitialized(room) { dst in
                var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                let rc = ZSTD_compressStream2(cctx, &outBuffer, &inBuffer, end ? ZSTD_e_end : ZSTD_e_continue)
                if Zstd.isError(rc) { failure = rc } else { remaining = rc }
                return outBuffer.pos
            }
            if let failure { throw CodecError.libraryFailure(codec: codec, detail: Zstd.errorName(failure)) }
        } while inBuffer.pos < inBuffer.size || (end && remaining != 0)
    }
}

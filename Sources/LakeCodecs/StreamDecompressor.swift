import CZlib
import CZstd

/// Decompresses a gzip, zlib or zstd stream that arrives in chunks (a `.csv.gz` read piece by
/// piece), in bounded memory.
///
/// Two ways to use it:
/// - push: ``decompress(_:into:)`` decodes a whole chunk and appends the result (simple; output per
///   chunk is bounded only by `maxOutputSize`);
/// - pull: ``feed(_:)`` a chunk, then ``read(into:)`` fixed-size pieces until it returns 0 (output
///   held at once is bounded by the piece size).
///
/// Call ``finish()`` after the last chunk: it throws ``CodecError/truncatedInput(codec:)`` when the
/// stream stopped mid-member/mid-frame. gzip accepts concatenated members and trailing zero padding
/// (as gzip(1) and Python do); zstd accepts concatenated and skippable frames.
public final class StreamDecompressor {
    public let codec: CompressionCodec
    /// Decompressed bytes produced so far.
    public private(set) var totalOut = 0
    public let maxOutputSize: Int

    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var zlib: UnsafeMutablePointer<z_stream>?
    private var zstd: OpaquePointer?
    /// True between members/frames (and before the first): the stream may end here.
    private var atBoundary = true
    /// gzip: only zero bytes may follow (trailing padding).
    private var inPadding = false
    /// gzip/zlib: a member ended, so the inflater must be reset before the next one.
    private var needsReset = false

    /// - Parameter codec: `.gzip` (also accepts zlib-wrapped data), `.zlib`, `.zstd` or `.none`
    ///   (pass-through). Snappy has no stream format here.
    public init(_ codec: CompressionCodec, maxOutputSize: Int = Int.max) throws {
        self.codec = codec
        self.maxOutputSize = maxOutputSize
        switch codec {
        case .none: break
        case .snappy: throw CodecError.unsupported(codec: codec, operation: "streaming decompression")
        case .gzip, .zlib:
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let window = codec == .gzip ? ZlibCodec.autoDetectWindow : ZlibCodec.zlibWindow
            let rc = inflateInit2_(stream, window, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                stream.deallocate()
                throw CodecError.libraryFailure(codec: codec, detail: "inflateInit2 returned \(rc)")
            }
            zlib = stream
        case .zstd:
            guard let dctx = ZSTD_createDCtx() else { throw CodecError.libraryFailure(codec: codec, detail: "out of memory") }
            zstd = dctx
        }
    }

    deinit {
        if let zlib {
            inflateEnd(zlib)
            zlib.deallocate()
        }
        if let zstd { ZSTD_freeDCtx(zstd) }
    }

    /// Queues compressed bytes for ``read(into:)``.
    public func feed(_ chunk: UnsafeRawBufferPointer) {
        if pendingOffset == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingOffset = 0
        } else if pendingOffset > 0 {
            pending.removeSubrange(..<pendingOffset)
            pendingOffset = 0
        }
        pending.append(contentsOf: chunk)
    }

    public func feed(_ chunk: [UInt8]) { chunk.withUnsafeBytes { feed($0) } }

    /// Whether every fed byte has been consumed (more input is needed to make progress).
    public var needsInput: Bool { pendingOffset == pending.count }

    /// Decompresses queued input into `buffer`; returns the number of bytes written (0 = all
    /// queued input consumed and all output it yields delivered).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        let produced = try pending.withUnsafeBytes { all -> Int in
            let input = UnsafeRawBufferPointer(rebasing: all[pendingOffset...])
            let (consumed, produced) = try step(input, buffer)
            pendingOffset += consumed
            return produced
        }
        totalOut += produced
        if totalOut > maxOutputSize { throw CodecError.outputTooLarge(codec: codec, limit: maxOutputSize) }
        return produced
    }

    /// Reads up to `maxBytes` decompressed bytes, appending them to `output`; returns how many.
    @discardableResult
    public func read(into output: inout [UInt8], maxBytes: Int) throws -> Int {
        var produced = 0
        try output.appendUninitialized(maxBytes) { dst in
            produced = try read(into: dst)
            return produced
        }
        return produced
    }

    /// Decompresses all of `chunk`, appending the output.
    public func decompress(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        feed(chunk)
        var piece = Swift.max(4096, Swift.min(chunk.count * 4, 8 << 20))
        while try read(into: &output, maxBytes: piece) > 0 { piece = Swift.min(piece * 2, 16 << 20) }
    }

    public func decompress(_ chunk: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        try chunk.withUnsafeBytes { try decompress($0, into: &output) }
        return output
    }

    /// Declares the input complete: throws if the stream ended inside a member/frame or input is
    /// still queued (call ``read(into:)`` until it returns 0 first).
    public func finish() throws {
        if codec != .none, !atBoundary { throw CodecError.truncatedInput(codec: codec) }
        if pendingOffset < pending.count {
            throw CodecError.libraryFailure(codec: codec, detail: "finish() called with undecoded input left; read until 0 first")
        }
    }

    // MARK: - Codec steps

    /// Consumes input and fills output until one runs out; returns (consumed, produced).
    private func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) throws -> (Int, Int) {
        switch codec {
        case .none:
            let n = Swift.min(input.count, output.count)
            if n > 0, let src = input.baseAddress, let dst = output.baseAddress { dst.copyMemory(from: src, byteCount: n) }
            return (n, n)
        case .gzip, .zlib:
            guard let zlib else { return (0, 0) }
            return try inflateStep(zlib, input, output)
        case .zstd:
            guard let zstd else { return (0, 0) }
            return try zstdStep(zstd, input, output)
        case .snappy:
            throw CodecError.unsupported(codec: codec, operation: "streaming decompression")
        }
    }

    private func inflateStep(_ stream: UnsafeMutablePointer<z_stream>, _ input: UnsafeRawBufferPointer,
                             _ output: UnsafeMutableRawBufferPointer) throws -> (Int, Int) {
        var consumed = 0
        var produced = 0
        while consumed < input.count || !atBoundary, produced < output.count {
            if atBoundary {
                guard let base = input.baseAddress else { break }
                // Between members: zero padding may follow the last member; anything else must
                // start a new member (gzip) — zlib streams are single.
                if inPadding || base.load(fromByteOffset: consumed, as: UInt8.self) == 0, codec == .gzip {
                    while consumed < input.count, base.load(fromByteOffset: consumed, as: UInt8.self) == 0 { consumed += 1 }
                    if consumed < input.count {
                        if inPadding || base.load(fromByteOffset: consumed, as: UInt8.self) != 0x1F {
                            throw CodecError.corruptInput(codec: codec, detail: "unexpected bytes after the end of the gzip data")
                        }
                    } else {
                        inPadding = true
                        break
                    }
                }
                if needsReset {
                    if codec == .zlib { throw CodecError.corruptInput(codec: codec, detail: "unexpected bytes after the end of the zlib stream") }
                    // The previous member ended: start a fresh one.
                    if inflateReset(stream) != Z_OK { throw CodecError.libraryFailure(codec: codec, detail: "inflateReset failed") }
                    needsReset = false
                }
                atBoundary = false
                continue
            }
            let availIn = Swift.min(input.count - consumed, Int(UInt32.max))
            let availOut = Swift.min(output.count - produced, Int(UInt32.max))
            stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: ($0 + consumed).assumingMemoryBound(to: Bytef.self)) }
            stream.pointee.avail_in = uInt(availIn)
            stream.pointee.next_out = output.baseAddress.map { ($0 + produced).assumingMemoryBound(to: Bytef.self) }
            stream.pointee.avail_out = uInt(availOut)
            let rc = inflate(stream, Z_NO_FLUSH)
            let usedIn = availIn - Int(stream.pointee.avail_in)
            let usedOut = availOut - Int(stream.pointee.avail_out)
            consumed += usedIn
            produced += usedOut
            switch rc {
            case Z_STREAM_END:
                atBoundary = true
                needsReset = true
                if codec == .zlib, consumed < input.count {
                    throw CodecError.corruptInput(codec: codec, detail: "unexpected bytes after the end of the zlib stream")
                }
            case Z_OK:
                if usedIn == 0, usedOut == 0 { return (consumed, produced) }
            case Z_BUF_ERROR:
                return (consumed, produced) // needs more input or more room
            case Z_DATA_ERROR, Z_NEED_DICT:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "invalid compressed data"
                throw CodecError.corruptInput(codec: codec, detail: message)
            case Z_MEM_ERROR:
                throw CodecError.libraryFailure(codec: codec, detail: "out of memory")
            default:
                throw CodecError.libraryFailure(codec: codec, detail: "inflate returned \(rc)")
            }
        }
        return (consumed, produced)
    }

    private func zstdStep(_ dctx: OpaquePointer, _ input: UnsafeRawBufferPointer,
                          _ output: UnsafeMutableRawBufferPointer) throws -> (Int, Int) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        while outBuffer.pos < outBuffer.size {
            let hadInput = inBuffer.pos < inBuffer.size
            // With no input left, zstd may still hold decoded bytes (when output filled up last
            // time); only ask when a frame is in progress.
            if !hadInput, atBoundary { break }
            let before = (inBuffer.pos, outBuffer.pos)
            let rc = ZSTD_decompressStream(dctx, &outBuffer, &inBuffer)
            if Zstd.isError(rc) { throw CodecError.corruptInput(codec: codec, detail: Zstd.errorName(rc)) }
            atBoundary = rc == 0
            if before == (inBuffer.pos, outBuffer.pos) { break }
        }
        return (inBuffer.pos, outBuffer.pos)
    }
}

import CZlib

/// gzip (RFC 1952) and zlib (RFC 1950) block compression via zlib.
enum ZlibCodec {
    /// windowBits for deflateInit2/inflateInit2: 15 = zlib wrapper, 15+16 = gzip wrapper,
    /// 15+32 = detect zlib or gzip (decoding only).
    static let zlibWindow: Int32 = 15
    static let gzipWindow: Int32 = 15 + 16
    static let autoDetectWindow: Int32 = 15 + 32

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int, gzip: Bool) throws -> Int {
        let codec: CompressionCodec = gzip ? .gzip : .zlib
        guard (0...9).contains(level) else { throw CodecError.invalidLevel(codec: codec, level: level) }
        let deflater = try Deflater(codec: codec, level: level)
        let start = output.count
        // deflateBound covers the whole (wrapped) output, so one deflate(Z_FINISH) call suffices
        // for inputs below 4 GiB; larger ones stream in slices.
        let bound = Int(deflateBound(deflater.stream, uLong(Swift.min(input.count, Int(UInt32.max)))))
        output.reserveCapacity(start + bound)
        try deflater.compress(input, into: &output)
        try deflater.finish(into: &output)
        return output.count - start
    }

    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int, into output: inout [UInt8], gzip: Bool) throws {
        let codec: CompressionCodec = gzip ? .gzip : .zlib
        let stream = try StreamDecompressor(codec)
        let start = output.count
        var thrown: (any Error)?
        var produced = 0
        // One spare byte detects data that expands to more than announced.
        try output.appendUninitialized(expectedSize + 1) { dst in
            do {
                stream.feed(input)
                produced = try stream.read(into: dst)
                if produced <= expectedSize { try stream.finish() }
            } catch {
                thrown = error
            }
            return thrown == nil ? Swift.min(produced, expectedSize) : 0
        }
        if let thrown { throw thrown }
        guard produced == expectedSize else {
            output.removeSubrange(start...)
            throw CodecError.sizeMismatch(codec: codec, expected: expectedSize, actual: produced)
        }
    }
}

/// A zlib deflate stream (gzip or zlib wrapper). The `z_stream` lives at a fixed address because
/// zlib keeps a pointer back to it.
final class Deflater {
    let codec: CompressionCodec
    let stream: UnsafeMutablePointer<z_stream>

    init(codec: CompressionCodec, level: Int) throws {
        self.codec = codec
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let window = codec == .gzip ? ZlibCodec.gzipWindow : ZlibCodec.zlibWindow
        let rc = deflateInit2_(stream, Int32(level), Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            if rc == Z_STREAM_ERROR { throw CodecError.invalidLevel(codec: codec, level: level) }
            throw CodecError.libraryFailure(codec: codec, detail: "deflateInit2 returned \(rc)")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        try run(input, flush: Z_NO_FLUSH, into: &output)
    }

    func finish(into output: inout [UInt8]) throws {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH, into: &output)
    }

    private func run(_ input: UnsafeRawBufferPointer, flush: Int32, into output: inout [UInt8]) throws {
        var offset = 0
        while true {
            let slice = Swift.min(input.count - offset, Int(UInt32.max))
            let isLastSlice = offset + slice == input.count
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { ($0 + offset).assumingMemoryBound(to: Bytef.self) })
            stream.pointee.avail_in = uInt(slice)
            let mode = isLastSlice ? flush : Z_NO_FLUSH
            var rc: Int32 = Z_OK
            repeat {
                let room = Swift.max(64 * 1024, Swift.min(slice / 2, 4 << 20))
                try output.appendUninitialized(room) { dst in
                    stream.pointee.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(dst.count)
                    rc = deflate(stream, mode)
                    return dst.count - Int(stream.pointee.avail_out)
                }
                guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                    throw CodecError.libraryFailure(codec: codec, detail: "deflate returned \(rc)")
                }
            } while stream.pointee.avail_out == 0 || (mode == Z_FINISH && rc != Z_STREAM_END)
            offset += slice
            if isLastSlice { return }
        }
    }
}

import CSnappy
import CZlib
import CZstd

/// Block decompression of Parquet pages straight over the C libraries: a stop-gap so lakectl can
/// read the zstd/snappy/gzip files its writer produces until LakeCodecs lands (the reader's
/// `PendingCodec` forwards here). Output is bounded by the size the page header claims.
enum PageCodecsC {
    enum Codec { case snappy, gzip, zstd }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func decompress(_ codec: Codec, _ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8],
                           maxOutputSize: Int) throws {
        guard uncompressedSize >= 0, uncompressedSize <= maxOutputSize else {
            throw Failure(description: "page claims \(uncompressedSize) bytes, above the \(maxOutputSize)-byte limit")
        }
        var failure: Failure?
        let result = [UInt8](unsafeUninitializedCapacity: max(uncompressedSize, 1)) { buffer, count in
            count = 0
            guard let dst = buffer.baseAddress else { failure = Failure(description: "out of memory"); return }
            switch codec {
            case .zstd:
                let n = ZSTD_decompress(dst, uncompressedSize, input.baseAddress, input.count)
                if ZSTD_isError(n) != 0 { failure = Failure(description: String(cString: ZSTD_getErrorName(n))); return }
                count = n
            case .snappy:
                guard let src = input.baseAddress?.assumingMemoryBound(to: CChar.self) else {
                    failure = Failure(description: "empty snappy input"); return
                }
                var length = 0
                guard snappy_uncompressed_length(src, input.count, &length) == SNAPPY_OK, length == uncompressedSize else {
                    failure = Failure(description: "snappy block does not expand to \(uncompressedSize) bytes"); return
                }
                var outLength = uncompressedSize
                let status = snappy_uncompress(src, input.count, UnsafeMutableRawPointer(dst).assumingMemoryBound(to: CChar.self), &outLength)
                guard status == SNAPPY_OK else { failure = Failure(description: "corrupt snappy block"); return }
                count = outLength
            case .gzip:
                var stream = z_stream()
                guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                    failure = Failure(description: "inflateInit2 failed"); return
                }
                defer { inflateEnd(&stream) }
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = dst
                stream.avail_out = uInt(uncompressedSize)
                while true {
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    if rc == Z_STREAM_END {
                        // Concatenated members: continue with the next one.
                        if stream.avail_in > 0, stream.avail_out > 0 { inflateReset(&stream); continue }
                        break
                    }
                    if rc == Z_OK, stream.avail_out > 0, stream.avail_in > 0 { continue }
                    if rc == Z_BUF_ERROR || (rc == Z_OK && (stream.avail_out == 0 || stream.avail_in == 0)) {
                        if stream.avail_out == 0 { break }
                        failure = Failure(description: "truncated gzip data"); return
                    }
                    failure = Failure(description: "corrupt gzip data (\(rc))"); return
                }
                count = uncompressedSize - Int(stream.avail_out)
            }
            if count != uncompressedSize, failure == nil {
                failure = Failure(description: "page expands to \(count) bytes, its header says \(uncompressedSize)")
            }
        }
        if let failure { throw failure }
        output.append(contentsOf: result.prefix(uncompressedSize))
    }
}

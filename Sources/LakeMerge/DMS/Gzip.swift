import CZlib

/// Gzip-compressed DMS files (`CompressionType=GZIP`), inflated whole with zlib (gzip or zlib
/// headers, concatenated members), refusing output beyond ``maxOutput`` so a hostile file cannot
/// exhaust memory.
enum Gzip {
    static let maxOutput = 4 << 30

    static func decompress(_ bytes: [UInt8], source: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(min(bytes.count * 4, 64 << 20))
        var consumed = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while consumed < bytes.count {
            var stream = z_stream()
            guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw MergeError("\(source): cannot start zlib")
            }
            defer { inflateEnd(&stream) }
            var status: Int32 = Z_OK
            try bytes.withUnsafeBufferPointer { input in
                guard let base = input.baseAddress else { return }
                stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                stream.avail_in = UInt32(input.count - consumed)
                repeat {
                    try chunk.withUnsafeMutableBufferPointer { buffer in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = UInt32(buffer.count)
                        status = inflate(&stream, Z_NO_FLUSH)
                        guard status == Z_OK || status == Z_STREAM_END else {
                            throw MergeError("\(source): not valid gzip data (zlib status \(status)); is the file really .gz?")
                        }
                        out.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                    }
                    guard out.count <= maxOutput else { throw MergeError("\(source): decompresses to more than \(maxOutput) bytes") }
                    if status == Z_OK, stream.avail_in == 0, stream.avail_out != 0 {
                        throw MergeError("\(source): gzip data is truncated")
                    }
                } while status != Z_STREAM_END
                consumed = input.count - Int(stream.avail_in)
            }
            // Trailing zero padding after the last member is tolerated.
            if consumed >= bytes.count || bytes[consumed...].allSatisfy({ $0 == 0 }) { break }
        }
        return out
    }
}

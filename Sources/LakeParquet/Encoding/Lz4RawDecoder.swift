/// Decompression of the LZ4 block format, Parquet's LZ4_RAW codec (LZ4 framing-free blocks).
///
/// Every literal run, match offset and length is checked against the input left and the
/// output size the page header promises, so corrupt input throws instead of overrunning.
enum Lz4RawDecoder {
    /// Decompresses `input` into exactly `size` bytes appended to `output`.
    static func decompress(_ input: UnsafeRawBufferPointer, size: Int, into output: inout [UInt8]) throws {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: size))
        let written = try output.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let out = buffer.baseAddress.map({ $0 + start }) else { return 0 }
            var ip = 0
            var op = 0
            let inEnd = input.count
            func readLength(_ initial: Int) throws -> Int {
                var length = initial
                if initial == 15 {
                    while true {
                        guard ip < inEnd else { throw ParquetDecodingError("LZ4 block ends inside a length") }
                        let b = Int(input[ip])
                        ip += 1
                        length += b
                        guard length <= size else { throw ParquetDecodingError("LZ4 length exceeds the page size \(size)") }
                        if b != 255 { break }
                    }
                }
                return length
            }
            while ip < inEnd {
                let token = Int(input[ip])
                ip += 1
                let literals = try readLength(token >> 4)
                guard literals <= inEnd - ip else { throw ParquetDecodingError("LZ4 literals run past the end of the block") }
                guard literals <= size - op else { throw ParquetDecodingError("LZ4 output exceeds the page size \(size)") }
                if literals > 0, let src = input.baseAddress {
                    UnsafeMutableRawPointer(out + op).copyMemory(from: src + ip, byteCount: literals)
                }
                ip += literals
                op += literals
                if ip == inEnd { break }  // the last sequence has literals only
                guard inEnd - ip >= 2 else { throw ParquetDecodingError("LZ4 block ends inside a match offset") }
                let offset = Int(input[ip]) | Int(input[ip + 1]) << 8
                ip += 2
                guard offset > 0, offset <= op else { throw ParquetDecodingError("LZ4 match offset \(offset) points before the output start") }
                let matchLength = try readLength(token & 15) + 4
                guard matchLength <= size - op else { throw ParquetDecodingError("LZ4 output exceeds the page size \(size)") }
                // Overlapping copies repeat the pattern, so copy byte by byte.
                for k in 0..<matchLength { out[op + k] = out[op + k - offset] }
                op += matchLength
            }
            return op
        }
        guard written == size else {
            throw ParquetDecodingError("LZ4 block decompressed to \(written) bytes but the page header says \(size)")
        }
    }
}

import Testing
@testable import LakeCodecs

/// Deterministic pseudo-random bytes (xorshift), mixing compressible runs and noise.
func sampleBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed | 1
    var out = [UInt8]()
    out.reserveCapacity(count)
    while out.count < count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        if state % 3 == 0 {
            out.append(contentsOf: repeatElement(UInt8(truncatingIfNeeded: state >> 8), count: Int(state % 40)))
        } else {
            out.append(UInt8(truncatingIfNeeded: state >> 16))
        }
    }
    return Array(out.prefix(count))
}

let blockCodecs: [CompressionCodec] = [.none, .snappy, .gzip, .zlib, .zstd]
let streamCodecs: [CompressionCodec] = [.gzip, .zlib, .zstd, .none]

@Test(arguments: blockCodecs)
func blockRoundTrip(codec: CompressionCodec) throws {
    for size in [0, 1, 100, 65_536, 200_003] {
        let input = sampleBytes(size, seed: UInt64(size + 1))
        let compressed = try codec.compress(input)
        #expect(try codec.decompress(compressed, uncompressedSize: size) == input)
        #expect(try codec.decompress(compressed) == input)
    }
}

@Test(arguments: blockCodecs)
func compressIntoAppendsAndReusesBuffer(codec: CompressionCodec) throws {
    let input = sampleBytes(10_000)
    var buffer: [UInt8] = [9, 9, 9]
    let appended = try codec.compress(input, into: &buffer)
    #expect(buffer.count == 3 + appended)
    #expect(Array(buffer.prefix(3)) == [9, 9, 9])
    let body = Array(buffer.dropFirst(3))
    #expect(try codec.decompress(body, uncompressedSize: input.count) == input)
    buffer.removeAll(keepingCapacity: true)
    try codec.compress(input, into: &buffer)
    #expect(buffer == body)
    var decoded: [UInt8] = [7]
    try body.withUnsafeBytes { try codec.decompress($0, uncompressedSize: input.count, into: &decoded) }
    #expect(decoded == [7] + input)
}

@Test(arguments: blockCodecs)
func sizeMismatchIsRejected(codec: CompressionCodec) throws {
    let input = sampleBytes(5_000)
    let compressed = try codec.compress(input)
    for wrong in [0, 4_999, 5_001, 100_000] {
        #expect(throws: CodecError.self) { try codec.decompress(compressed, uncompressedSize: wrong) }
    }
    #expect(throws: CodecError.self) { try codec.decompress(compressed, uncompressedSize: -1) }
}

@Test(arguments: [CompressionCodec.snappy, .gzip, .zlib, .zstd])
func corruptInputThrowsNeverCrashes(codec: CompressionCodec) throws {
    let input = sampleBytes(20_000)
    let compressed = try codec.compress(input)
    var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    for trial in 0..<60 {
        var damaged = compressed
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
        switch trial % 3 {
        case 0: damaged = Array(damaged.prefix(Int(rng % UInt64(damaged.count))))  // truncation
        case 1: damaged[Int(rng % UInt64(damaged.count))] ^= UInt8(truncatingIfNeeded: rng >> 32) | 1
        default:
            for k in 0..<8 { damaged[Int((rng >> UInt64(k * 7)) % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: rng >> UInt64(k)) }
        }
        // Either an error or (for a flip the format cannot detect) some output; never a crash.
        _ = try? codec.decompress(damaged, uncompressedSize: input.count)
        _ = try? codec.decompress(damaged, maxOutputSize: 1 << 20)
    }
    // Truncation is always detected by the checksummed/size-framed formats.
    let truncated = Array(compressed.prefix(compressed.count / 2))
    #expect(throws: CodecError.self) { try codec.decompress(truncated, uncompressedSize: input.count) }
    #expect(throws: CodecError.self) { try codec.decompress(truncated) }
    #expect(throws: CodecError.self) { try codec.decompress([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3]) }
}

@Test(arguments: [CompressionCodec.snappy, .gzip, .zlib, .zstd, .none])
func decompressionBombIsCapped(codec: CompressionCodec) throws {
    let zeros = [UInt8](repeating: 0, count: 4 << 20)
    let compressed = try codec.compress(zeros)
    #expect(throws: CodecError.outputTooLarge(codec: codec, limit: 1 << 20)) {
        try codec.decompress(compressed, maxOutputSize: 1 << 20)
    }
    #expect(throws: CodecError.outputTooLarge(codec: codec, limit: 1 << 20)) {
        try codec.decompress(compressed, uncompressedSize: zeros.count, maxOutputSize: 1 << 20)
    }
}

@Test func pythonProducedVectorsDecode() throws {
    // Produced by CPython gzip.compress (two members), zlib.compress and pyarrow.compress.
    let gzipTwoMembers: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 75, 203, 44, 42, 46, 81, 200, 77, 205, 77, 74, 45, 226, 2, 0, 167, 244, 133, 10, 13, 0, 0, 0, 31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 43, 78, 77, 206, 207, 75, 81, 200, 77, 205, 77, 74, 45, 226, 2, 0, 54, 24, 75, 14, 14, 0, 0, 0]
    #expect(try CompressionCodec.gzip.decompress(gzipTwoMembers) == Array("first member\nsecond member\n".utf8))
    #expect(try CompressionCodec.gzip.decompress(gzipTwoMembers, uncompressedSize: 27) == Array("first member\nsecond member\n".utf8))
    // Trailing zero padding is accepted, other trailing bytes are not.
    #expect(try CompressionCodec.gzip.decompress(gzipTwoMembers + [0, 0, 0, 0]).count == 27)
    #expect(throws: CodecError.self) { try CompressionCodec.gzip.decompress(gzipTwoMembers + [1, 2, 3]) }

    let expected = Array(String(repeating: "hello, lakectl! ", count: 4).utf8)
    let snappy: [UInt8] = [64, 60, 104, 101, 108, 108, 111, 44, 32, 108, 97, 107, 101, 99, 116, 108, 33, 32, 190, 16, 0]
    let zstd: [UInt8] = [40, 181, 47, 253, 32, 64, 189, 0, 0, 128, 104, 101, 108, 108, 111, 44, 32, 108, 97, 107, 101, 99, 116, 108, 33, 32, 1, 0, 154, 104, 46, 1]
    let zlib: [UInt8] = [120, 156, 203, 72, 205, 201, 201, 215, 81, 200, 73, 204, 78, 77, 46, 201, 81, 84, 200, 32, 145, 15, 0, 215, 106, 22, 5]
    #expect(try CompressionCodec.snappy.decompress(snappy, uncompressedSize: 64) == expected)
    #expect(try CompressionCodec.zstd.decompress(zstd, uncompressedSize: 64) == expected)
    #expect(try CompressionCodec.zstd.decompress(zstd + zstd) == expected + expected)
    #expect(try CompressionCodec.zlib.decompress(zlib, uncompressedSize: 64) == expected)
    // gzip decoding also accepts a zlib header (some Parquet writers emit it for GZIP).
    #expect(try CompressionCodec.gzip.decompress(zlib, uncompressedSize: 64) == expected)
    #expect(CompressionCodec.sniff(gzipTwoMembers) == .gzip)
    #expect(CompressionCodec.sniff(zstd) == .zstd)
    #expect(CompressionCodec.forFileName("x/20240612-103127367.csv.gz") == .gzip)
    #expect(CompressionCodec.forFileName("a.csv.zst") == .zstd)
    #expect(CompressionCodec.forFileName("a.csv") == CompressionCodec.none)
}

@Test func gzipOutputIsRFC1952() throws {
    let out = try CompressionCodec.gzip.compress(Array("x".utf8))
    #expect(out.prefix(3) == [0x1F, 0x8B, 0x08])
}

@Test(arguments: streamCodecs)
func streamingRoundTripInOddChunks(codec: CompressionCodec) throws {
    let input = sampleBytes(150_001, seed: 7)
    let compressor = try StreamCompressor(codec)
    var compressed: [UInt8] = []
    var offset = 0
    var chunk = 1
    while offset < input.count {
        let end = min(input.count, offset + chunk)
        try compressor.compress(Array(input[offset..<end]), into: &compressed)
        offset = end
        chunk = chunk * 3 + 1
    }
    try compressor.finish(into: &compressed)
    #expect(try codec.decompress(compressed) == input)

    // Push API, 1-byte and odd chunks.
    for step in [1_001, 65_536] {
        let decoder = try StreamDecompressor(codec)
        var output: [UInt8] = []
        var at = 0
        while at < compressed.count {
            let end = min(compressed.count, at + step)
            try compressed[at..<end].withUnsafeBytes { try decoder.decompress($0, into: &output) }
            at = end
        }
        try decoder.finish()
        #expect(output == input)
    }

    // Pull API with a small output window: memory held at once stays bounded.
    let decoder = try StreamDecompressor(codec)
    var output: [UInt8] = []
    var at = 0
    while at < compressed.count {
        let end = min(compressed.count, at + 65_536)
        decoder.feed(Array(compressed[at..<end]))
        at = end
        var piece: [UInt8] = []
        while try decoder.read(into: &piece, maxBytes: 10_000) > 0 {
            #expect(piece.count <= 10_000)
            output.append(contentsOf: piece)
            piece.removeAll(keepingCapacity: true)
        }
    }
    try decoder.finish()
    #expect(output == input)
}

@Test(arguments: [CompressionCodec.gzip, .zlib, .zstd])
func truncatedStreamIsDetectedAtFinish(codec: CompressionCodec) throws {
    let compressed = try codec.compress(sampleBytes(50_000))
    let decoder = try StreamDecompressor(codec)
    var output: [UInt8] = []
    try compressed.prefix(compressed.count - 5).withUnsafeBytes { try decoder.decompress($0, into: &output) }
    #expect(throws: CodecError.truncatedInput(codec: codec)) { try decoder.finish() }
}

@Test func streamDecompressorCapsOutput() throws {
    let compressed = try CompressionCodec.zstd.compress([UInt8](repeating: 1, count: 3 << 20))
    let decoder = try StreamDecompressor(.zstd, maxOutputSize: 1 << 20)
    var sink: [UInt8] = []
    #expect(throws: CodecError.outputTooLarge(codec: .zstd, limit: 1 << 20)) { try compressed.withUnsafeBytes { try decoder.decompress($0, into: &sink) } }
}

@Test func invalidLevelsAreRejected() throws {
    #expect(throws: CodecError.invalidLevel(codec: .gzip, level: 12)) { try CompressionCodec.gzip.compress([1, 2, 3], level: 12) }
    #expect(throws: CodecError.self) { try CompressionCodec.zstd.compress([1, 2, 3], level: 1000) }
    #expect(throws: CodecError.self) { try StreamDecompressor(.snappy) }
}

@Test func errorMessagesNameTheCodec() {
    #expect(CodecError.truncatedInput(codec: .gzip).description.contains("gzip"))
    #expect(CodecError.sizeMismatch(codec: .zstd, expected: 3, actual: 4).description.contains("expected 3"))
}

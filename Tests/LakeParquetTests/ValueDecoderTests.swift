import LakeColumnar
import LakeTesting
import Testing
@testable import LakeParquet

// A straightforward DELTA_BINARY_PACKED encoder (spec-literal, for tests only).
func deltaEncode(_ values: [Int64], blockSize: Int = 128, miniblocks: Int = 4) -> [UInt8] {
    var out: [UInt8] = []
    func varint(_ v: UInt64) { RleBitPackedHybrid.writeVarint(v, into: &out) }
    func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
    varint(UInt64(blockSize)); varint(UInt64(miniblocks)); varint(UInt64(values.count))
    zigzag(values.first ?? 0)
    guard values.count > 1 else { return out }
    var deltas: [Int64] = []
    for i in 1..<values.count { deltas.append(values[i] &- values[i - 1]) }
    let per = blockSize / miniblocks
    var i = 0
    while i < deltas.count {
        let block = Array(deltas[i..<min(i + blockSize, deltas.count)])
        let minDelta = block.min() ?? 0
        zigzag(minDelta)
        var widths: [Int] = []
        for m in 0..<miniblocks {
            let mb = block.dropFirst(m * per).prefix(per)
            let maxv = mb.map { UInt64(bitPattern: $0 &- minDelta) }.max() ?? 0
            widths.append(mb.isEmpty ? 0 : 64 - maxv.leadingZeroBitCount)
        }
        out.append(contentsOf: widths.map { UInt8($0) })
        for m in 0..<miniblocks {
            let mb = Array(block.dropFirst(m * per).prefix(per))
            if mb.isEmpty { continue }
            var bits: [Bool] = []
            for k in 0..<per {
                let v = k < mb.count ? UInt64(bitPattern: mb[k] &- minDelta) : 0
                for b in 0..<widths[m] { bits.append((v >> UInt64(b)) & 1 == 1) }
            }
            var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
            for (j, bit) in bits.enumerated() where bit { bytes[j >> 3] |= 1 << UInt8(j & 7) }
            out.append(contentsOf: bytes)
        }
        i += blockSize
    }
    return out
}

@Test func deltaBinaryPackedSpecExamples() throws {
    // Encodings.md example 1: 1..5 -> header 128 4 5 zigzag(1)=2, min delta 1 (zigzag 2), widths 0.
    let example: [UInt8] = [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00]
    var out: [Int64] = []
    let consumed = try example.withUnsafeBytes { try DeltaBinaryPacked.decode($0, count: 5, appendingTo: &out) }
    #expect(out == [1, 2, 3, 4, 5])
    #expect(consumed == example.count)
}

@Test func deltaBinaryPackedRoundTrips() throws {
    var rng = SplitMix64(seed: 3)
    let cases: [[Int64]] = [
        [], [42], [7, 5, 3, 1, 2, 3, 4, 5],
        (0..<1000).map { _ in Int64.random(in: -1000...1000, using: &rng) },
        (0..<777).map { _ in Int64.random(in: .min ... .max, using: &rng) },
        [Int64.max, Int64.min, 0, Int64.max, -1],
        (0..<300).map { Int64($0) * 3 },
    ]
    for values in cases {
        for (block, mini) in [(128, 4), (256, 8), (128, 1)] {
            let encoded = deltaEncode(values, blockSize: block, miniblocks: mini)
            var out: [Int64] = []
            let consumed = try encoded.withUnsafeBytes { try DeltaBinaryPacked.decode($0, count: values.count, appendingTo: &out) }
            #expect(out == values)
            #expect(consumed == encoded.count)
            var out32: [Int32] = []
            try encoded.withUnsafeBytes { _ = try DeltaBinaryPacked.decode($0, count: values.count, appendingTo: &out32) }
            #expect(out32 == values.map { Int32(truncatingIfNeeded: $0) })
        }
    }
}

@Test func deltaBinaryPackedRejectsCorruptHeaders() {
    let bad: [[UInt8]] = [
        [0x00, 0x04, 0x05, 0x02],  // block size 0
        [0x80, 0x01, 0x03, 0x05, 0x02],  // 128 not divisible into 3 miniblocks
        [0x80, 0x01, 0x04, 0x02, 0x02],  // holds 2 values, 5 expected
        [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x41, 0x00, 0x00, 0x00],  // width 65
        [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x08],  // widths truncated
        [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x08, 0x00, 0x00, 0x00, 0x01],  // miniblock data truncated
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],  // endless varint
    ]
    for bytes in bad {
        #expect(throws: ParquetDecodingError.self) {
            var out: [Int64] = []
            try bytes.withUnsafeBytes { _ = try DeltaBinaryPacked.decode($0, count: 5, appendingTo: &out) }
        }
    }
}

func plainByteArrays(_ values: [String]) -> [UInt8] {
    var out: [UInt8] = []
    for v in values {
        let b = Array(v.utf8)
        withUnsafeBytes(of: UInt32(b.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: b)
    }
    return out
}

@Test func deltaLengthAndDeltaByteArray() throws {
    let strings = ["Hello", "World", "Foobar", "ABCDEF", "", "héllo ✓", "Hello, World"]
    var dlba = deltaEncode(strings.map { Int64($0.utf8.count) })
    for s in strings { dlba.append(contentsOf: Array(s.utf8)) }
    var out = VarBytes()
    let used = try dlba.withUnsafeBytes { try DeltaLengthByteArray.decode($0, count: strings.count, appendingTo: &out) }
    #expect(used == dlba.count)
    #expect((0..<out.count).map { out.string(at: $0) } == strings)

    // DELTA_BYTE_ARRAY of sorted-ish strings with shared prefixes.
    let words = ["axis", "axle", "babble", "babby", "", "bab"]
    var prefixes: [Int64] = []
    var suffixes: [String] = []
    var previous: [UInt8] = []
    for w in words {
        let b = Array(w.utf8)
        var p = 0
        while p < min(b.count, previous.count), b[p] == previous[p] { p += 1 }
        prefixes.append(Int64(p))
        suffixes.append(String(decoding: b[p...], as: UTF8.self))
        previous = b
    }
    var dba = deltaEncode(prefixes)
    dba.append(contentsOf: deltaEncode(suffixes.map { Int64($0.utf8.count) }))
    for s in suffixes { dba.append(contentsOf: Array(s.utf8)) }
    var decoded = VarBytes()
    decoded.append("existing")
    _ = try dba.withUnsafeBytes { try DeltaByteArray.decode($0, count: words.count, appendingTo: &decoded) }
    #expect((0..<decoded.count).map { decoded.string(at: $0) } == ["existing"] + words)

    // A prefix longer than the previous value is rejected.
    var badDba = deltaEncode([0, 9])
    badDba.append(contentsOf: deltaEncode([1, 1]))
    badDba.append(contentsOf: Array("ab".utf8))
    #expect(throws: ParquetDecodingError.self) {
        var o = VarBytes()
        try badDba.withUnsafeBytes { _ = try DeltaByteArray.decode($0, count: 2, appendingTo: &o) }
    }
    // Lengths longer than the data are rejected.
    var badDlba = deltaEncode([3, 100])
    badDlba.append(contentsOf: Array("abcdef".utf8))
    #expect(throws: ParquetDecodingError.self) {
        var o = VarBytes()
        try badDlba.withUnsafeBytes { _ = try DeltaLengthByteArray.decode($0, count: 2, appendingTo: &o) }
    }
}

@Test func plainDecoders() throws {
    var ints: [Int32] = []
    let raw: [UInt8] = [9, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
    let used = try raw.withUnsafeBytes { try PlainDecoder.decodeFixedWidth(UnsafeRawBufferPointer(rebasing: $0[1...]), count: 2, appendingTo: &ints) }
    #expect(used == 8)
    #expect(ints == [1, -1])  // unaligned source
    #expect(throws: ParquetDecodingError.self) {
        try raw.withUnsafeBytes { _ = try PlainDecoder.decodeFixedWidth($0, count: 3, appendingTo: &ints) }
    }

    var bools: [Bool] = []
    _ = try [UInt8(0b0000_0101), 1].withUnsafeBytes { try PlainDecoder.decodeBooleans($0, count: 9, appendingTo: &bools) }
    #expect(bools == [true, false, true, false, false, false, false, false, true])

    let strings = ["a", "", "ünïcode", "zzz"]
    var bytes = VarBytes()
    let encoded = plainByteArrays(strings)
    _ = try encoded.withUnsafeBytes { try PlainDecoder.decodeByteArrays($0, count: 4, appendingTo: &bytes) }
    #expect((0..<4).map { bytes.string(at: $0) } == strings)
    // Truncated last value, and a huge count.
    #expect(throws: ParquetDecodingError.self) {
        var o = VarBytes()
        try Array(encoded.dropLast()).withUnsafeBytes { _ = try PlainDecoder.decodeByteArrays($0, count: 4, appendingTo: &o) }
    }
    #expect(throws: ParquetDecodingError.self) {
        var o = VarBytes()
        try encoded.withUnsafeBytes { _ = try PlainDecoder.decodeByteArrays($0, count: 1 << 40, appendingTo: &o) }
    }

    // INT96: Julian day 2440589 (1970-01-02) plus 1.5 s of nanoseconds.
    var int96: [UInt8] = []
    withUnsafeBytes(of: Int64(1_500_000_123).littleEndian) { int96.append(contentsOf: $0) }
    withUnsafeBytes(of: Int32(2_440_589).littleEndian) { int96.append(contentsOf: $0) }
    var micros: [Int64] = []
    _ = try int96.withUnsafeBytes { try PlainDecoder.decodeInt96Timestamps($0, count: 1, appendingTo: &micros) }
    #expect(micros == [86_400_000_000 + 1_500_000])
    #expect(PlainDecoder.int96ToMicros(julianDay: 2_440_587, nanosOfDay: 0) == -86_400_000_000)
    // int96_from_spark.parquet's last value: before year -290000, beyond Int64 microseconds.
    #expect(PlainDecoder.int96ToMicros(julianDay: -105_862_232, nanosOfDay: -32_509_551_616_000) == nil)
}

@Test func byteStreamSplitDecodes() throws {
    let values: [Float] = [1.5, -2.25, .infinity, 0]
    var plain: [UInt8] = []
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { plain.append(contentsOf: $0) } }
    var split = [UInt8](repeating: 0, count: plain.count)
    for i in 0..<values.count { for k in 0..<4 { split[k * values.count + i] = plain[i * 4 + k] } }
    var out: [Float] = []
    _ = try split.withUnsafeBytes { try ByteStreamSplit.decode($0, count: values.count, appendingTo: &out) }
    #expect(out == values)
    #expect(throws: ParquetDecodingError.self) {
        try split.withUnsafeBytes { _ = try ByteStreamSplit.decode($0, count: 5, appendingTo: &out) }
    }
}

@Test func lz4RawBlocks() throws {
    func run(_ block: [UInt8], size: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        try block.withUnsafeBytes { try Lz4RawDecoder.decompress($0, size: size, into: &out) }
        return out
    }
    // Literals "abc", then a match of 6 at offset 3 (overlapping: "abcabc"), then literal "!".
    let block: [UInt8] = [0x32, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x21]
    #expect(try run(block, size: 10) == Array("abcabcabc!".utf8))
    // Literals only.
    #expect(try run([0x40, 1, 2, 3, 4], size: 4) == [1, 2, 3, 4])
    // Long literal run with an extension byte (15 + 5 = 20).
    #expect(try run([0xF0, 5] + [UInt8](repeating: 7, count: 20), size: 20) == [UInt8](repeating: 7, count: 20))
    // Corrupt: offset 0, offset before start, size mismatch, truncated literals, output overflow.
    #expect(throws: ParquetDecodingError.self) { try run([0x10, 0x61, 0x00, 0x00], size: 10) }
    #expect(throws: ParquetDecodingError.self) { try run([0x10, 0x61, 0x05, 0x00], size: 10) }
    #expect(throws: ParquetDecodingError.self) { try run(block, size: 11) }
    #expect(throws: ParquetDecodingError.self) { try run([0x50, 1, 2], size: 5) }
    #expect(throws: ParquetDecodingError.self) { try run([0x1F, 0x61, 0x01, 0x00, 0xFF, 0xFF, 0xFF], size: 100) }
    #expect(throws: ParquetDecodingError.self) { try run([0xF0, 0xFF, 0xFF], size: 10_000) }
}

import LakeTesting
import Testing
@testable import LakeParquet

func decodeHybrid(_ bytes: [UInt8], bitWidth: Int, count: Int) throws -> [UInt32] {
    try bytes.withUnsafeBytes { raw in
        var decoder = try RleBitPackedHybridDecoder(raw, bitWidth: bitWidth)
        return try decoder.decode(count: count)
    }
}

@Test func rleSpecExampleFromReference() throws {
    // parquet.md §1: def levels 1,1,1,0,1 as one bit-packed group; indices 0,1,2,3 at width 2.
    #expect(try decodeHybrid([0x03, 0x17], bitWidth: 1, count: 5) == [1, 1, 1, 0, 1])
    #expect(try decodeHybrid([0x03, 0xE4, 0x00], bitWidth: 2, count: 4) == [0, 1, 2, 3])
    var out: [UInt8] = []
    RleBitPackedHybrid.encode([1, 1, 1, 0, 1], bitWidth: 1, into: &out)
    #expect(out == [0x03, 0x17])
    out = []
    RleBitPackedHybrid.encode([0, 1, 2, 3], bitWidth: 2, into: &out)
    #expect(out == [0x03, 0xE4, 0x00])
}

@Test func rleRunsBecomeRleRuns() throws {
    var out: [UInt8] = []
    RleBitPackedHybrid.encode([UInt32](repeating: 5, count: 1000), bitWidth: 3, into: &out)
    #expect(out == [0xD0, 0x0F, 0x05])  // varint(2000), value 5
    #expect(try decodeHybrid(out, bitWidth: 3, count: 1000) == [UInt32](repeating: 5, count: 1000))
}

@Test(arguments: [0, 1, 2, 3, 5, 7, 8, 9, 12, 16, 17, 24, 31, 32])
func rleRoundTripRandom(bitWidth: Int) throws {
    var rng = SplitMix64(seed: UInt64(bitWidth) &+ 42)
    let maxValue: UInt64 = bitWidth == 0 ? 0 : (UInt64(1) << UInt64(bitWidth)) - 1
    for length in [0, 1, 7, 8, 9, 15, 16, 17, 100, 1023, 5000] {
        var values: [UInt32] = []
        while values.count < length {
            let v = UInt32(UInt64.random(in: 0...maxValue, using: &rng))
            // Mix literal stretches with runs of varied length.
            let repeats = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 1...40, using: &rng) : 1
            values.append(contentsOf: repeatElement(v, count: min(repeats, length - values.count)))
        }
        var out: [UInt8] = []
        RleBitPackedHybrid.encode(values, bitWidth: bitWidth, into: &out)
        #expect(out.count <= RleBitPackedHybrid.maxEncodedSize(count: length, bitWidth: bitWidth))
        let decoded = try decodeHybrid(out, bitWidth: bitWidth, count: length)
        #expect(decoded == values, "bit width \(bitWidth), length \(length)")
        // Decoding in small uneven pieces gives the same values.
        if length > 0 {
            try out.withUnsafeBytes { raw in
                var decoder = try RleBitPackedHybridDecoder(raw, bitWidth: bitWidth)
                var pieces: [UInt32] = []
                var left = length
                var step = 1
                while left > 0 {
                    let n = min(step, left)
                    pieces.append(contentsOf: try decoder.decode(count: n))
                    left -= n
                    step = step % 13 + 3
                }
                #expect(pieces == values)
            }
        }
    }
}

@Test func encodeBitsMatchesGenericEncoder() throws {
    var rng = SplitMix64(seed: 7)
    for length in [1, 5, 8, 9, 64, 65, 200, 4099] {
        for density in [0, 1, 2, 50, 98, 100] {
            let bits = (0..<length).map { _ in Int.random(in: 0..<100, using: &rng) < density }
            var bitmap = [UInt8](repeating: 0, count: (length + 7) / 8)
            for (i, b) in bits.enumerated() where b { bitmap[i >> 3] |= 1 << UInt8(i & 7) }
            var out: [UInt8] = []
            bitmap.withUnsafeBufferPointer { RleBitPackedHybrid.encodeBits($0, count: length, into: &out) }
            let decoded = try decodeHybrid(out, bitWidth: 1, count: length)
            #expect(decoded == bits.map { $0 ? 1 : 0 }, "length \(length) density \(density)")
        }
    }
    // All set: a single RLE run.
    var out: [UInt8] = []
    let ones = [UInt8](repeating: 0xFF, count: 125)
    ones.withUnsafeBufferPointer { RleBitPackedHybrid.encodeBits($0, count: 1000, into: &out) }
    #expect(out == [0xD0, 0x0F, 0x01])
}

@Test func rleDecoderRejectsCorruptInput() throws {
    // Truncated RLE value (bit width 16 needs 2 bytes).
    #expect(throws: ParquetDecodingError.self) { try decodeHybrid([0x04, 0x01], bitWidth: 16, count: 2) }
    // Bit-packed run with no data.
    #expect(throws: ParquetDecodingError.self) { try decodeHybrid([0x03], bitWidth: 3, count: 8) }
    // Stream ends before enough values.
    #expect(throws: ParquetDecodingError.self) { try decodeHybrid([0x04, 0x01], bitWidth: 1, count: 3) }
    // Never-ending varint.
    #expect(throws: ParquetDecodingError.self) { try decodeHybrid([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], bitWidth: 1, count: 1) }
    // Empty input.
    #expect(throws: ParquetDecodingError.self) { try decodeHybrid([], bitWidth: 1, count: 1) }
    // Bit width out of range.
    #expect(throws: ParquetDecodingError.self) { try decodeHybrid([0x02, 0x01], bitWidth: 33, count: 1) }
    // Zero-length runs do not loop forever.
    #expect(throws: ParquetDecodingError.self) { try decodeHybrid([0x00, 0x00, 0x01, 0x00], bitWidth: 1, count: 1) }
}

@Test func bitPackingMsbFirst() throws {
    // BIT_PACKED example from Encodings.md: 0..7 at width 3 -> 00000101 00111001 01110111.
    let bytes: [UInt8] = [0b0000_0101, 0b0011_1001, 0b0111_0111]
    var out = [UInt32](repeating: 9, count: 8)
    try bytes.withUnsafeBytes { raw in
        try out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try BitPacking.unpackMSBFirst(raw, bitWidth: 3, count: 8, into: base)
        }
    }
    #expect(out == [0, 1, 2, 3, 4, 5, 6, 7])
}

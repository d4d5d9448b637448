import LakeColumnar
import LakeTesting
import Testing
@testable import LakeParquet

/// Random batches (nulls, empty strings, unicode, extremes, NaN, full-precision decimals,
/// pre-1970 timestamps) written by ParquetWriter and read back by ParquetReader.
func randomColumn(_ type: DataType, rows: Int, nullable: Bool, rng: inout SplitMix64) -> Column {
    var validity: Bitmap? = nil
    if nullable {
        var bits = Bitmap()
        let density = Int.random(in: 0...100, using: &rng)
        for _ in 0..<rows { bits.append(Int.random(in: 0..<100, using: &rng) >= density / 2) }
        validity = bits
    }
    func valid(_ i: Int) -> Bool { validity?[i] ?? true }
    let storage: ColumnStorage
    switch type {
    case .boolean: storage = .boolean((0..<rows).map { valid($0) && Bool.random(using: &rng) })
    case .int8: storage = .int8((0..<rows).map { valid($0) ? Int8.random(in: .min ... .max, using: &rng) : 0 })
    case .int16: storage = .int16((0..<rows).map { valid($0) ? Int16.random(in: .min ... .max, using: &rng) : 0 })
    case .int32, .date:
        let few = (0..<5).map { _ in Int32.random(in: .min ... .max, using: &rng) }
        storage = .int32((0..<rows).map { valid($0) ? (Bool.random(using: &rng) ? few.randomElement(using: &rng) ?? 0 : Int32.random(in: -100_000...100_000, using: &rng)) : 0 })
    case .int64, .timestamp:
        storage = .int64((0..<rows).map { i in
            guard valid(i) else { return 0 }
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: return .min
            case 1: return .max
            case 2: return -1_000_000_000_000_000
            default: return Int64.random(in: -4_000_000_000_000_000...4_000_000_000_000_000, using: &rng)
            }
        })
    case .float32:
        storage = .float32((0..<rows).map { i in
            guard valid(i) else { return 0 }
            return [Float.nan, .infinity, -.infinity, -0.0, .greatestFiniteMagnitude, Float.random(in: -1e6...1e6, using: &rng)].randomElement(using: &rng) ?? 0
        })
    case .float64:
        storage = .float64((0..<rows).map { i in
            guard valid(i) else { return 0 }
            return [Double.nan, .infinity, -0.0, .leastNonzeroMagnitude, Double.random(in: -1e300...1e300, using: &rng), 1.5].randomElement(using: &rng) ?? 0
        })
    case .decimal(let precision, _):
        var limit: Int128 = 1
        for _ in 0..<precision { limit *= 10 }
        limit -= 1
        storage = .int128((0..<rows).map { i in
            guard valid(i) else { return 0 }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return limit
            case 1: return -limit
            default: return Int128(Int64.random(in: .min ... .max, using: &rng)) % limit
            }
        })
    case .string, .binary:
        var bytes = VarBytes()
        let words = ["", "a", "héllo wörld", "日本語", "\u{0}\n\"", String(repeating: "z", count: 300)]
        for i in 0..<rows {
            if !valid(i) { bytes.appendEmpty(); continue }
            if type == .binary {
                bytes.append((0..<Int.random(in: 0..<20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            } else {
                bytes.append(words.randomElement(using: &rng) ?? "")
            }
        }
        storage = .bytes(bytes)
    }
    return Column(storage, validity: validity)
}

func sameValues(_ a: Column, _ b: Column) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a.isNull(i) != b.isNull(i) { return false }
    switch (a.storage, b.storage) {
    case (.float32(let x), .float32(let y)): return zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    case (.float64(let x), .float64(let y)): return zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    default: return a.storage == b.storage
    }
}

@Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7])
func writerReaderRoundTrip(seed: Int) async throws {
    var rng = SplitMix64(seed: UInt64(seed) &* 7919)
    let types: [DataType] = [.boolean, .int8, .int16, .int32, .int64, .float32, .float64, .decimal(precision: 9, scale: 2),
                             .decimal(precision: 18, scale: 0), .decimal(precision: 38, scale: 10), .string, .binary,
                             .date, .timestamp(utc: true), .timestamp(utc: false)]
    let fields = (0..<Int.random(in: 1...10, using: &rng)).map { i in
        Field("c\(i)", types.randomElement(using: &rng) ?? .int64, nullable: Bool.random(using: &rng))
    }
    let schema = Schema(fields)
    let rows = [0, 1, 7, 300, 5000].randomElement(using: &rng) ?? 10
    let batch = ColumnBatch(schema: schema, columns: fields.map { randomColumn($0.type, rows: rows, nullable: $0.nullable, rng: &rng) },
                            rowCount: rows)
    var options = WriterOptions()
    options.compression = .uncompressed
    options.dataPageVersion = seed % 2 == 0 ? .v1 : .v2
    options.dictionaryEnabled = seed % 4 < 2
    options.dataPageRowLimit = [20_000, 100, 7][seed % 3]
    options.rowGroupRows = seed % 3 == 0 ? 1000 : 1 << 20
    options.dictionaryPageSizeLimit = seed == 5 ? 64 : 1 << 20
    let sink = MemorySink()
    let writer = try ParquetWriter(sink: sink, schema: schema, options: options)
    try writer.write(batch)
    _ = try writer.close()

    let reader = try await ParquetReader.open(InMemorySource(name: "roundtrip-\(seed)", bytes: sink.bytes))
    #expect(try reader.schema() == schema)
    let batches = try await reader.readBatches()
    #expect(batches.reduce(0) { $0 + $1.rowCount } == rows)
    var offset = 0
    for part in batches {
        for (c, column) in part.columns.enumerated() {
            let original = batch.columns[c]
            let slice = sliceColumn(original, from: offset, count: part.rowCount)
            #expect(sameValues(slice, column), "seed \(seed) column \(fields[c].name) \(fields[c].type) rows \(offset)..<\(offset + part.rowCount)")
        }
        offset += part.rowCount
    }
}

func sliceColumn(_ c: Column, from start: Int, count: Int) -> Column {
    let r = start..<(start + count)
    let validity = c.validity.map { v in Bitmap(r.map { v[$0] }) }
    let storage: ColumnStorage
    switch c.storage {
    case .boolean(let v): storage = .boolean(Array(v[r]))
    case .int8(let v): storage = .int8(Array(v[r]))
    case .int16(let v): storage = .int16(Array(v[r]))
    case .int32(let v): storage = .int32(Array(v[r]))
    case .int64(let v): storage = .int64(Array(v[r]))
    case .float32(let v): storage = .float32(Array(v[r]))
    case .float64(let v): storage = .float64(Array(v[r]))
    case .int128(let v): storage = .int128(Array(v[r]))
    case .bytes(let v):
        var out = VarBytes()
        for i in r { out.append(v[i]) }
        storage = .bytes(out)
    }
    // A nullable column with no nulls in this slice may come back without a bitmap.
    return Column(storage, validity: validity)
}

import Foundation
import Testing
import LakeCodecs
import LakeColumnar
@testable import LakeCSV

let everyType = Schema([
    Field("b", .boolean), Field("i8", .int8), Field("i16", .int16), Field("i32", .int32), Field("i64", .int64),
    Field("f", .float32), Field("d", .float64), Field("dec", .decimal(precision: 38, scale: 9)), Field("s", .string),
    Field("bin", .binary), Field("day", .date), Field("ts", .timestamp(utc: true)), Field("local", .timestamp(utc: false)),
])

/// Random rows with nulls, empty strings, quotes, delimiters, newlines, unicode, extremes, NaN, -0.0.
func randomBatch(rows: Int, seed: UInt64) throws -> ColumnBatch {
    var state = seed | 1
    func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    let strings = ["", " ", "plain", "a,b", "q\"uote", "multi\nline", "cr\r\nlf", "NULL", "ü日本🙂", "\"", ",", " lead", "trail "]
    var builders = everyType.fields.map { ColumnBuilder(type: $0.type) }
    for _ in 0..<rows {
        for j in 0..<builders.count {
            let r = next()
            if r % 7 == 0 { builders[j].appendNull(); continue }
            switch everyType.fields[j].type {
            case .boolean: builders[j].append(r & 1 == 0)
            case .int8: builders[j].append(Int8(truncatingIfNeeded: r))
            case .int16: builders[j].append(Int16(truncatingIfNeeded: r))
            case .int32: builders[j].append(Int32(truncatingIfNeeded: r))
            case .int64: builders[j].append([Int64.min, Int64.max, 0, Int64(bitPattern: r)][Int(r >> 3 % 4) % 4])
            case .float32: builders[j].append([Float.nan, -0.0, .infinity, .leastNonzeroMagnitude, Float(bitPattern: UInt32(truncatingIfNeeded: r >> 7) & 0x7F7F_FFFF)][Int(r >> 5) % 5])
            case .float64: builders[j].append([Double.nan, -0.0, -.infinity, .greatestFiniteMagnitude, Double(bitPattern: r >> 2)][Int(r >> 5) % 5])
            case .decimal: builders[j].append(Int128(Int64(bitPattern: r)) * Int128(Int64(bitPattern: next())) % (Int128(10) ** 38))
            case .string: builders[j].append(strings[Int(r >> 4) % strings.count])
            case .binary: builders[j].appendBytes((0..<Int(r % 5)).map { UInt8(truncatingIfNeeded: r >> UInt64($0 * 8)) })
            case .date: builders[j].append(Int32(Int64(bitPattern: r) % 200_000))
            case .timestamp: builders[j].append(Int64(bitPattern: r) % 4_000_000_000_000_000)
            }
        }
    }
    return ColumnBatch(schema: everyType, columns: builders.indices.map { builders[$0].finish() }, rowCount: rows)
}

infix operator **
func ** (base: Int128, exp: Int) -> Int128 { (0..<exp).reduce(1) { acc, _ in acc * base } }

/// Equality that treats NaN as equal to NaN (Column's == does not).
func sameValues(_ a: ColumnBatch, _ b: ColumnBatch) -> Bool {
    guard a.rowCount == b.rowCount, a.schema == b.schema else { return false }
    for r in 0..<a.rowCount where a.row(r).map(\.description) != b.row(r).map(\.description) { return false }
    return true
}

@Test(arguments: [CSVDialect.dms, CSVDialect(header: true, crlf: true, quoteAll: true),
                  CSVDialect(delimiter: UInt8(ascii: "\t"), nullMarker: Array("\\N".utf8), binaryEncoding: .base64),
                  CSVDialect(delimiter: UInt8(ascii: ";"), quote: UInt8(ascii: "'"), nullMarker: Array("NULL".utf8))])
func writerRoundTripsExactly(dialect: CSVDialect) throws {
    let batch = try randomBatch(rows: 2_000, seed: 99)
    let writer = try CSVWriter(schema: everyType, dialect: dialect)
    var out: [UInt8] = []
    if dialect.header { writer.writeHeader(into: &out) }
    try writer.write(batch, into: &out)
    let back = try CSVReader.read(out, schema: everyType, options: CSVReadOptions(dialect: dialect, batchRows: 333))
    #expect(sameValues(batch, back))
    // -0.0 keeps its sign.
    #expect(back.columns[6] .storage.count == batch.columns[6].storage.count)
}

@Test func writerQuotesOnlyWhenNeeded() throws {
    let schema = Schema([Field("a", .string), Field("b", .string), Field("n", .int64)])
    var builders = schema.fields.map { ColumnBuilder(type: $0.type) }
    builders[0].append("plain"); builders[1].append("a,\"b\""); builders[2].append(Int64(-12))
    builders[0].append(""); builders[1].appendNull(); builders[2].appendNull()
    let batch = ColumnBatch(schema: schema, columns: builders.indices.map { builders[$0].finish() }, rowCount: 2)
    var out: [UInt8] = []
    try CSVWriter(schema: schema).write(batch, into: &out)
    #expect(String(decoding: out, as: UTF8.self) == "plain,\"a,\"\"b\"\"\",-12\n\"\",,\n")
}

@Test(arguments: [".csv", ".csv.gz", ".csv.zst"])
func compressedFilesRoundTrip(ext: String) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakecsv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("data" + ext).path
    let batch = try randomBatch(rows: 5_000, seed: 7)
    let writer = try CSVFile.Writer(path: path, schema: everyType, dialect: CSVDialect(header: true))
    try writer.write(batch.slice(0..<2_000))
    try writer.write(batch.slice(2_000..<5_000))
    try writer.close()
    let raw = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(CompressionCodec.sniff(raw) == (ext == ".csv" ? nil : CSVFile.codec(forPath: path)))
    var options = CSVReadOptions(dialect: CSVDialect(header: true))
    options.batchRows = 1_000
    var batches: [ColumnBatch] = []
    try CSVFile.read(path: path, schema: everyType, options: options) { batches.append($0) }
    #expect(batches.count == 5)
    #expect(sameValues(try ColumnBatch.concat(batches), batch))
    // Truncated compressed file: a clear error, not a crash.
    if ext != ".csv" {
        let cut = dir.appendingPathComponent("cut" + ext).path
        try Data(raw.prefix(raw.count - 10)).write(to: URL(fileURLWithPath: cut))
        #expect(throws: (any Error).self) { try CSVFile.readAll(path: cut, schema: everyType, options: options) }
    }
    #expect(throws: CSVError.self) { try CSVFile.readAll(path: dir.appendingPathComponent("missing.csv").path, schema: everyType) }
}

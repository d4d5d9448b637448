import LakeColumnar
import LakeTesting
import Testing
@testable import LakeParquet

/// `ParquetWriter.write(_:selection:)` must give, byte for byte, the file that writing the
/// gathered rows gives: same pages, dictionary fallback, statistics and row groups.
@Suite struct SelectionWriteTests {
    static let schema = Schema([
        Field("b", .boolean), Field("i8", .int8), Field("i16", .int16, nullable: false), Field("i32", .int32),
        Field("day", .date), Field("i64", .int64, nullable: false), Field("ts", .timestamp(utc: true)),
        Field("f32", .float32), Field("f64", .float64), Field("dec9", .decimal(precision: 9, scale: 2)),
        Field("dec18", .decimal(precision: 18, scale: 4)), Field("dec30", .decimal(precision: 30, scale: 3)),
        Field("s", .string), Field("bin", .binary), Field("none", .int32), Field("dense", .string, nullable: false),
    ])

    /// Every storage kind, with nulls (one column all null), NaN and ±0 floats, empty byte values,
    /// and strings that repeat (dictionary) next to ones that are all distinct (dictionary fallback).
    static func batch(rows: Int, seed: UInt64) -> ColumnBatch {
        var rng = SplitMix64(seed: seed)
        func valid(_ oneIn: Int) -> Bitmap { Bitmap((0..<rows).map { _ in Int.random(in: 0..<oneIn, using: &rng) != 0 }) }
        func bytes(_ make: (Int) -> [UInt8]) -> VarBytes {
            var v = VarBytes()
            for i in 0..<rows { v.append(make(i)) }
            return v
        }
        let words = ["", "a", "same prefix 1234567", "same prefix 12345678", "日本語", "zz"]
        let strings = bytes { i in
            i % 3 == 0 ? Array("unique value \(i) \(UInt64.random(in: 0...UInt64.max, using: &rng))".utf8)
                : Array((words.randomElement(using: &rng) ?? "").utf8)
        }
        let blobs = bytes { _ in [UInt8](repeating: UInt8.random(in: 0...255, using: &rng), count: Int.random(in: 0..<5, using: &rng)) }
        let dense = bytes { i in Array("k\(i % 40)".utf8) }
        let floats: [Float] = (0..<rows).map { _ in [Float.nan, 0, -0.0, 1.5, -3, .infinity].randomElement(using: &rng) ?? 0 }
        let columns: [Column] = [
            Column(.boolean((0..<rows).map { _ in Bool.random(using: &rng) }), validity: valid(5)),
            Column(.int8((0..<rows).map { _ in Int8.random(in: .min ... .max, using: &rng) }), validity: valid(4)),
            Column(.int16((0..<rows).map { _ in Int16.random(in: -300...300, using: &rng) })),
            Column(.int32((0..<rows).map { _ in Int32.random(in: .min ... .max, using: &rng) }), validity: valid(9)),
            Column(.int32((0..<rows).map { _ in Int32.random(in: 18000...18100, using: &rng) }), validity: valid(50)),
            Column(.int64((0..<rows).map { Int64($0) * 7919 - 1_000_000 })),
            Column(.int64((0..<rows).map { _ in Int64.random(in: 0...4_000_000_000_000_000, using: &rng) }), validity: valid(3)),
            Column(.float32(floats), validity: valid(6)),
            Column(.float64((0..<rows).map { _ in Double.random(in: -1e9...1e9, using: &rng) })),
            Column(.int128((0..<rows).map { _ in Int128(Int32.random(in: -999_999_999...999_999_999, using: &rng)) }), validity: valid(7)),
            Column(.int128((0..<rows).map { _ in Int128(Int64.random(in: -999_999_999_999_999_999...999_999_999_999_999_999, using: &rng)) })),
            Column(.int128((0..<rows).map { _ in Int128(Int64.random(in: .min ... .max, using: &rng)) * 1_000_003 }), validity: valid(8)),
            Column(.bytes(strings), validity: valid(10)),
            Column(.bytes(blobs), validity: valid(4)),
            Column(.int32([Int32](repeating: 0, count: rows)), validity: Bitmap(repeating: false, count: rows)),
            Column(.bytes(dense)),
        ]
        return ColumnBatch(schema: schema, columns: columns, rowCount: rows)
    }

    static func options(_ variant: Int) -> WriterOptions {
        var o = WriterOptions()
        switch variant {
        case 0:
            // Small pages and row groups; dictionaries overflow mid-slice.
            o.compression = .uncompressed
            o.rowGroupRows = 5000
            o.dataPageRowLimit = 1500
            o.dictionaryPageSizeLimit = 6 << 10
        case 1:
            o.dataPageVersion = .v2
            o.compression = .snappy
            o.dataPageSize = 4 << 10
            o.rowGroupRows = 7777
        case 2:
            o.compression = .zstd
            o.dictionaryEnabled = false
            o.rowGroupBytes = 64 << 10
        default:
            o.writeStatistics = false
            o.dataPageRowLimit = 1000
            o.rowGroupRows = 3000
        }
        return o
    }

    static func written(_ batch: ColumnBatch, _ selections: [[Int]], options: WriterOptions, gathered: Bool) throws -> [UInt8] {
        let sink = MemorySink()
        let writer = try ParquetWriter(sink: sink, schema: batch.schema, options: options)
        for selection in selections {
            if gathered { try writer.write(batch.gather(selection)) } else { try writer.write(batch, selection: selection) }
        }
        try writer.close()
        return sink.bytes
    }

    static let rows = 12_000

    /// Named selections of `0..<rows`.
    static func selections(seed: UInt64) -> [(String, [Int])] {
        var rng = SplitMix64(seed: seed)
        let all = Array(0..<rows)
        return [
            ("empty", []),
            ("all", all),
            ("one", [rows - 1]),
            ("sparse", all.filter { _ in Int.random(in: 0..<50, using: &rng) == 0 }),
            ("dense", all.filter { _ in Int.random(in: 0..<5, using: &rng) != 0 }),
            ("runs", all.filter { ($0 / 700) % 3 != 1 }),
            ("unordered with repeats", (0..<3000).map { _ in Int.random(in: 0..<rows, using: &rng) }),
        ]
    }

    @Test(arguments: 0..<4)
    func selectionMatchesGatheredBytes(variant: Int) throws {
        let batch = Self.batch(rows: Self.rows, seed: 40 + UInt64(variant))
        let options = Self.options(variant)
        for (name, selection) in Self.selections(seed: UInt64(variant)) {
            let direct = try Self.written(batch, [selection], options: options, gathered: false)
            let gathered = try Self.written(batch, [selection], options: options, gathered: true)
            #expect(direct == gathered, "variant \(variant), selection \(name): \(direct.count) vs \(gathered.count) bytes")
        }
        // Several selections into one file: row groups and pages continue across calls.
        let parts = Self.selections(seed: 99 + UInt64(variant)).map(\.1)
        #expect(try Self.written(batch, parts, options: options, gathered: false) == Self.written(batch, parts, options: options, gathered: true))
    }

    @Test func selectedRowsReadBack() async throws {
        let batch = Self.batch(rows: 3000, seed: 7)
        let selection = (0..<3000).filter { $0 % 4 != 1 }
        let bytes = try Self.written(batch, [selection], options: Self.options(0), gathered: false)
        let reader = try await ParquetReader.open(InMemorySource(name: "selected.parquet", bytes: bytes))
        let parts = try await reader.readBatches()
        let expected = batch.gather(selection)
        #expect(parts.reduce(0) { $0 + $1.rowCount } == selection.count)
        var at = 0
        for part in parts {
            let want = expected.slice(at..<(at + part.rowCount))
            at += part.rowCount
            for (c, field) in batch.schema.fields.enumerated() {
                let (got, exp) = (part.columns[c], want.columns[c])
                let n = part.rowCount
                #expect((0..<n).map(got.isNull) == (0..<n).map(exp.isNull), "column \(field.name)")
                // Null slots hold placeholders: compare the values that are present.
                let present = (0..<n).filter { !exp.isNull($0) }
                let (a, b) = (got.storage.gather(present), exp.storage.gather(present))
                if case .float32(let x) = a, case .float32(let y) = b {
                    #expect(x.map(\.bitPattern) == y.map(\.bitPattern))  // NaN != NaN
                } else {
                    #expect(a == b, "column \(field.name)")
                }
            }
        }
    }

    @Test func nullsOnlyCountInSelectedRows() throws {
        let schema = Schema([Field("id", .int64, nullable: false)])
        let batch = ColumnBatch(schema: schema, columns: [Column(.int64([1, 2, 3]), validity: Bitmap([true, false, true]))], rowCount: 3)
        let sink = MemorySink()
        let writer = try ParquetWriter(sink: sink, schema: schema, options: WriterOptions())
        try writer.write(batch, selection: [0, 2])
        #expect(throws: ParquetError.self) { try writer.write(batch, selection: [1]) }
        #expect(throws: ParquetError.self) { try writer.write(batch, selection: [3]) }
        #expect(throws: ParquetError.self) { try writer.write(batch, selection: [-1]) }
        #expect(try writer.close().numRows == 2)
    }
}

import LakeColumnar
import Testing

@testable import LakeMerge

/// The parallel column-at-a-time reading of DMS change files must equal the record-by-record one.
@Suite struct DMSBlockReadTests {
    private static let schemaJSON = """
        {"columns": [{"name": "Op", "type": "string"}, {"name": "ts", "type": "string"}, {"name": "id", "type": "bigint"},
                     {"name": "s", "type": "text"}, {"name": "d", "type": "numeric(6,2)"}, {"name": "f", "type": "real"},
                     {"name": "t", "type": "timestamp"}, {"name": "seq", "type": "string"}, {"name": "b_id", "type": "long"}],
         "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["b_id"]}
        """

    private static func reader() throws -> DMSFileReader {
        let fs = try SchemaFile.parse(Array(schemaJSON.utf8), source: "schema.json")
        return DMSFileReader(tableSchema: Schema(fs.dataFields), fileSchema: fs, keyColumns: fs.key)
    }

    /// Rows with quoted line breaks, `""` next to NULL, doubled quotes, ops, sequences and
    /// before-images; `withOp` false drops the Op column (a full-load file).
    private static func text(rows: Int, header: Bool, withOp: Bool = true) -> [UInt8] {
        var out = header ? (withOp ? "Op," : "") + "ts,id,s,d,f,t,seq,b_id\n" : ""
        for i in 0..<rows {
            let op = ["I", "U", "D", ""][i % 4]
            let ts = i % 7 == 0 ? "" : "2024-06-12 10:30:\(10 + i % 50).\(100_000 + i)"
            let s: String
            switch i % 6 {
            case 0: s = "\"line \(i)\nnext \"\"q\"\"\""
            case 1: s = ""
            case 2: s = "\"\""
            case 3: s = "\"a,b \(i)\""
            case 4: s = "plain\(i)"
            default: s = "\"\n\n\""
            }
            let d = i % 5 == 0 ? "" : "\(i % 1000).\(i % 100 < 10 ? "0" : "")\(i % 100)"
            let f = i % 9 == 0 ? "" : "\(Double(i) / 3)"
            let t = i % 4 == 1 ? "" : "2023-01-0\(1 + i % 9) 0\(i % 10):00:00.\(i % 1_000_000)"
            let seq = i % 3 == 0 ? "" : "202406121030273600\(100_000 + i)"
            let before = i % 2 == 0 ? "" : "\(i - 1)"
            out += (withOp ? "\(op)," : "") + "\(ts),\(i),\(s),\(d),\(f),\(t),\(seq),\(before)\n"
        }
        return Array(out.utf8)
    }

    /// A column with an all-set validity bitmap is the same column without one.
    private static func normalized(_ c: Column) -> Column {
        guard c.validity != nil, !(0..<c.count).contains(where: { c.isNull($0) }) else { return c }
        return Column(c.storage, validity: nil)
    }

    private static func expectSame(_ a: DMSFileReader.Part, _ b: DMSFileReader.Part) {
        #expect(a.ops == b.ops)
        #expect(a.sequence == b.sequence)
        #expect(a.commitTime == b.commitTime)
        #expect(a.rows.rowCount == b.rows.rowCount)
        #expect(a.rows.columns.map(normalized) == b.rows.columns.map(normalized))
        #expect(a.beforeKeys?.map(normalized) == b.beforeKeys?.map(normalized))
    }

    @Test(arguments: [1, 2, 3, 4])
    func blocksEqualRecords(threads: Int) throws {
        let reader = try Self.reader()
        // Sizes around the parallel threshold so block splits land in quoted fields and between rows.
        for (rows, header) in [(6000, true), (9001, false), (7777, true)] {
            let text = Self.text(rows: rows, header: header)
            let blocks = try #require(try reader.readBlocks(text: text, source: "f.csv", threads: threads))
            let records = try reader.readRecords(text: text, source: "f.csv")
            #expect(blocks.rows.rowCount == rows)
            Self.expectSame(blocks, records)
            // Many rounds of blocks (small batches) over text fed in odd-sized chunks, concatenated.
            let rounds = try #require(try reader.readBlocks(text: text, source: "f.csv", threads: threads, batchRows: 700,
                                                            chunkBytes: 4093))
            Self.expectSame(rounds, records)
            let s = try #require(blocks.rows.columns[1].storage.bytesValue)
            #expect(blocks.rows.columns[1].isNull(1) && !blocks.rows.columns[1].isNull(2) && s.count(at: 2) == 0)
        }
        // A full-load file without Op, headerless.
        let load = Self.text(rows: 5000, header: false, withOp: false)
        let blocks = try #require(try reader.readBlocks(text: load, source: "f.csv", threads: threads))
        Self.expectSame(blocks, try reader.readRecords(text: load, source: "f.csv"))
        #expect(blocks.ops.allSatisfy { $0 == .insert })
    }

    @Test func declinesWhatOnlyTheRecordReaderReadsExactly() throws {
        let reader = try Self.reader()
        let good = Self.text(rows: 3000, header: true)
        // CRLF: a lone CR is data to DMS, a row end to LakeCSV.
        let crlf = Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
        #expect(try reader.readBlocks(text: crlf, source: "f.csv").map { _ in true } == nil)
        // A bad value: declined, and read() reports it with file and line.
        var bad = good
        bad.append(contentsOf: Array("I,,x,s,1.00,,,,\n".utf8))
        #expect(try reader.readBlocks(text: bad, source: "f.csv").map { _ in true } == nil)
        #expect(throws: MergeError.self) { try reader.read(text: bad, source: "f.csv") }
        // A field count that changes within the file (older rows without seq and before-image).
        var mixed = Self.text(rows: 3000, header: false)
        mixed.append(contentsOf: Array("I,,99999,z,1.00,2.5,\n".utf8))
        #expect(try reader.readBlocks(text: mixed, source: "f.csv").map { _ in true } == nil)
        let part = try reader.read(text: mixed, source: "f.csv")
        #expect(part.rows.rowCount == 3001)
    }
}

private extension ColumnStorage {
    var bytesValue: VarBytes? {
        if case .bytes(let v) = self { return v }
        return nil
    }
}

private extension VarBytes {
    func count(at i: Int) -> Int { offsets[i + 1] - offsets[i] }
}

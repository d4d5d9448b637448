import Testing
import LakeCodecs
import LakeColumnar
@testable import LakeCSV

let dmsSchema = Schema([Field("Op", .string), Field("ts", .timestamp(utc: false)), Field("id", .int64, nullable: false),
                        Field("name", .string), Field("amount", .decimal(precision: 12, scale: 2)), Field("day", .date),
                        Field("r", .float32), Field("seq", .decimal(precision: 35, scale: 0))])

func read(_ text: String, _ schema: Schema, _ options: CSVReadOptions = CSVReadOptions()) throws -> ColumnBatch {
    try CSVReader.read(Array(text.utf8), schema: schema, options: options, source: "t.csv")
}

func expectError(_ text: String, _ schema: Schema, _ options: CSVReadOptions = CSVReadOptions(), contains fragments: [String]) {
    do {
        _ = try read(text, schema, options)
        Issue.record("accepted: \(text)")
    } catch {
        let message = "\(error)"
        for fragment in fragments { #expect(message.contains(fragment), "\(message) lacks \(fragment)") }
    }
}

let twoStrings = Schema([Field("a", .string), Field("b", .string)])

@Test func dmsRowsFromRealSamples() throws {
    let text = """
    I,2024-06-12 10:30:25.104667,19998,"Rua do Paço, 67",8300.00,1996-07-04,+3.23800011e+01,20240612103025100000000000000000061
    D,2024-06-12 10:30:25.854359,19998,,,,,20240612103025850000000000000000085
    I,2024-06-12 10:28:17.806762,10250,HANAR,1.5,1994-06-07 00:00:00,+0.00000000e+00,

    """
    let batch = try read(text, dmsSchema)
    #expect(batch.rowCount == 3)
    #expect(batch.row(0)[3] == .string("Rua do Paço, 67"))
    #expect(batch.row(0)[4] == .decimal(830000, scale: 2))
    #expect(batch.row(0)[6] == .float(32.3800011))
    #expect(batch.row(0)[7] == .decimal(20240612103025100000000000000000061, scale: 0))
    #expect(batch.row(1).dropFirst(3).prefix(4).allSatisfy { $0 == .null })
    #expect(batch.row(2)[5] == .date(Int32(ValueText.daysFromCivil(year: 1994, month: 6, day: 7))))
    #expect(batch.row(2)[7] == .null)  // trailing delimiter = empty last field
    #expect(batch.row(1)[1].description == "2024-06-12T10:30:25.854359")
}

@Test func trickyCorpus() throws {
    // Each case: CSV text → expected (a, b) values; nil = NULL.
    let cases: [(String, [[String?]])] = [
        ("x,y\n", [["x", "y"]]),
        ("x,y", [["x", "y"]]),                                  // no final newline
        ("x,y\r\nz,w\r\n", [["x", "y"], ["z", "w"]]),          // CRLF
        ("x,y\rz,w\r", [["x", "y"], ["z", "w"]]),              // CR only
        ("\u{FEFF}x,y\n", [["x", "y"]]),                         // BOM
        (",\n", [[nil, nil]]),                                   // NULLs
        ("\"\",\"\"\n", [["", ""]]),                             // empty strings
        ("\"a,b\",\"c\"\"d\"\n", [["a,b", "c\"d"]]),             // delimiter and quote inside
        ("\"line1\nline2\",\"x\r\ny\"\n", [["line1\nline2", "x\r\ny"]]),  // embedded newlines
        ("\"\"\"\",\"\"\"\"\"\"\n", [["\"", "\"\""]]),             // only quotes
        ("a,b\n\n\nc,d\n", [["a", "b"], ["c", "d"]]),           // blank lines skipped
        ("ü,日本\n", [["ü", "日本"]]),                              // UTF-8
        ("a b , c\n", [["a b ", " c"]]),                         // spaces are data
        ("a\"b,c\n", [["a\"b", "c"]]),                           // stray quote inside an unquoted field
    ]
    for (text, rows) in cases {
        let batch = try read(text, twoStrings)
        #expect(batch.rowCount == rows.count, "\(text.debugDescription)")
        for (r, row) in rows.enumerated() where r < batch.rowCount {
            #expect(batch.row(r) == row.map { $0.map(Value.string) ?? .null }, "\(text.debugDescription)")
        }
    }
}

@Test func malformedInputNamesFileLineAndColumn() {
    expectError("a,b\n\"open,x\n", twoStrings, contains: ["t.csv:2", "unterminated quote", "column 1"])
    expectError("a,b\nc\n", twoStrings, contains: ["t.csv:2", "1 fields", "schema has 2"])
    expectError("a,b\nc,d,e\n", twoStrings, contains: ["t.csv:2", "3 fields"])
    expectError("a,\"b\"x\n", twoStrings, contains: ["t.csv:1", "column 2", "closing quote"])
    let ints = Schema([Field("id", .int64, nullable: false), Field("n", .int32)])
    expectError("1,2\n2,99999999999\n", ints, contains: ["t.csv:2", "column 2", "'99999999999' is not a valid integer", "'n'"])
    expectError("1,2\n,3\n", ints, contains: ["t.csv:2", "column 1", "not nullable"])
    let dates = Schema([Field("d", .date)])
    expectError("2024-02-30\n", dates, contains: ["t.csv:1", "YYYY-MM-DD"])
    // Line numbers count embedded newlines of earlier rows.
    expectError("\"a\nb\nc\",x\ny,\"z\n", twoStrings, contains: ["t.csv:4", "unterminated"])
}

@Test func invalidUTF8IsRejectedInStringColumns() throws {
    let bytes: [UInt8] = Array("ok,".utf8) + [0xFF, 0xFE] + [10]
    #expect(throws: CSVError.self) { try CSVReader.read(bytes, schema: twoStrings, source: "u.csv") }
    let binary = Schema([Field("a", .string), Field("b", .binary)])
    let batch = try CSVReader.read(Array("x,\\xff00\ny,\"\"\n".utf8), schema: binary)
    #expect(batch.row(0)[1] == .binary([0xFF, 0x00]) && batch.row(1)[1] == .binary([]))
}

@Test func raggedRowsAndBadRowCollection() throws {
    var options = CSVReadOptions()
    options.allowRaggedRows = true
    let batch = try read("a\nb,c,d\n", twoStrings, options)
    #expect(batch.row(0) == [.string("a"), .null])
    #expect(batch.row(1) == [.string("b"), .string("c")])

    var collect = CSVReadOptions()
    collect.collectBadRows = true
    let schema = Schema([Field("id", .int64), Field("name", .string)])
    let reader = try CSVReader(schema: schema, options: collect, source: "bad.csv")
    var batches: [ColumnBatch] = []
    try reader.feed(Array("1,a\nx,b\n3,c\n4\n5,e\n".utf8)) { batches.append($0) }
    try reader.finish { batches.append($0) }
    let all = try ColumnBatch.concat(batches)
    #expect(all.rowCount == 3)
    #expect(all.columns[0] == Column(.int64([1, 3, 5])))
    #expect(all.columns[1] == Column(.bytes(VarBytes(offsets: [0, 1, 2, 3], bytes: Array("ace".utf8)))))
    #expect(reader.badRows.map(\.line) == [2, 4])
    #expect(reader.badRows[0].text == Array("x,b\n".utf8))
}

@Test func headerIsCheckedAndNullMarkerHonoured() throws {
    var options = CSVReadOptions()
    options.dialect.header = true
    options.dialect.nullMarker = Array("NULL".utf8)
    options.dialect.delimiter = UInt8(ascii: "|")
    let schema = Schema([Field("a", .string), Field("n", .int32)])
    let batch = try read("a|n\nNULL|NULL\n|\n\"NULL\"|5\n", schema, options)
    #expect(batch.row(0) == [.null, .null])
    #expect(batch.row(1) == [.string(""), .null])
    #expect(batch.row(2) == [.string("NULL"), .int(5)])
    expectError("a|x\n1|2\n", schema, options, contains: ["t.csv:1", "header column 2 is 'x'", "'n'"])
    #expect(try read("", schema, options).rowCount == 0)
}

@Test func chunkBoundariesAnywhereGiveTheSameResult() throws {
    let text = Array("I,\"a \"\"quoted\"\"\r\nvalue\",1\r\nU,,2\r\nD,\"\",3\r\nI,\"x,y\",4".utf8)
    let schema = Schema([Field("op", .string), Field("v", .string), Field("k", .int64)])
    let whole = try CSVReader.read(text, schema: schema)
    #expect(whole.rowCount == 4)
    for split in 0...text.count {
        for batchRows in [1, 3] {
            let reader = try CSVReader(schema: schema, options: CSVReadOptions(batchRows: batchRows))
            var batches: [ColumnBatch] = []
            try reader.feed(Array(text[..<split])) { batches.append($0) }
            for byte in text[split...] { try reader.feed([byte]) { batches.append($0) } }
            try reader.finish { batches.append($0) }
            #expect(batches.allSatisfy { $0.rowCount <= batchRows })
            #expect(try ColumnBatch.concat(batches, schema: schema) == whole, "split at \(split)")
        }
    }
}

@Test func hugeFieldIsReadLinearly() throws {
    let big = String(repeating: "abc,\"\n", count: 400_000)  // 2.4 MB quoted field with quotes/newlines
    let escaped = big.replacingOccurrences(of: "\"", with: "\"\"")
    let text = Array("x,\"\(escaped)\"\n".utf8)
    let reader = try CSVReader(schema: twoStrings)
    var batches: [ColumnBatch] = []
    var at = 0
    while at < text.count {
        let end = min(text.count, at + 4096)
        try reader.feed(Array(text[at..<end])) { batches.append($0) }
        at = end
    }
    try reader.finish { batches.append($0) }
    #expect(batches.count == 1 && batches[0].row(0)[1] == .string(big))
}

@Test func float32TextIsRoundedOnceNotThroughDouble() throws {
    // Just above the midpoint between 1 and the next Float: the nearest Double IS the midpoint, which
    // a second rounding (ties to even) would take down to 1.
    let text = "1.0000000596046447753906251"
    let expected = try #require(Float(text))
    #expect(expected > 1)
    let schema = Schema([Field("f", .float32)])
    for rows in [1, 5_000] {
        let batch = try read(String(repeating: text + "\n", count: rows), schema)
        guard case .float32(let values) = batch.columns[0].storage else {
            Issue.record("not a float32 column")
            return
        }
        #expect(values.count == rows && values.allSatisfy { $0 == expected })
    }
}

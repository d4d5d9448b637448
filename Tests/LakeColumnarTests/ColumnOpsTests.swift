import Testing
@testable import LakeColumnar

func makeBatch() throws -> ColumnBatch {
    let schema = Schema([Field("id", .int64, nullable: false), Field("name", .string), Field("amount", .float64),
                         Field("price", .decimal(precision: 10, scale: 2)), Field("day", .date)])
    var b = schema.fields.map { ColumnBuilder(type: $0.type) }
    let names: [String?] = ["a", nil, "", "héllo", "zz", nil]
    let amounts: [Double?] = [1.5, .nan, -0.0, 0.0, nil, -3]
    for i in 0..<6 {
        b[0].append(Int64(i * 10 - 20))
        if let n = names[i] { b[1].append(n) } else { b[1].appendNull() }
        if let a = amounts[i] { b[2].append(a) } else { b[2].appendNull() }
        try b[3].append(Value.decimal(Int128(i * 1234 - 3000), scale: 2))
        if i == 3 { b[4].appendNull() } else { b[4].append(Int32(i * 365 - 800)) }
    }
    return ColumnBatch(schema: schema, columns: b.indices.map { b[$0].finish() }, rowCount: 6)
}

@Test func builderProducesValidityOnlyWhenNeeded() throws {
    let batch = try makeBatch()
    #expect(batch.columns[0].validity == nil)
    #expect(batch.columns[1].nullCount == 2)
    #expect(batch.row(1)[1] == .null)
    #expect(batch.row(3)[1] == .string("héllo"))
    #expect(batch.row(0)[3] == .decimal(-3000, scale: 2))
    var builder = ColumnBuilder(type: .int16)
    #expect(throws: ColumnarError.self) { try builder.appendInteger(40_000) }
    #expect(throws: ColumnarError.self) { try builder.append(Value.string("x")) }
    builder.append(Int16(3)); builder.appendNull(); builder.removeLast(); builder.append(Int16(4))
    let col = builder.finish()
    #expect(col == Column(.int16([3, 4])))
}

@Test func gatherSliceConcatAgreeWithRowByRowValues() throws {
    let batch = try makeBatch()
    let indices = [5, 0, 0, 3, 1, 2]
    let gathered = batch.gather(indices)
    for (j, i) in indices.enumerated() {
        for c in 0..<5 { #expect(gathered.row(j)[c].description == batch.row(i)[c].description) }
    }
    let a = batch.slice(0..<2), b = batch.slice(2..<3), c = batch.slice(3..<6)
    #expect(a.rowCount == 2 && c.rowCount == 3)
    #expect(b.columns[1].validity == nil)  // "" is a value, not a null
    let joined = try ColumnBatch.concat([a, b, c])
    #expect(joined.rowCount == 6)
    for r in 0..<6 { #expect(joined.row(r).description == batch.row(r).description) }
    #expect(joined.columns[1] == batch.columns[1])
    #expect(batch.gather([]).rowCount == 0)
    let picked = try batch.select(columns: ["price", "id"])
    #expect(picked.schema.names == ["price", "id"])
    #expect(throws: ColumnarError.self) { try batch.select(columns: ["nope"]) }
    #expect(throws: ColumnarError.self) { try ColumnBatch.concat([a, picked]) }
    // Unaligned bitmap concat (1 + 7 + 9 bits).
    let bits = (0..<17).map { $0 % 3 != 0 }
    let col = Column(.int32((0..<17).map(Int32.init)), validity: Bitmap(bits))
    let re = try Column.concat([col.slice(0..<1), col.slice(1..<8), col.slice(8..<17)])
    #expect(re == col)
    #expect(col.gather(Array((0..<17).reversed())).gather(Array((0..<17).reversed())) == col)
}

@Test func statisticsFollowParquetOrder() throws {
    let stats = try makeBatch().statistics()
    #expect(stats[0].min == .int(-20) && stats[0].max == .int(30))
    #expect(stats[1].min == .string("") && stats[1].max == .string("zz") && stats[1].nullCount == 2)
    // NaN ignored, zero min is -0.0.
    #expect(stats[2].hasNaN)
    guard case .double(let lo) = stats[2].min, case .double(let hi) = stats[2].max else { Issue.record("no float stats"); return }
    #expect(lo == -3 && hi == 1.5)
    let zeros = Column(.float64([0.0, -0.0])).statistics(type: .float64)
    if case .double(let z) = zeros.min { #expect(z.sign == .minus) }
    if case .double(let z) = zeros.max { #expect(z.sign == .plus) }
    let onlyNaN = Column(.float32([.nan])).statistics(type: .float32)
    #expect(onlyNaN.min == nil && onlyNaN.hasNaN)
    #expect(stats[3].min == .decimal(-3000, scale: 2) && stats[3].max == .decimal(3170, scale: 2))
    #expect(stats[4].nullCount == 1 && stats[4].min == .date(-800))
    // Byte-wise order: "é" (0xC3...) sorts after "z".
    let s = Column(.bytes(VarBytes(offsets: [0, 1, 3], bytes: Array("zé".utf8)))).statistics(type: .string)
    #expect(s.max == .string("é"))
}

@Test func valueTextParsesAndFormats() {
    func p<T>(_ s: String, _ f: (UnsafeBufferPointer<UInt8>) -> T) -> T { Array(s.utf8).withUnsafeBufferPointer(f) }
    #expect(p("-9223372036854775808", ValueText.parseInt64) == Int64.min)
    #expect(p("9223372036854775808", ValueText.parseInt64) == nil)
    #expect(p("+12", ValueText.parseInt64) == 12)
    #expect(p("1 ", ValueText.parseInt64) == nil)
    #expect(p("", ValueText.parseInt64) == nil)
    #expect(p("+3.23800011e+01", ValueText.parseDouble) == 32.3800011)
    #expect(p("NaN", ValueText.parseDouble)?.isNaN == true)
    #expect(p("-Infinity", ValueText.parseDouble) == -.infinity)
    #expect(p("inf", ValueText.parseDouble) == .infinity)
    #expect(p("0x10", ValueText.parseDouble) == nil)
    #expect(p(" 1", ValueText.parseDouble) == nil)
    #expect(p("1.5x", ValueText.parseDouble) == nil)
    #expect(p("8300.00") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == 830000)
    #expect(p("-0.5") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == -50)
    #expect(p("1.005") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == nil)
    #expect(p("1.2e2") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == 12000)
    #expect(p("125E-2") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == 125)
    #expect(p("0e100") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == nil)  // exponents stay below 100
    #expect(p("1.2.3") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == nil)
    #expect(p("1e+") { ValueText.parseDecimal($0, precision: 10, scale: 2) } == nil)
    let max38 = String(repeating: "9", count: 38)
    #expect(p(max38) { ValueText.parseDecimal($0, precision: 38, scale: 0) } != nil)
    #expect(p(max38 + "9") { ValueText.parseDecimal($0, precision: 38, scale: 0) } == nil)
    #expect(p("123") { ValueText.parseDecimal($0, precision: 2, scale: 0) } == nil)
    #expect(ValueText.formatDecimal(-5, scale: 2) == "-0.05")
    #expect(ValueText.formatDecimal(830000, scale: 2) == "8300.00")
    #expect(p("1996-07-04", ValueText.parseDate).map(ValueText.formatDate) == "1996-07-04")
    #expect(p("2023-02-29", ValueText.parseDate) == nil)
    #expect(p("1969-12-31", ValueText.parseDate) == -1)
    let ts = p("2024-06-12 10:30:27.362108", ValueText.parseTimestamp)
    #expect(ts?.hadZone == false)
    #expect(ts.map { ValueText.formatTimestamp($0.micros) } == "2024-06-12 10:30:27.362108")
    #expect(p("2024-06-12T12:30:27.362108+02:00", ValueText.parseTimestamp)?.micros == ts?.micros)
    #expect(p("2024-06-12T10:30:27.362108Z", ValueText.parseTimestamp)?.micros == ts?.micros)
    #expect(p("2024-06-12 10:30:27.3621080001", ValueText.parseTimestamp) == nil)
    #expect(p("1950-01-01 00:00:00.5", ValueText.parseTimestamp).map { ValueText.formatTimestamp($0.micros) } == "1950-01-01 00:00:00.500000")
    #expect(p("T", ValueText.parseBool) == true)
    #expect(p("false", ValueText.parseBool) == false)
    #expect(p("yes", ValueText.parseBool) == nil)
    var out: [UInt8] = []
    #expect(p("\\xDEad", { ValueText.parseHex($0, into: &out) }) && out == [0xDE, 0xAD])
    out = []
    ValueText.appendBase64([1, 2, 3, 4], to: &out)
    let encoded = out
    out = []
    #expect(encoded.withUnsafeBufferPointer { ValueText.parseBase64($0, into: &out) } && out == [1, 2, 3, 4])
}

@Test func schemaFileParsesAliasesAndRoundTrips() throws {
    let json = """
    {"columns": [{"name": "Op", "type": "string"}, {"name": "ts", "type": "varchar(26)"},
      {"name": "id", "type": "BIGINT", "nullable": false}, {"name": "amount", "type": "numeric(12, 2)"},
      {"name": "qty", "type": "int"}, {"name": "r", "type": "real"}, {"name": "d", "type": "double precision"},
      {"name": "at", "type": "timestamp"}, {"name": "local", "type": "datetime"}, {"name": "b", "type": "bytea"},
      {"name": "flag", "type": "bool"}, {"name": "s", "type": "smallint"}, {"name": "t", "type": "tinyint"},
      {"name": "day", "type": "date"}, {"name": "seq", "type": "decimal(35,0)"}, {"name": "before_id", "type": "long"}],
     "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["before_id"]}
    """
    let file = try SchemaFile.parse(json, source: "s.json", requireKey: true)
    #expect(file.columns.map(\.type) == [.string, .string, .int64, .decimal(precision: 12, scale: 2), .int32, .float32, .float64,
                                         .timestamp(utc: true), .timestamp(utc: false), .binary, .boolean, .int16, .int8, .date,
                                         .decimal(precision: 35, scale: 0), .int64])
    #expect(file.columns[2].nullable == false)
    #expect(try SchemaFile.parse(file.serialized(), source: "again") == file)
    func fails(_ text: String, _ fragment: String) {
        do {
            _ = try SchemaFile.parse(text, source: "bad.json", requireKey: true)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
            #expect(error.description.hasPrefix("bad.json: "))
        }
    }
    fails(#"{"columns": [{"name": "a", "type": "wat"}], "key": ["a"]}"#, "column 1 'a': unknown type 'wat'")
    fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["b"]}"#, "'b'")
    fails(#"{"columns": [{"name": "a", "type": "long"}]}"#, "key")
    fails(#"{"columns": [{"name": "a", "type": "long"}, {"name": "a", "type": "int"}], "key": ["a"]}"#, "twice")
    fails(#"{"columns": [{"name": "a", "type": "decimal(40,2)"}], "key": ["a"]}"#, "precision")
    fails(#"{"columns": [{"name": "o", "type": "long"}, {"name": "a", "type": "long"}], "key": ["a"], "op": "o"}"#, "string")
    fails(#"{"columns": [{"name": "a", "type": "long"}], "keys": ["a"]}"#, "unknown field")
    fails("[1,2]", "JSON object")
    fails("{", "not valid JSON")
}

import Testing

@testable import LakeColumnar

/// The one parser of the `--schema` file (issue 6): every alias, every error, and the cases where
/// the three earlier parsers disagreed.
@Suite struct SchemaFileTypeTests {
    private func type(_ text: String) throws(SchemaFileError) -> DataType { try SchemaFile.parseType(text) }

    @Test func everyAliasMapsToItsDeltaType() throws {
        let expected: [(String, DataType)] = [
            ("boolean", .boolean), ("bool", .boolean), ("BOOLEAN", .boolean),
            ("byte", .int8), ("tinyint", .int8), ("INT1", .int8),
            ("short", .int16), ("smallint", .int16), ("int2", .int16), ("INT2", .int16), ("int16", .int16), ("UINT1", .int16),
            ("integer", .int32), ("int", .int32), ("int4", .int32), ("INT4", .int32), ("int32", .int32), ("mediumint", .int32),
            ("UINT2", .int32),
            ("long", .int64), ("bigint", .int64), ("int8", .int64), ("INT8", .int64), ("int64", .int64), ("UINT4", .int64),
            ("UINT8", .decimal(precision: 20, scale: 0)),
            ("float", .float32), ("real", .float32), ("float4", .float32), ("REAL4", .float32), ("float32", .float32),
            ("double", .float64), ("double precision", .float64), ("float8", .float64), ("REAL8", .float64), ("float64", .float64),
            ("decimal(12,2)", .decimal(precision: 12, scale: 2)), ("NUMERIC(12,2)", .decimal(precision: 12, scale: 2)),
            ("number(5)", .decimal(precision: 5, scale: 0)), ("dec(38,38)", .decimal(precision: 38, scale: 38)),
            ("decimal", .decimal(precision: 10, scale: 0)), ("numeric", .decimal(precision: 10, scale: 0)),
            ("string", .string), ("STRING", .string), ("WSTRING", .string), ("CLOB", .string), ("NCLOB", .string),
            ("text", .string), ("varchar", .string), ("varchar(40)", .string), ("VARCHAR(max)", .string), ("char(1)", .string),
            ("character varying(20)", .string), ("nvarchar(10)", .string), ("nchar", .string), ("uuid", .string),
            ("json", .string), ("jsonb", .string), ("longtext", .string), ("string(200)", .string),
            ("binary", .binary), ("BYTES", .binary), ("BLOB", .binary), ("bytea", .binary), ("varbinary(16)", .binary),
            ("longblob", .binary),
            ("date", .date), ("DATE", .date),
            ("timestamp", .timestamp(utc: true)), ("timestamptz", .timestamp(utc: true)),
            ("timestamp with time zone", .timestamp(utc: true)), ("timestamp(3)", .timestamp(utc: true)),
            ("timestamp_ltz", .timestamp(utc: true)), ("datetimeoffset", .timestamp(utc: true)),
            ("timestamp_ntz", .timestamp(utc: false)), ("DATETIME", .timestamp(utc: false)), ("datetime2(7)", .timestamp(utc: false)),
            ("smalldatetime", .timestamp(utc: false)), ("timestamp without time zone", .timestamp(utc: false)),
        ]
        for (text, want) in expected {
            #expect(try type(text) == want, "\(text)")
        }
    }

    @Test func spacingAndCaseDoNotMatter() throws {
        #expect(try type("  Numeric( 12 , 2 ) ") == .decimal(precision: 12, scale: 2))
        #expect(try type("character   varying (20)") == .string)
        #expect(try type("DOUBLE\tPRECISION") == .float64)
        #expect(try type("Timestamp  With Time Zone") == .timestamp(utc: true))
    }

    /// The earlier parsers disagreed on these; each assertion fails on one of them.
    @Test func resolvedDisagreements() throws {
        // LakeCDC's parser read int8 as a 1-byte integer; PostgreSQL's and DMS's INT8 is 8 bytes.
        #expect(try type("int8") == .int64)
        // LakeCDC's and LakeMerge's parsers read a bare decimal as decimal(38,18); Spark and Delta
        // use decimal(10,0).
        #expect(try type("decimal") == .decimal(precision: 10, scale: 0))
        // LakeMerge's parser read datetime as an instant; DMS/MySQL/SQL Server DATETIME is wall-clock.
        #expect(try type("datetime") == .timestamp(utc: false))
        // LakeCDC's parser rejected spaces inside the parentheses and DMS's names.
        #expect(try type("numeric( 8 , 3 )") == .decimal(precision: 8, scale: 3))
        #expect(try type("INT4") == .int32)
        #expect(try type("REAL8") == .float64)
        // LakeMerge's parser accepted junk after a known base name.
        #expect(throws: SchemaFileError.self) { try type("varchar(x)") }
        #expect(throws: SchemaFileError.self) { try type("int(") }
    }

    @Test func badTypesNameTheTypeAndTheAcceptedNames() {
        func message(_ text: String) -> String {
            do { _ = try type(text); return "" } catch { return error.description }
        }
        #expect(message("geometry").contains("unknown type 'geometry'"))
        #expect(message("geometry").contains("decimal(P,S)") && message("geometry").contains("INT8".lowercased()))
        #expect(message("decimal(40,2)").contains("precision <= 38"))
        #expect(message("decimal(5,6)").contains("scale <= precision"))
        #expect(message("decimal(0)").contains("1 <= precision"))
        #expect(message("decimal(1,2,3)").contains("(precision, scale)"))
        #expect(message("decimal(a,2)").contains("precision 'a'"))
        #expect(message("long(5)").contains("takes no arguments"))
        #expect(message("varchar(1,2)").contains("at most one length"))
        #expect(message("timestamp(12)").contains("0 to 9"))
        #expect(message("numeric(5").contains("unbalanced"))
        #expect(message("numeric(5)x").contains("unbalanced"))
        #expect(message("").contains("unknown type"))
    }
}

@Suite struct SchemaFileDocumentTests {
    private func fails(_ text: String, _ fragments: String..., requireKey: Bool = true) {
        do {
            _ = try SchemaFile.parse(text, source: "bad.json", requireKey: requireKey)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.hasPrefix("bad.json: "), "\(error.description)")
            for fragment in fragments { #expect(error.description.contains(fragment), "\(error.description) lacks \(fragment)") }
        }
    }

    @Test func fullDMSFileParses() throws {
        let file = try SchemaFile.parse(#"""
            {"columns": [{"name": "Op", "type": "STRING"}, {"name": "ts", "type": "DATETIME"},
                         {"name": "id", "type": "INT8", "nullable": false}, {"name": "price", "type": "NUMERIC(10,2)"},
                         {"name": "seq", "type": "NUMERIC(35,0)"}, {"name": "b_id", "type": "INT8"}],
             "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["b_id"]}
            """#, source: "s.json", requireKey: true)
        #expect(file.dataFields.map(\.name) == ["id", "price"])
        #expect(file.columns[2] == Field("id", .int64, nullable: false))
        #expect(try SchemaFile.parse(file.serialized(), source: "again") == file)
        #expect(try SchemaFile.parse(jsonObject: file.jsonObject, source: "object") == file)
        // A single name for a one-column list, and JSON null for an absent role.
        let loose = try SchemaFile.parse(#"{"columns": [{"name": "id", "type": "long"}], "key": "id", "op": null}"#, source: "s")
        #expect(loose.key == ["id"] && loose.op == nil)
    }

    @Test func documentErrorsNameTheFileAndColumn() {
        fails("[1,2]", "JSON object")
        fails("{", "not valid JSON")
        fails(#"{"columns": [], "key": ["a"]}"#, "non-empty array")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "keys": ["a"]}"#, "unknown field \"keys\"")
        fails(#"{"columns": [7], "key": ["a"]}"#, "column 1 is not an object")
        fails(#"{"columns": [{"type": "long"}], "key": ["a"]}"#, "column 1 has no \"name\"")
        fails(#"{"columns": [{"name": "a", "type": "long"}, {"name": "b"}], "key": ["a"]}"#, "column 2 'b' has no \"type\"", "decimal(P,S)")
        fails(#"{"columns": [{"name": "a", "type": "long"}, {"name": "b", "type": "wat"}], "key": ["a"]}"#, "column 2 'b': unknown type 'wat'")
        fails(#"{"columns": [{"name": "a", "type": "long", "width": 3}], "key": ["a"]}"#, "unknown field \"width\"")
        fails(#"{"columns": [{"name": "a", "type": "long", "nullable": 1}], "key": ["a"]}"#, "\"nullable\" must be true or false")
        fails(#"{"columns": [{"name": "a", "type": "long"}, {"name": "a", "type": "int"}], "key": ["a"]}"#, "column 2 'a': the name appears twice")
        fails(#"{"columns": [{"name": "a", "type": "long"}, {"name": "A", "type": "int"}], "key": ["a"]}"#, "differ only in case")
        fails(#"{"columns": [{"name": "a", "type": "long"}]}"#, "\"key\" must list")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": []}"#, "\"key\" must list")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["b"]}"#, "\"key\" names 'b'")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["A"]}"#, "did you mean 'a'")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a", "a"]}"#, "lists 'a' twice")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": [1]}"#, "array of column names")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a"], "op": 3}"#, "\"op\" must be a column name")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a"], "op": "x"}"#, "\"op\" names 'x'")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a"], "timestamp": "x"}"#, "\"timestamp\" names 'x'")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a"], "sequence": "x"}"#, "\"sequence\" names 'x'")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a"], "before": ["x"]}"#, "\"before\" names 'x'")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a"], "op": "a"}"#, "op column", "cannot be a key")
        fails(#"{"columns": [{"name": "o", "type": "long"}, {"name": "a", "type": "long"}], "key": ["a"], "op": "o"}"#, "must have type string, not long")
        fails(#"{"columns": [{"name": "t", "type": "string"}, {"name": "a", "type": "long"}], "key": ["a"], "op": "t", "timestamp": "t"}"#,
              "'t' is both the op and the timestamp column")
        fails(#"{"columns": [{"name": "a", "type": "long"}], "key": ["a"], "before": ["a"]}"#, "both \"key\" and \"before\"")
        fails(#"{"columns": [{"name": "a", "type": "long"}, {"name": "b", "type": "long"}, {"name": "c", "type": "long"}], "key": ["a"], "before": ["b", "c"]}"#,
              "one before-image column per key column")
    }

    @Test func keyIsOptionalUnlessRequired() throws {
        let file = try SchemaFile.parse(#"{"columns": [{"name": "a", "type": "long"}]}"#, source: "s", requireKey: false)
        #expect(file.key.isEmpty)
        // An op column beside a table column of the same name in another case is fine.
        let change = try SchemaFile.parse(#"{"columns": [{"name": "Op", "type": "string"}, {"name": "op", "type": "long"}], "op": "Op"}"#, source: "s")
        #expect(change.dataFields.map(\.name) == ["op"])
    }
}

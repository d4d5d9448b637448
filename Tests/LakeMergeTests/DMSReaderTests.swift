import LakeColumnar
import Testing

@testable import LakeMerge

private func parse(_ text: String, schema: String) throws -> DMSFileReader.Part {
    let fs = try SchemaFile.parse(Array(schema.utf8), source: "schema.json")
    let reader = DMSFileReader(tableSchema: Schema(fs.dataFields), fileSchema: fs, keyColumns: fs.key)
    return try reader.read(text: Array(text.utf8), source: "f.csv")
}

private let schema = """
    {"columns": [{"name": "Op", "type": "string"}, {"name": "ts", "type": "string"}, {"name": "id", "type": "bigint"},
                 {"name": "s", "type": "text"}, {"name": "d", "type": "numeric(6,2)"}, {"name": "seq", "type": "string"},
                 {"name": "b_id", "type": "long"}],
     "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["b_id"]}
    """

@Suite struct DMSReaderTests {
    @Test func csvRecordsDistinguishNullFromEmptyAndUnescapeQuotes() throws {
        var r = DMSCSVRecords(text: Array("a,,\"\",\"x,\"\"y\"\"\"\r\n\n\"multi\nline\",z".utf8))
        #expect(try r.next(source: "t"))
        #expect(r.fields.map(\.isNull) == [false, true, false, false])
        #expect((0..<4).map { r.string($0) } == ["a", "", "", "x,\"y\""])
        #expect(try r.next(source: "t"))
        #expect(r.line == 3)
        #expect(r.string(0) == "multi\nline" && r.string(1) == "z")
        #expect(try !r.next(source: "t"))
        var bad = DMSCSVRecords(text: Array("\"open".utf8))
        #expect(throws: MergeError.self) { try bad.next(source: "t") }
    }

    @Test func readsOpsOrderingColumnsAndBeforeImages() throws {
        let part = try parse("""
            I,2024-06-12 10:30:27.362108,1,"a,b",1.50,20240612103027360000000000000000117,
            D,,2,,,,
            U,2024-06-12 10:30:28.000000,3,x,-2.00,20240612103028000000000000000000001,1
            """, schema: schema)
        #expect(part.ops == [.insert, .delete, .update])
        #expect(part.sequence[0] == Int128("20240612103027360000000000000000117"))
        #expect(part.sequence[1] == ChangeSet.noSequence && part.commitTime[1] == ChangeSet.noTime)
        #expect(part.commitTime[0] == 1_718_188_227_362_108)
        guard case .int128(let d) = part.rows.columns[2].storage else { Issue.record("decimal storage"); return }
        #expect(d[0] == 150 && d[2] == -200 && part.rows.columns[2].isNull(1))
        let before = try #require(part.beforeKeys?.first)
        #expect(before.isNull(0) && before.isNull(1) && !before.isNull(2))
    }

    @Test func fullLoadWithoutOpAndOlderFilesWithFewerColumns() throws {
        // No Op (first field is the timestamp), no seq, no before-image: 4 of 7 columns.
        let load = try parse(",1,a,1.00\n", schema: schema)
        #expect(load.ops == [.insert] && load.rows.rowCount == 1)
        // Op present, seq and before-image absent.
        let cdc = try parse("D,,1,,\n", schema: schema)
        #expect(cdc.ops == [.delete])
    }

    @Test func headerMatchesByNameCaseInsensitively() throws {
        let part = try parse("OP,ID,S\nU,5,hey\n", schema: schema)
        #expect(part.ops == [.update])
        guard case .int64(let ids) = part.rows.columns[0].storage else { Issue.record("id storage"); return }
        #expect(ids == [5])
    }

    @Test func badValuesNameFileLineAndColumn() throws {
        #expect { try parse("X,,1,a,1.00,,\n", schema: schema) } throws: { "\($0)".contains("f.csv: line 1: unknown op 'X'") }
        #expect { try parse("I,,one,a,1.00,,\n", schema: schema) } throws: { "\($0)".contains("column 'id'") }
        #expect { try parse("I,,1,a,1.001,,\n", schema: schema) } throws: { "\($0)".contains("column 'd'") }
        #expect { try parse("I,,,a,1.00,,\n", schema: schema) } throws: { "\($0)".contains("key column 'id' is empty") }
        #expect { try parse("I,,1,a,1.00,12x,\n", schema: schema) } throws: { "\($0)".contains("sequence") }
        #expect { try parse("I,,1,a,1.00,,,extra\n", schema: schema) } throws: { "\($0)".contains("no known omission") }
    }

    @Test func schemaFileErrorsReachTheReader() throws {
        // The one parser (LakeColumnar's SchemaFile) reads compact's --schema too.
        #expect(throws: SchemaFileError.self) { try SchemaFile.parse(Array("{\"columns\": []}".utf8), source: "s") }
        #expect(throws: SchemaFileError.self) {
            try SchemaFile.parse(Array("{\"columns\": [{\"name\": \"a\", \"type\": \"long\"}], \"key\": [\"b\"]}".utf8), source: "s")
        }
    }

    @Test func textValuesGoThroughValueText() throws {
        func ts(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBufferPointer(DMSFileReader.commitTime) }
        #expect(ts("1970-01-01 00:00:01") == 1_000_000)
        #expect(ts("1970-01-01T00:00:00.5Z") == 500_000)
        #expect(ts("1970-01-01 01:00:00+01:00") == 0)
        #expect(ts("1969-12-31 23:59:59.999999") == -1)
        #expect(ts("1969-12-31 23:59:59.9999999") == -1)  // beyond microseconds: truncated
        #expect(ts("2024-13-01 00:00:00") == nil)
        #expect(ts("2024-02-30 00:00:00") == nil)  // the old parser took day 30 of February
        // Whole rows: float32 read as Float directly, booleans, exact decimals, hex binary.
        let part = try parse("I,,1,a,+3.238e+01,,\n", schema: schema)
        #expect(part.rows.columns[2].storage == .int128([3238]))
        #expect { try parse("I,,1,a,1.234,,\n", schema: schema) } throws: { "\($0)".contains("'1.234' is not a decimal(6,2)") }
        #expect { try parse("I,,1,a,10000.00,,\n", schema: schema) } throws: { "\($0)".contains("is not a decimal(6,2)") }
    }

    @Test func lakectlSequenceTextOrdersByMajorThenMinor() {
        func seq(_ s: String) -> Int128? { Array(s.utf8).withUnsafeBufferPointer(DMSFileReader.parseSequence) }
        let a = seq("00061aae7207a801-0000000000000002-00000000")
        let b = seq("00061aae7207a801-0000000000000010-00000000")
        let c = seq("00061aae7207a802-0000000000000000-00000001")
        #expect(a != nil && a! < b! && b! < c!)
        #expect(seq("00061aae7207a80z-0000000000000000-00000000") == nil)
    }

    @Test func consumedFilesRecordRoundTripsAndTrimsOldNames() throws {
        var record = DMSConsumedFiles()
        let load = try #require(DMSFileName(key: "LOAD00000001.csv"))
        let old = try #require(DMSFileName(key: "20240101-000000000.csv"))
        let new = try #require(DMSFileName(key: "20240612-000000000.csv"))
        record.insert(load, relativeKey: load.key)
        record.insert(old, relativeKey: old.key)
        record.insert(new, relativeKey: new.key)
        let back = try DMSConsumedFiles(json: record.json, source: "t")
        #expect(back.files == [load.key, new.key])  // the old name fell out of the 7-day window…
        #expect(back.isConsumed(old, relativeKey: old.key))  // …and still counts as consumed
        let late = try #require(DMSFileName(key: "20240610-000000000.csv"))
        #expect(!back.isConsumed(late, relativeKey: late.key))
    }

    @Test func lateFilesBeyondTheNameWindowAreToldApartByModificationTime() throws {
        var record = DMSConsumedFiles()
        let old = try #require(DMSFileName(key: "20231201-000000000.csv"))
        let new = try #require(DMSFileName(key: "20240612-000000000.csv"))
        let hour: Int64 = 3_600_000
        let now: Int64 = 1_800_000_000_000
        record.insert(old, relativeKey: old.key, lastModified: now - 3 * hour)
        record.insert(new, relativeKey: new.key, lastModified: now)
        let back = try DMSConsumedFiles(json: record.json, source: "t")
        #expect(back.files == [new.key])  // out of the name window and modified over an hour earlier
        #expect(back.modifiedWatermark == now)
        #expect(back.isConsumed(old, relativeKey: old.key, lastModified: now - 3 * hour))
        // A file named months earlier that was modified after the consumed ones is new.
        let late = try #require(DMSFileName(key: "20240101-000000000.csv"))
        #expect(!back.isConsumed(late, relativeKey: late.key, lastModified: now + 1000))
        // Entries modified within the margin stay listed past the name window.
        var recent = DMSConsumedFiles()
        recent.insert(old, relativeKey: old.key, lastModified: now - 1000)
        recent.insert(new, relativeKey: new.key, lastModified: now)
        #expect(try DMSConsumedFiles(json: recent.json, source: "t").files == [old.key, new.key])
    }

    @Test func derivedPartitionColumns() throws {
        let batch = ColumnBatch(schema: Schema([Field("at", .timestamp(utc: true))]),
                                columns: [Column(.int64([1_718_188_227_362_108, 0]), validity: Bitmap([true, false]))], rowCount: 2)
        let month = try PartitionSpec(parsing: "at:month")
        #expect(month.column == "at_month")
        let col = try month.derive(from: batch)
        guard case .bytes(let v) = col.storage else { Issue.record("storage"); return }
        #expect(v.string(at: 0) == "2024-06" && col.isNull(1))
        #expect(throws: MergeError.self) { try PartitionSpec(parsing: "at:week") }
    }
}

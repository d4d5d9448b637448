import Foundation
import LakeColumnar
import Testing
@testable import DeltaLog

@Suite struct ActionTests {
    @Test func jsonRoundTripKeepsOrderAndNumbers() throws {
        let text = #"{"b":1,"a":[true,null,"x\"\n\u00e9"],"n":12345678901234567890.125,"o":{}}"#
        let value = try JSONValue.parse(text)
        #expect(value.serialized == #"{"b":1,"a":[true,null,"x\"\né"],"n":12345678901234567890.125,"o":{}}"#)
        #expect(try JSONValue.parse(value.serialized) == value)
    }

    @Test func malformedJSONThrows() {
        for bad in ["{", "[1,", #"{"a" 1}"#, "tru", #""\u12"#, "1 2", String(repeating: "[", count: 500)] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(bad) }
        }
    }

    @Test func parsesSparkCommit() throws {
        let line = #"{"add":{"path":"c1=4/c2=c/part-00003.c000.snappy.parquet","partitionValues":{"c1":"4","c2":null},"size":452,"modificationTime":1670892998135,"dataChange":true,"stats":"{\"numRecords\":1,\"minValues\":{\"c3\":5},\"maxValues\":{\"c3\":5},\"nullCount\":{\"c3\":0}}"}}"#
        let actions = try Action.parseCommit(Array((line + "\n" + #"{"cdc":{"path":"_change_data/x.parquet","size":1}}"# + "\n").utf8), file: "t")
        #expect(actions.count == 2)
        guard case .add(let add) = actions[0] else { Issue.record("not an add"); return }
        #expect(add.partitionValues["c2"] == .some(nil))
        #expect(add.partitionValues["c1"] == "4")
        #expect(add.parsedStats?.numRecords == 1)
        // Unknown actions are preserved verbatim.
        guard case .other(let name, _) = actions[1] else { Issue.record("cdc lost"); return }
        #expect(name == "cdc")
        #expect(Action.serializeCommit(actions).count > 0)
        let again = try Action.parseCommit(Action.serializeCommit(actions), file: "t")
        #expect(again == actions)
    }

    @Test func removeKeepsPathByteIdentical() {
        let add = sampleAdd("f 1.parquet", region: "us west:1")
        let remove = add.remove(deletionTimestamp: 5)
        #expect(remove.path == add.path)
        #expect(remove.extendedFileMetadata == true)
        #expect(remove.partitionValues! == add.partitionValues)
        #expect(remove.size == add.size)
    }

    @Test func protocolChecks() throws {
        try DeltaProtocol.plain.checkReadable()
        try DeltaProtocol.timestampNtz.checkReadable()
        try DeltaProtocol.timestampNtz.checkWritable(configuration: [:])
        let v2 = DeltaProtocol(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["v2Checkpoint"], writerFeatures: ["v2Checkpoint"])
        #expect { try v2.checkReadable() } throws: { "\($0)".contains("v2Checkpoint") }
        #expect { try DeltaProtocol(minReaderVersion: 2, minWriterVersion: 5).checkReadable() } throws: { "\($0)".contains("column mapping") }
        #expect(throws: DeltaLogError.self) { try DeltaProtocol(minReaderVersion: 1, minWriterVersion: 4).checkWritable(configuration: ["delta.enableChangeDataFeed": "true"]) }
    }

    @Test func schemaRoundTrip() throws {
        let schema = Schema([
            Field("b", .boolean), Field("i8", .int8), Field("i16", .int16), Field("i32", .int32), Field("i64", .int64, nullable: false),
            Field("f", .float32), Field("d", .float64), Field("dec", .decimal(precision: 38, scale: 9)), Field("s", .string),
            Field("bin", .binary), Field("day", .date), Field("ts", .timestamp(utc: true)), Field("ntz", .timestamp(utc: false)),
        ])
        let withNtz = try DeltaSchema(schema, allowTimestampNtz: true)
        #expect(withNtz.usesTimestampNtz)
        #expect(withNtz.jsonString.contains(#""type":"decimal(38,9)""#))
        #expect(try DeltaSchema(json: withNtz.jsonString).columnarSchema() == schema)
        // By default a wall-clock timestamp maps to UTC timestamp (protocol 1/2).
        let plain = try DeltaSchema(schema)
        #expect(!plain.usesTimestampNtz)
        #expect(try plain.columnarSchema().fields.last?.type == .timestamp(utc: true))
        #expect(throws: DeltaLogError.self) { try DeltaSchema(Schema([Field("a", .int32), Field("A", .int32)])) }
        let nested = #"{"type":"struct","fields":[{"name":"m","type":{"type":"map","keyType":"string","valueType":"string","valueContainsNull":true},"nullable":true,"metadata":{}}]}"#
        #expect { try DeltaSchema(json: nested).columnarSchema() } throws: { "\($0)".contains("nested") }
    }

    @Test func valueFormats() {
        #expect(DeltaValueFormat.date(0) == "1970-01-01")
        #expect(DeltaValueFormat.date(-1) == "1969-12-31")
        #expect(DeltaValueFormat.date(19723) == "2024-01-01")
        #expect(DeltaValueFormat.parseDate("2024-02-29") == 19782)
        // A year far outside Int32 days is refused, not an arithmetic overflow (a corrupt partition value).
        #expect(DeltaValueFormat.parseDate("99999999999999999-01-01") == nil)
        #expect(DeltaValueFormat.timestampISO(1_500_000) == "1970-01-01T00:00:01.500000Z")
        #expect(DeltaValueFormat.timestampPartition(-1) == "1969-12-31 23:59:59.999999")
        #expect(DeltaValueFormat.timestampStat(1_999, utc: true) == "1970-01-01T00:00:00.001Z")
        #expect(DeltaValueFormat.timestampStat(-1, utc: true) == "1969-12-31T23:59:59.999Z")
        #expect(DeltaValueFormat.parseTimestamp("2024-01-01T00:00:00.000001Z") == 1_704_067_200_000_001)
        #expect(DeltaValueFormat.parseTimestamp("2024-01-01 01:00:00+01:00") == 1_704_067_200_000_000)
        #expect(DeltaValueFormat.decimal(-5, scale: 2) == "-0.05")
        #expect(DeltaValueFormat.parseDecimal("-0.05", scale: 2) == -5)
        #expect(DeltaValueFormat.parseDecimal("1.5E+2", scale: 2) == 15000)
        #expect(DeltaValueFormat.parseDecimal("0.001", scale: 2) == nil)
        for days in [-800_000, -1, 0, 59, 60, 11_016, 2_932_896] {
            #expect(DeltaValueFormat.parseDate(DeltaValueFormat.date(Int32(days))) == Int32(days))
        }
    }

    @Test func statsAreExact() throws {
        var ids = [Int64](repeating: 0, count: 5)
        for i in 0..<5 { ids[i] = Int64(10 - i) }
        var names = VarBytes()
        for s in ["b", "a", "", "zz", String(repeating: "z", count: 40)] { names.append(s) }
        let batch = ColumnBatch(schema: Schema([Field("id", .int64), Field("name", .string), Field("d", .decimal(precision: 5, scale: 2))]),
                                columns: [Column(.int64(ids), validity: Bitmap([true, true, false, true, true])),
                                          Column(.bytes(names)),
                                          Column(.int128([0, 0, 0, 0, 0]), validity: Bitmap(repeating: false, count: 5))],
                                rowCount: 5)
        let stats = FileStats.compute(batch)
        #expect(stats.numRecords == 5)
        #expect(stats.minValues["id"] == .int(6))
        #expect(stats.maxValues["id"] == .int(10))
        #expect(stats.nullCount["id"] == 1)
        #expect(stats.minValues["name"] == .string(""))
        // The longest string is longer than the prefix limit: the maximum is omitted.
        #expect(stats.maxValues["name"] == nil)
        #expect(stats.nullCount["d"] == 5)
        #expect(stats.minValues["d"] == nil)
        let parsed = try FileStats(json: stats.jsonString(order: ["id", "name", "d"]))
        #expect(parsed == stats)
    }
}

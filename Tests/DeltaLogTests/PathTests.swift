import Testing
@testable import DeltaLog

@Suite struct PathTests {
    @Test func logFileNames() {
        #expect(DeltaPaths.commitKey(42) == "_delta_log/00000000000000000042.json")
        #expect(DeltaPaths.parseLogFile("00000000000000000042.json") == .commit(42))
        #expect(DeltaPaths.parseLogFile("00000000000000000010.checkpoint.parquet") == .checkpoint(10))
        #expect(DeltaPaths.parseLogFile("00000000000000000010.checkpoint.0000000001.0000000002.parquet") == .checkpointPart(version: 10, part: 1, parts: 2))
        #expect(DeltaPaths.parseLogFile("00000000000000000010.crc") == nil)
        #expect(DeltaPaths.parseLogFile("_last_checkpoint") == nil)
        #expect(DeltaPaths.parseLogFile("0000000000000000042.json") == nil)
    }

    @Test func partitionValuesCannotEscapeTheTable() throws {
        let hostile = ["../../etc", "/", "a/b", "=", "%2F", "..", ".", "\u{0}\n\t", "é日本", "a b", "x=y/../z"]
        for value in hostile {
            let folder = DeltaPaths.partitionFolder(columns: ["p"], values: ["p": value])
            #expect(folder.hasPrefix("p="))
            let segment = folder.dropFirst(2).dropLast()
            #expect(!segment.contains("/"), "value \(value) produced \(folder)")
            #expect(!segment.contains("="))
            #expect(segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-%".contains($0)) })
            let logPath = DeltaPaths.encodeURIPath(folder + "part-0.parquet")
            #expect(DeltaPaths.decodeURIPath(logPath) == folder + "part-0.parquet")
            let key = try DeltaPaths.dataFileKey(tableRoot: "t", logPath: logPath)
            #expect(key.hasPrefix("t/p="))
            #expect(!key.split(separator: "/").contains(".."))
        }
        #expect(DeltaPaths.partitionFolder(columns: ["a", "b"], values: ["a": nil, "b": "x:y"]) == "a=__HIVE_DEFAULT_PARTITION__/b=x%3Ay/")
        #expect(DeltaPaths.encodeURIPath("b=x%3Ay/f 1.parquet") == "b=x%253Ay/f%201.parquet")
    }

    @Test func logPathsThatLeaveTheTableAreRefused() {
        for bad in ["../x.parquet", "a/../../x.parquet", "s3://other/x.parquet", "/etc/passwd", "a//b.parquet", "%2E%2E/x.parquet"] {
            #expect(throws: DeltaLogError.self) { try DeltaPaths.dataFileKey(tableRoot: "t", logPath: bad) }
        }
    }

    @Test func partitionValueSerialization() {
        #expect(DeltaValueFormat.partitionString(.date(19723), type: .date) == "2024-01-01")
        #expect(DeltaValueFormat.partitionString(.timestamp(1_704_067_200_000_000), type: .timestamp(utc: true)) == "2024-01-01T00:00:00.000000Z")
        #expect(DeltaValueFormat.partitionString(.timestamp(1_704_067_200_000_000), type: .timestamp(utc: false)) == "2024-01-01 00:00:00")
        #expect(DeltaValueFormat.partitionString(.decimal(12345, scale: 2), type: .decimal(precision: 10, scale: 2)) == "123.45")
        #expect(DeltaValueFormat.partitionString(.bool(true), type: .boolean) == "true")
        #expect(DeltaValueFormat.partitionString(.int(-7), type: .int32) == "-7")
        #expect(DeltaValueFormat.partitionString(.null, type: .string) == nil)
        #expect(DeltaValueFormat.parse("2024-01-01 00:00:00", type: .timestamp(utc: true)) == .timestamp(1_704_067_200_000_000))
    }
}

import Testing

@testable import LakeMerge

@Suite struct DMSFileNameTests {
    @Test func parsesLoadAndCdcNames() throws {
        let load = try #require(DMSFileName(key: "dms/public/orders/LOAD0000000A.csv", relativeTo: "dms/public/orders/"))
        #expect(load.kind == .load(group: "/", counter: 10))
        #expect(load.format == .csv && !load.gzip)
        let cdc = try #require(DMSFileName(key: "dms/public/orders/2024/06/12/20240612-103127367.csv.gz"))
        #expect(!cdc.isFullLoad && cdc.gzip)
        let pq = try #require(DMSFileName(key: "t/20141029-1134010000.parquet"))
        #expect(pq.format == .parquet)
    }

    @Test func rejectsOtherFiles() {
        for key in ["t/_delta_log/00000000000000000000.json", "t/LOAD0000001.csv", "t/LOADXXXXXXXX.csv",
                    "t/20241329-103127367.csv", "t/20240612-10312736.csv", "t/notes.txt", "t/20240612103127367.csv",
                    "t/FOO_BARLOAD00000001.csv"] {
            #expect(DMSFileName(key: key) == nil, "\(key)")
        }
    }

    @Test func hexCountersOrderAsNumbers() throws {
        let names = ["LOAD00000010.csv", "LOAD0000000F.csv", "LOAD00000009.csv", "LOAD0000000A.csv", "LOAD00000001.csv"]
        let sorted = names.compactMap { DMSFileName(key: "t/" + $0) }.sorted().map(\.key)
        #expect(sorted == ["t/LOAD00000001.csv", "t/LOAD00000009.csv", "t/LOAD0000000A.csv", "t/LOAD0000000F.csv", "t/LOAD00000010.csv"])
    }

    @Test func cdcNamesCompareAsTimesNotStrings() throws {
        // As strings "…1234010000" (4-digit fraction, 11:34:01.0000) sorts after "…113401500" (3-digit,
        // 11:34:01.500), but as times it is earlier.
        let a = try #require(DMSFileName(key: "t/20141029-1134015000.csv"))  // 11:34:01.5000
        let b = try #require(DMSFileName(key: "t/20141029-113401400.csv"))   // 11:34:01.400
        let c = try #require(DMSFileName(key: "t/20141029-1134010000.csv"))  // 11:34:01.0000
        #expect([a, b, c].sorted().map(\.key) == [c.key, b.key, a.key])
        let same1 = try #require(DMSFileName(key: "t/20141029-113401400.csv"))
        let same2 = try #require(DMSFileName(key: "t/20141029-1134014000.csv"))
        #expect(same1.kind == same2.kind)
    }

    @Test func loadFilesComeBeforeCdcAndDateFoldersDoNotMatter() throws {
        let keys = ["t/2024/06/13/20240613-000000001.csv", "t/20240612-235959999.csv", "t/LOAD00000002.csv",
                    "t/2024/06/12/20240612-120000000.csv", "t/LOAD00000001.csv"]
        let sorted = keys.compactMap { DMSFileName(key: $0, relativeTo: "t/") }.sorted().map(\.key)
        #expect(sorted == ["t/LOAD00000001.csv", "t/LOAD00000002.csv", "t/2024/06/12/20240612-120000000.csv",
                           "t/20240612-235959999.csv", "t/2024/06/13/20240613-000000001.csv"])
    }

    @Test func segmentsAndPartitionFoldersGroupLoadFiles() throws {
        let keys = ["t/p2/LOAD00000001.csv", "t/p1/LOAD00000002.csv", "t/p1/LOAD00000001.csv", "t/SEGMENT1_LOAD00000001.csv"]
        let sorted = keys.compactMap { DMSFileName(key: $0, relativeTo: "t/") }.sorted().map(\.key)
        #expect(sorted == ["t/SEGMENT1_LOAD00000001.csv", "t/p1/LOAD00000001.csv", "t/p1/LOAD00000002.csv", "t/p2/LOAD00000001.csv"])
    }
}

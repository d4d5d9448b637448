import Foundation
import LakeColumnar
import LakeObjectStore
import Testing
@testable import LakeCDC

/// DMS file inputs: positions carry the file and row, so equal (or earlier) commit times in a new
/// file land, and the same file again lands nothing.
@Suite struct FilePositionTests {
    static let table = TableID(schema: "public", table: "orders")

    static func csvFile(_ rows: [(id: Int, ts: String)], name: String? = nil) throws -> String {
        let dir = NSTemporaryDirectory() + "dms-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + (name ?? "LOAD\(UUID().uuidString.prefix(8)).csv")
        let text = "Op,ts,id,name\n" + rows.map { "I,\($0.ts),\($0.id),n\($0.id)\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func ingest(_ store: InMemoryStore, _ paths: [String]) async throws -> IngestSummary {
        let options = IngestOptions(lakeDescription: "memory://", format: .dmsCSV, table: table, key: ["id"],
                                    writer: ChangeWriterOptions(format: .csv, compression: .none, policy: BatchPolicy(maxRows: 1_000_000)),
                                    inputs: paths)
        return try await IngestRunner(store: store, options: options, encoder: ChangeFileEncoding.encode).run()
    }

    /// (id, _seq) of every committed row, in commit order.
    static func committed(_ store: InMemoryStore) async throws -> [(Int, String)] {
        try await IngestTests.committedRows(store, table).map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (Int(f[3]) ?? -1, f[2])
        }
    }

    @Test func newFilesWithEqualOrEarlierCommitTimesLandAndReplaysDoNot() async throws {
        let store = InMemoryStore()
        let t1 = "2024-06-01 10:00:00.000001", t2 = "2024-06-01 10:00:00.000002"
        let a = try Self.csvFile([(1, t1), (2, t2)])
        let b = try Self.csvFile([(3, t2), (4, t1)])
        #expect(try await Self.ingest(store, [a]).rowsCommitted == 2)
        // A later run: row 3 has the last committed commit time, row 4 an earlier one.
        #expect(try await Self.ingest(store, [b]).rowsCommitted == 2)
        let again = try await Self.ingest(store, [a, b])
        #expect(again.rowsCommitted == 0)
        #expect(again.eventsSkipped == 4)
        let rows = try await Self.committed(store)
        #expect(rows.map(\.0) == [1, 2, 3, 4])
        let seq = Dictionary(uniqueKeysWithValues: rows)
        // Commit time first, then input order among equal commit times (across runs).
        #expect(try #require(seq[1]) < #require(seq[4]))
        #expect(try #require(seq[4]) < #require(seq[2]))
        #expect(try #require(seq[2]) < #require(seq[3]))
        let last = try #require(try await ChangeLog(store: store, table: Self.table).lastEntry())
        let base = { (p: String) in String(p.split(separator: "/").last ?? "") }
        #expect(last.inputFiles?.keys.sorted() == [a, b].map { base($0) + ":\((try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? -1)" }.sorted())
        #expect(last.fileRows == 4)
    }

    @Test func changeLogFromBeforeFileIdentitiesStillResumes() async throws {
        let store = InMemoryStore()
        let a = try Self.csvFile([(1, "2024-06-01 10:00:00.000001"), (2, "2024-06-01 10:00:00.000002")])
        #expect(try await Self.ingest(store, [a]).rowsCommitted == 2)
        // Rewrite the entry as an older writer left it: a position, no file state.
        let log = ChangeLog(store: store, table: Self.table)
        let entry = try #require(try await log.lastEntry())
        #expect(entry.inputFiles != nil)
        let old = entry.withFileState(nil, rows: nil, legacyFloor: nil)
        try await store.put(log.key(old.number), bytes: old.encoded())
        let replay = try await Self.ingest(store, [a])
        #expect(replay.rowsCommitted == 0)
        #expect(replay.eventsSkipped == 2)
        // A new file after the old position lands, and from then on the log has file state.
        let b = try Self.csvFile([(3, "2024-06-01 10:00:00.000003")])
        #expect(try await Self.ingest(store, [b]).rowsCommitted == 1)
        let last = try #require(try await log.lastEntry())
        #expect(last.legacyFloor == entry.position)
        #expect(try await Self.ingest(store, [a, b]).rowsCommitted == 0)
    }

    /// `inputFiles` is bounded: DMS CDC-named files older than 7 days before the newest one leave
    /// the map, and are still skipped when ingested again; LOAD files stay.
    @Test func inputFilesKeepOnlyTheLateWindow() async throws {
        let store = InMemoryStore()
        let load = try Self.csvFile([(1, "2024-06-01 10:00:00")])
        let old = try Self.csvFile([(2, "2024-06-01 10:00:01")], name: "20240601-100001123.csv")
        let recent = try Self.csvFile([(3, "2024-06-09 10:00:00")], name: "20240609-100000456.csv")
        let late = try Self.csvFile([(4, "2024-06-05 10:00:00")], name: "20240605-100000000.csv")
        let tooLate = try Self.csvFile([(5, "2024-06-01 11:00:00")], name: "20240601-110000000.csv")
        #expect(try await Self.ingest(store, [load, old]).rowsCommitted == 2)
        #expect(try await Self.ingest(store, [recent]).rowsCommitted == 1)
        let log = ChangeLog(store: store, table: Self.table)
        let names = { (e: ChangeLogEntry) in (e.inputFiles ?? [:]).keys.map { String($0.split(separator: ":")[0]) }.sorted() }
        // The 8-days-older CDC file left the map; the LOAD file and the newest stayed.
        let base = { (p: String) in String(p.split(separator: "/").last ?? "") }
        #expect(names(try #require(try await log.lastEntry())) == [base(load), base(recent)].sorted())
        // Replays of every file, the dropped one included, land nothing.
        let replay = try await Self.ingest(store, [load, old, recent])
        #expect(replay.rowsCommitted == 0 && replay.eventsSkipped == 3)
        // A file 4 days late lands once; one more than 7 days late is taken as committed.
        #expect(try await Self.ingest(store, [late, tooLate]).rowsCommitted == 1)
        #expect(try await Self.ingest(store, [late]).rowsCommitted == 0)
        #expect(try await Self.committed(store).map(\.0).sorted() == [1, 2, 3, 4])
    }

    @Test func cdcNameTimes() {
        #expect(InputFileWindow.nameTime(identity: "20240612-103127367.csv:812") == 1_718_188_287_367_000)
        #expect(InputFileWindow.nameTime(identity: "20141029-1134010000.csv.gz:5") != nil)
        #expect(InputFileWindow.nameTime(identity: "LOAD00000001.csv:5") == nil)
        #expect(InputFileWindow.nameTime(identity: "20241329-103127367.csv:5") == nil)
        #expect(InputFileWindow.nameTime(identity: "orders.csv:5") == nil)
    }
}

import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import Testing

@testable import LakeMerge

/// `lakectl compact --deletion-vectors`: merge-on-read rounds (docs/MERGE.md, "Tables with deletion vectors").
@Suite("Compact with deletion vectors")
struct CompactDeletionVectorTests {
    static let schema = SchemaFile(columns: [Field("Op", .string), Field("id", .int32, nullable: false), Field("name", .string)],
                                   key: ["id"], op: "Op")

    func compact(_ store: InMemoryStore, deletionVectors: Bool) async throws -> CompactSummary {
        var options = CompactOptions()
        options.deletionVectors = deletionVectors
        let source = DMSSource(store: store, prefix: "dms/", fileSchema: Self.schema)
        return try await Compactor(table: DeltaTable(store: store, root: "t"), name: "s.t", source: source, options: options).run()
    }

    /// The table's rows as id → name, read by DeltaLog's scan (which applies deletion vectors).
    func rows(_ store: InMemoryStore) async throws -> [Int32: String] {
        let table = DeltaTable(store: store, root: "t")
        var out: [Int32: String] = [:]
        for batch in try await table.readRows(snapshot: try await table.snapshot()) {
            guard case .int32(let ids) = try #require(batch.column(named: "id")).storage else { Issue.record("id is not int32"); continue }
            let names = try #require(batch.column(named: "name"))
            for row in 0..<batch.rowCount {
                #expect(out[ids[row]] == nil, "id \(ids[row]) read twice")
                out[ids[row]] = names.displayText(at: row, type: .string)
            }
        }
        return out
    }

    /// The physical rows of the one file `original` names that its current deletion vector deletes.
    func deleted(_ store: InMemoryStore, path: String) async throws -> [UInt64]? {
        let table = DeltaTable(store: store, root: "t")
        let file = try #require(try await table.snapshot().files.first { $0.path == path })
        guard file.deletionVector != nil else { return nil }
        return try await table.deletedRows(of: file, physicalRows: try #require(file.parsedStats?.numRecords))
    }

    @Test("a few changed rows get a DV (unioned next round, kept by a table that enabled DVs); a heavy round rewrites the file")
    func mergeOnRead() async throws {
        let store = InMemoryStore()
        var expected: [Int32: String] = [:]
        var load = ""
        for id in Int32(0)..<100 { load += "I,\(id),n\(id)\n"; expected[id] = "n\(id)" }
        _ = try await store.put("dms/LOAD00000001.csv", bytes: Array(load.utf8))
        _ = try await compact(store, deletionVectors: true)
        let table = DeltaTable(store: store, root: "t")
        var snapshot = try await table.snapshot()
        #expect(snapshot.protocol.minReaderVersion == 3 && snapshot.protocol.minWriterVersion == 7)
        #expect(snapshot.protocol.readerFeatures?.contains("deletionVectors") == true)
        #expect(snapshot.configuration["delta.enableDeletionVectors"] == "true")
        let original = try #require(snapshot.files.first).path
        #expect(snapshot.files.count == 1)

        // Round 2: an update and a delete of old rows (positions = ids in the load order).
        _ = try await store.put("dms/20240101-000000001.csv", bytes: Array("U,5,five\nD,10,\n".utf8))
        let second = try await compact(store, deletionVectors: true)
        expected[5] = "five"
        expected[10] = nil
        #expect(second.rowsUpdated == 1 && second.rowsDeleted == 1 && second.rowsInserted == 0)
        #expect(second.deletionVectors == 1 && second.filesRemoved == 0)
        #expect(try await rows(store) == expected)
        #expect(try await deleted(store, path: original) == [5, 10])
        snapshot = try await table.snapshot()
        let dvFile = try #require(snapshot.files.first { $0.path == original })
        let stats = try JSONValue.parse(try #require(dvFile.stats))
        #expect(stats["tightBounds"] == .bool(false))
        #expect(dvFile.parsedStats?.numRecords == 100)
        #expect(snapshot.numRecords == 99)

        // Round 3, without the flag: the table has DVs enabled, so they are used; the DV is unioned.
        _ = try await store.put("dms/20240101-000000002.csv", bytes: Array("U,20,twenty\nI,200,new\n".utf8))
        let third = try await compact(store, deletionVectors: false)
        expected[20] = "twenty"
        expected[200] = "new"
        #expect(third.rowsUpdated == 1 && third.rowsInserted == 1 && third.deletionVectors == 1)
        #expect(try await rows(store) == expected)
        #expect(try await deleted(store, path: original) == [5, 10, 20])

        // Round 4: 30 more rows (33 of 100 dropped, above the fraction): the file is rewritten, no DV left.
        var heavy = ""
        for id in Int32(30)..<60 { heavy += "D,\(id),\n"; expected[id] = nil }
        _ = try await store.put("dms/20240101-000000003.csv", bytes: Array(heavy.utf8))
        let fourth = try await compact(store, deletionVectors: true)
        #expect(fourth.rowsDeleted == 30 && fourth.deletionVectors == 0)
        snapshot = try await table.snapshot()
        #expect(!snapshot.files.contains { $0.path == original })
        #expect(snapshot.files.allSatisfy { $0.deletionVector == nil })
        #expect(try await rows(store) == expected)
        let commit = try await table.readCommit(snapshot.version)
        let removes = commit.compactMap { if case .remove(let r) = $0 { r } else { nil } }
        #expect(removes.contains { $0.path == original && $0.deletionVector != nil })
    }

    @Test("without the flag a table gets no DVs and keeps its protocol")
    func defaultCopyOnWrite() async throws {
        let store = InMemoryStore()
        var load = ""
        for id in 0..<100 { load += "I,\(id),n\(id)\n" }
        _ = try await store.put("dms/LOAD00000001.csv", bytes: Array(load.utf8))
        _ = try await compact(store, deletionVectors: false)
        let before = try await DeltaTable(store: store, root: "t").snapshot().protocol
        _ = try await store.put("dms/20240101-000000001.csv", bytes: Array("U,5,five\n".utf8))
        let summary = try await compact(store, deletionVectors: false)
        #expect(summary.deletionVectors == 0 && summary.rowsUpdated == 1)
        let after = try await DeltaTable(store: store, root: "t").snapshot()
        #expect(after.protocol == before && after.configuration["delta.enableDeletionVectors"] == nil)
        #expect(after.files.allSatisfy { $0.deletionVector == nil })
    }
}

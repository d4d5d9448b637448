import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import Testing

@testable import LakeMerge

/// Schema evolution of `lakectl compact` (docs/MERGE.md, "Schema evolution").
@Suite("Schema evolution")
struct SchemaEvolutionTests {
    static let v1 = SchemaFile(columns: [Field("Op", .string), Field("id", .int32, nullable: false), Field("name", .string)],
                               key: ["id"], op: "Op")
    static let v2 = SchemaFile(columns: v1.columns + [Field("score", .int64)], key: ["id"], op: "Op")

    func compact(_ store: InMemoryStore, _ schema: SchemaFile) async throws -> CompactSummary {
        let table = DeltaTable(store: store, root: "tables/s/t")
        let source = DMSSource(store: store, prefix: "dms/", fileSchema: schema)
        return try await Compactor(table: table, name: "s.t", source: source, options: CompactOptions()).run()
    }

    /// Rows of a table version as `[id: [column: text]]` (nil: null), read by DeltaLog's scan.
    func rows(_ store: InMemoryStore, version: Int64? = nil) async throws -> (columns: [String], rows: [Int32: [String?]]) {
        let table = DeltaTable(store: store, root: "tables/s/t")
        let snapshot = try await table.snapshot(version: version)
        let schema = try snapshot.schema.columnarSchema()
        var out: [Int32: [String?]] = [:]
        for batch in try await table.readRows(snapshot: snapshot) {
            let idColumn = try #require(batch.column(named: "id"))
            guard case .int32(let ids) = idColumn.storage else { Issue.record("id is not int32"); continue }
            for row in 0..<batch.rowCount {
                out[ids[row]] = batch.columns.indices.map { c in
                    batch.columns[c].isNull(row) ? nil : batch.columns[c].displayText(at: row, type: batch.schema.fields[c].type)
                }
            }
        }
        return (schema.names, out)
    }

    @Test("new columns join the table in the data's commit; old rows read null; old versions keep the old schema")
    func addsColumns() async throws {
        let store = InMemoryStore()
        _ = try await store.put("dms/LOAD00000001.csv", bytes: Array("I,1,one\nI,2,two\n".utf8))
        let first = try await compact(store, Self.v1)
        let oldVersion = try #require(first.version)
        _ = try await store.put("dms/20240612-100000000.csv", bytes: Array("U,2,two-b,20\nI,3,three,30\n".utf8))
        let second = try await compact(store, Self.v2)
        #expect(second.version == oldVersion + 1)

        let now = try await rows(store)
        #expect(now.columns == ["id", "name", "score"])
        #expect(now.rows == [1: ["1", "one", nil], 2: ["2", "two-b", "20"], 3: ["3", "three", "30"]])
        let old = try await rows(store, version: oldVersion)
        #expect(old.columns == ["id", "name"])
        #expect(old.rows == [1: ["1", "one"], 2: ["2", "two"]])

        // The metadata keeps the table's identity and settings; the commit holds metaData, data and txn.
        let table = DeltaTable(store: store, root: "tables/s/t")
        let before = try await table.snapshot(version: oldVersion).metadata
        let after = try await table.snapshot().metadata
        #expect(after.id == before.id && after.partitionColumns == before.partitionColumns && after.configuration == before.configuration)
        let actions = try await table.readCommit(oldVersion + 1)
        #expect(actions.contains { if case .metadata = $0 { true } else { false } })
        #expect(actions.contains { if case .txn = $0 { true } else { false } })
    }

    @Test("a type change is refused naming the column and both types; nothing is committed")
    func typeChangeRefused() async throws {
        let store = InMemoryStore()
        _ = try await store.put("dms/LOAD00000001.csv", bytes: Array("I,1,one,1\n".utf8))
        let first = try await compact(store, Self.v2)
        _ = try await store.put("dms/20240612-100000000.csv", bytes: Array("I,2,two,2.5\n".utf8))
        let changed = SchemaFile(columns: Self.v1.columns + [Field("score", .float64)], key: ["id"], op: "Op")
        let error = await #expect(throws: MergeError.self) { try await compact(store, changed) }
        let message = try #require(error).message
        #expect(message.contains("'score'") && message.contains("long") && message.contains("double"))
        #expect(try await DeltaTable(store: store, root: "tables/s/t").latestVersion() == first.version)
    }

    @Test("a concurrent metadata change makes the evolving commit conflict")
    func concurrentMetadataConflicts() async throws {
        let store = InMemoryStore()
        _ = try await store.put("dms/LOAD00000001.csv", bytes: Array("I,1,one\n".utf8))
        _ = try await compact(store, Self.v1)
        let table = DeltaTable(store: store, root: "tables/s/t")
        let base = try await table.snapshot()

        var other = try await table.startTransaction(operation: "SET TBLPROPERTIES", snapshot: base)
        var otherMetadata = base.metadata
        otherMetadata.configuration["owner"] = "someone"
        other.newMetadata = otherMetadata
        _ = try await other.commit()

        var evolving = try await table.startTransaction(operation: "MERGE", snapshot: base)
        evolving.newMetadata = try Compactor.evolvedMetadata(base.metadata, adding: [Field("score", .int64)])
        evolving.setTransaction(appId: "test", version: 1)
        do {
            _ = try await evolving.commit()
            Issue.record("the commit should conflict with the concurrent metadata change")
        } catch let conflict as DeltaConflictError {
            #expect(conflict.kind == .metadataChanged)
        }
        // The compactor itself redoes its round against the new metadata and keeps both changes.
        _ = try await store.put("dms/20240612-100000000.csv", bytes: Array("I,2,two,20\n".utf8))
        _ = try await compact(store, Self.v2)
        let latest = try await table.snapshot()
        #expect(latest.metadata.configuration["owner"] == "someone")
        #expect(try latest.schema.columnarSchema().names == ["id", "name", "score"])
    }

    @Test("a zone-less timestamp matches the table's timestamp (stored as Delta timestamp); narrower types read into the table's; case-only renames and wider types are refused")
    func evolvedColumnRules() throws {
        let compactor = Compactor(table: DeltaTable(store: InMemoryStore()), name: "s.t",
                                  source: DMSSource(store: InMemoryStore(), prefix: "", fileSchema: nil), options: CompactOptions())
        let table = Schema([Field("id", .int64), Field("at", .timestamp(utc: true))])
        #expect(try compactor.evolvedColumns(table: table, changeFields: [Field("at", .timestamp(utc: false))]).isEmpty)
        let added = try compactor.evolvedColumns(table: table, changeFields: [Field("id", .int64), Field("seen", .timestamp(utc: false))])
        #expect(added == [Field("seen", .timestamp(utc: true), nullable: true)])
        #expect(throws: MergeError.self) { try compactor.evolvedColumns(table: table, changeFields: [Field("ID", .int64)]) }
        // A narrower change-file type reads into the table's type (no type change); a wider one is refused.
        #expect(try compactor.evolvedColumns(table: table, changeFields: [Field("id", .int32)]).isEmpty)
        #expect(throws: MergeError.self) { try compactor.evolvedColumns(table: table, changeFields: [Field("id", .float64)]) }
        let narrow = Schema([Field("id", .int32), Field("amt", .decimal(precision: 12, scale: 2))])
        #expect(throws: MergeError.self) { try compactor.evolvedColumns(table: narrow, changeFields: [Field("id", .int64)]) }
        #expect(try compactor.evolvedColumns(table: narrow, changeFields: [Field("amt", .decimal(precision: 8, scale: 2))]).isEmpty)
        #expect(throws: MergeError.self) { try compactor.evolvedColumns(table: narrow, changeFields: [Field("amt", .decimal(precision: 12, scale: 3))]) }
    }
}

import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import Testing

@testable import LakeMerge

@Suite("Deletion vectors in LakeMerge")
struct DeletionVectorMergeTests {
    static let schema = Schema([Field("id", .int64, nullable: false), Field("region", .string)])

    func ids(_ table: DeltaTable) async throws -> [Int64] {
        var out: [Int64] = []
        for batch in try await table.readRows(snapshot: try await table.snapshot()) {
            if case .int64(let v) = try #require(batch.column(named: "id")).storage { out += v }
        }
        return out.sorted()
    }

    @Test("optimize bin-packs a file with a DV without its deleted rows; the remove carries the DV")
    func optimizeDropsDeletedRows() async throws {
        let store = InMemoryStore()
        let table = try await DeltaTable.create(store: store, root: "t", schema: Self.schema, partitionColumns: ["region"])
        for part in 0..<3 {
            let ids = (0..<20).map { Int64(part * 100 + $0) }
            var regions = VarBytes()
            for _ in ids { regions.append("eu") }
            let batch = ColumnBatch(schema: Self.schema, columns: [Column(.int64(ids)), Column(.bytes(regions))], rowCount: ids.count)
            let adds = try await DataFileWriter(table: table, snapshot: try await table.snapshot()).write(batch)
            var txn = try await table.startTransaction(operation: "WRITE")
            txn.add(contentsOf: adds)
            try await txn.commit()
        }
        let file = try #require(try await table.snapshot().files.first)
        let firstIds = try await ids(table)
        let dv = try await DeletionVectorStore.write(rows: [0, 5, 19], store: store, tableRoot: "t", placement: .inline)
        var txn = try await table.startTransaction(operation: "DELETE")
        txn.remove(file, keepingWith: dv)
        try await txn.commit()
        let remaining = try await ids(table)
        #expect(Set(firstIds).subtracting(remaining).count == 3 && remaining.count == 57)

        let before = try await ids(table)
        let summary = try await Optimizer(table: table, name: "t", options: CompactOptions()).run()
        #expect(summary.filesRemoved == 3 && summary.filesAdded == 1)
        #expect(try await ids(table) == before)
        let after = try await table.snapshot()
        #expect(after.files.allSatisfy { $0.deletionVector == nil })
        #expect(after.numRecords == 57)
        let commit = try await table.readCommit(after.version)
        let removes = commit.compactMap { if case .remove(let r) = $0 { r } else { nil } }
        #expect(removes.contains { $0.path == file.path && $0.deletionVector == dv.json })
    }
}

import Foundation
import LakeColumnar
import LakeObjectStore
import Testing
@testable import DeltaLog

/// Tables whose files carry deletion vectors: scans drop the deleted rows, replay keys files by
/// (path, DV), checkpoints keep the descriptors, vacuum keeps the DV files still referenced.
@Suite struct DeletionVectorReadTests {
    static let schema = Schema([Field("id", .int64, nullable: false), Field("name", .string)])

    /// A table with one data file of ids 0..<count (two row groups when `rowGroupRows` is set).
    func tableWithFile(_ store: any ObjectStore, count: Int) async throws -> (DeltaTable, AddFile) {
        let table = try await DeltaTable.create(store: store, root: "t", schema: Self.schema)
        var names = VarBytes()
        for i in 0..<count { names.append("n\(i)") }
        let batch = ColumnBatch(schema: Self.schema, columns: [Column(.int64((0..<count).map(Int64.init))), Column(.bytes(names))],
                                rowCount: count)
        let adds = try await DataFileWriter(table: table, snapshot: try await table.snapshot()).write(batch)
        try await append(table, adds)
        return (table, try #require(adds.first))
    }

    /// Commits `file` re-added with a DV deleting `rows` (remove of the current entry + add).
    @discardableResult
    func deleteRows(_ table: DeltaTable, _ file: AddFile, _ rows: [UInt64], placement: DeletionVectorStore.Placement = .file) async throws -> AddFile {
        let dv = try await DeletionVectorStore.write(rows: rows, store: table.store, tableRoot: table.root, placement: placement)
        var txn = try await table.startTransaction(operation: "DELETE")
        let updated = txn.remove(file, keepingWith: dv)
        try await txn.commit()
        return updated
    }

    func ids(_ table: DeltaTable) async throws -> [Int64] {
        let snapshot = try await table.snapshot()
        var out: [Int64] = []
        for batch in try await table.readRows(snapshot: snapshot) {
            guard case .int64(let v) = try #require(batch.column(named: "id")).storage else { Issue.record("id not int64"); return [] }
            out += v
        }
        return out.sorted()
    }

    @Test func scanDropsDeletedRowsAndCountsLogicalRows() async throws {
        let (store, _) = temporaryStore()
        let (table, file) = try await tableWithFile(store, count: 50)
        let first = try await deleteRows(table, file, [0, 7, 49], placement: .inline)
        #expect(try await ids(table) == (0..<50).map(Int64.init).filter { ![0, 7, 49].contains($0) })
        var snapshot = try await table.snapshot()
        #expect(snapshot.numRecords == 47)
        #expect(snapshot.files.count == 1)
        // The remove of the plain file is a tombstone; the live entry carries the DV.
        #expect(snapshot.tombstones.count == 1)

        // A second DV (a superset, as writers do) replaces the first.
        try await deleteRows(table, first, [0, 7, 20, 49])
        snapshot = try await table.snapshot()
        #expect(snapshot.files.count == 1)
        #expect(snapshot.numRecords == 46)
        #expect(snapshot.tombstones.count == 2)
        #expect(try await ids(table) == (0..<50).map(Int64.init).filter { ![0, 7, 20, 49].contains($0) })
    }

    @Test func replayKeysLogicalFilesByPathAndDV() throws {
        var plain = sampleAdd("a.parquet", region: "eu")
        var withDV1 = plain
        withDV1.deletionVector = DeletionVectorDescriptor(storageType: .inline, pathOrInlineDv: "abcde", offset: nil, sizeInBytes: 4, cardinality: 1).json
        var withDV2 = plain
        withDV2.deletionVector = DeletionVectorDescriptor(storageType: .inline, pathOrInlineDv: "fghij", offset: nil, sizeInBytes: 4, cardinality: 2).json
        // The add of the new DV before the remove of the old one: the remove names another logical file.
        var replay = LogReplay()
        replay.apply([.add(plain)])
        replay.apply([.add(withDV1), .remove(plain.remove(deletionTimestamp: 1))])
        #expect(replay.files[plain.path]?.deletionVector == withDV1.deletionVector)
        replay.apply([.add(withDV2), .remove(withDV1.remove(deletionTimestamp: 2))])
        #expect(replay.files[plain.path]?.deletionVector == withDV2.deletionVector)
        #expect(replay.tombstones.count == 2)
        // A remove naming the live (path, DV) removes it.
        replay.apply([.remove(withDV2.remove(deletionTimestamp: 3))])
        #expect(replay.files.isEmpty)
        #expect(replay.tombstones.count == 3)
        // Re-adding the plain file clears only its own tombstone.
        plain.modificationTime += 1
        replay.apply([.add(plain)])
        #expect(replay.files.count == 1 && replay.tombstones.count == 2)
        #expect(withDV1.deletedRowCount == 1 && plain.deletedRowCount == 0)
    }

    @Test func checkpointKeepsDescriptors() async throws {
        let (store, _) = temporaryStore()
        let (table, file) = try await tableWithFile(store, count: 30)
        let first = try await deleteRows(table, file, [3], placement: .inline)
        let second = try await deleteRows(table, first, [3, 4, 5])
        let version = try await table.checkpoint()
        let reopened = DeltaTable(store: store, root: "t")
        let snapshot = try await reopened.snapshot()
        #expect(snapshot.checkpointVersion == version)
        let live = try #require(snapshot.files.first)
        #expect(try live.deletionVectorDescriptor() == second.deletionVectorDescriptor())
        #expect(snapshot.numRecords == 27)
        let removed = snapshot.tombstones.values.compactMap { try? $0.deletionVector.map(DeletionVectorDescriptor.init(json:)) }
        #expect(removed == [try #require(try first.deletionVectorDescriptor())])
        #expect(try await ids(reopened) == (0..<30).map(Int64.init).filter { ![3, 4, 5].contains($0) })
    }

    @Test func vacuumKeepsLiveDeletionVectorFiles() async throws {
        let (store, url) = temporaryStore()
        let (table, file) = try await tableWithFile(store, count: 20)
        let first = try await deleteRows(table, file, [1])
        let second = try await deleteRows(table, first, [1, 2])
        let oldDV = try #require(try first.deletionVectorDescriptor()?.relativePath())
        let liveDV = try #require(try second.deletionVectorDescriptor()?.relativePath())
        // A later "now" with no retention: the first DV is referenced only by an expired tombstone.
        let report = try await table.vacuum(retentionHours: 0, gracePeriod: 0, dryRun: false, now: Date().addingTimeInterval(86_400))
        #expect(report.files == [oldDV])
        #expect(!FileManager.default.fileExists(atPath: url.appendingPathComponent("t/" + oldDV).path))
        #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("t/" + liveDV).path))
        #expect(try await ids(table) == (0..<20).map(Int64.init).filter { ![1, 2].contains($0) })
    }

    @Test func rowGroupSplitsAndKeptRows() throws {
        #expect(try DeletedRows.perGroup([0, 4, 5, 9], groupSizes: [5, 0, 5], file: "f") == [[0, 4], [], [0, 4]])
        #expect(throws: DeltaLogError.self) { try DeletedRows.perGroup([10], groupSizes: [5, 5], file: "f") }
        #expect(DeletedRows.kept(count: 5, dropping: [0, 2, 4]) == [1, 3])
        #expect(DeletedRows.union([1, 3, 5], [2, 3, 6]) == [1, 2, 3, 5, 6])
    }

    @Test func deletionVectorsAreASupportedFeature() throws {
        let dv = DeltaProtocol(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors"], writerFeatures: ["deletionVectors"])
        try dv.checkReadable()
        try dv.checkWritable(configuration: ["delta.enableDeletionVectors": "true"])
    }
}

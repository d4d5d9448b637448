import Foundation
import LakeObjectStore
import Testing
@testable import DeltaLog

/// The Delta tables Spark and delta-rs wrote (../shared/testdata/delta-tables): every version
/// loads, and the live files agree between JSON-only replay and checkpoint-based loading.
@Suite struct SharedTablesTests {
    static var root: URL? {
        let here = URL(fileURLWithPath: #filePath)
        let url = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/testdata/delta-tables")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    static var tables: [String] {
        guard let root else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/_delta_log").path) }
    }

    @Test(arguments: tables)
    func everyVersionLoadsAndMatchesJSONReplay(name: String) async throws {
        let root = try #require(Self.root)
        let table = DeltaTable(store: LocalFolderStore(root: root), root: name)
        let latest = try #require(try await table.latestVersion())
        var replay = LogReplay()
        for version in 0...latest {
            replay.apply(try await table.readCommit(version))
            let expected = try replay.snapshot(version: version, timestamp: 0, checkpointVersion: nil, where: name)
            let snapshot = try await table.snapshot(version: version)
            #expect(snapshot.version == version)
            #expect(Set(snapshot.filesByPath.keys) == Set(expected.filesByPath.keys), "\(name) v\(version)")
            #expect(snapshot.metadata == expected.metadata)
            #expect(snapshot.protocol == expected.protocol)
            #expect(snapshot.transactions == expected.transactions)
            for file in snapshot.files { _ = try DeltaPaths.dataFileKey(tableRoot: name, logPath: file.path) }
            // Spark's (snappy, dictionary-encoded) checkpoints decode to the same state.
            let checkpointKey = table.key(DeltaPaths.checkpointKey(version))
            if try await table.store.exists(checkpointKey) {
                var fromCheckpoint = LogReplay()
                fromCheckpoint.apply(try CheckpointParquet.decode(try await table.store.get(checkpointKey)))
                let decoded = try fromCheckpoint.snapshot(version: version, timestamp: 0, checkpointVersion: version, where: name)
                // Checkpoint adds carry dataChange=false (Spark's convention); everything else is equal.
                func normalized(_ files: [String: AddFile]) -> [String: AddFile] {
                    files.mapValues { var file = $0; file.dataChange = false; return file }
                }
                #expect(normalized(decoded.filesByPath) == normalized(expected.filesByPath), "\(name) checkpoint \(version)")
                #expect(decoded.metadata == expected.metadata)
                #expect(decoded.protocol == expected.protocol)
                #expect(snapshot.checkpointVersion == version)
            }
        }
    }
}

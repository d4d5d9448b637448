import Foundation
import LakeObjectStore
import Testing
@testable import DeltaLog

@Suite struct ReplayTests {
    @Test func createAppendRemoveAndTimeTravel() async throws {
        let store = InMemoryStore()
        let table = try await makeTable(store, configuration: ["lakectl.primaryKey": "id"])
        let a = sampleAdd("a.parquet", region: "eu")
        let b = sampleAdd("b.parquet", region: nil)
        try await append(table, [a])
        try await append(table, [b])
        var txn = try await table.startTransaction(operation: "DELETE")
        txn.remove(try #require(txn.readSnapshot.filesByPath[a.path]))
        txn.readPredicate = .equals("region", .string("eu"))
        try await txn.commit()

        let latest = try await table.snapshot()
        #expect(latest.version == 3)
        #expect(latest.files.map(\.path) == [b.path])
        #expect(latest.tombstones[a.path] != nil)
        #expect(latest.configuration["lakectl.primaryKey"] == "id")
        #expect(latest.partitionColumns == ["region"])
        #expect(try await table.snapshot(version: 1).files.map(\.path) == [a.path])
        #expect(Set(try await table.snapshot(version: 2).files.map(\.path)) == [a.path, b.path])
        #expect(try await table.snapshot(version: 0).files.isEmpty)
        await #expect(throws: DeltaLogError.self) { try await table.snapshot(version: 4) }

        let history = try await table.history()
        #expect(history.map(\.version) == [3, 2, 1, 0])
        #expect(history.map(\.operation) == ["DELETE", "WRITE", "WRITE", "CREATE TABLE"])
        #expect(history[0].operationParameters["predicate"] == #"["region = 'eu'"]"#)
        #expect(history[0].engineInfo == "lakectl/0.1.0")
        #expect(history[1].isBlindAppend == true)

        // Every commit line is one action; commitInfo comes first.
        let raw = String(decoding: try await store.get("t/_delta_log/00000000000000000003.json"), as: UTF8.self)
        #expect(raw.hasPrefix(#"{"commitInfo":"#))
        #expect(raw.contains(#""remove":{"path":"\#(a.path)","deletionTimestamp":"#))
    }

    @Test func createTwiceFails() async throws {
        let store = InMemoryStore()
        _ = try await makeTable(store)
        await #expect { try await makeTable(store) } throws: { "\($0)".contains("already exists") }
    }

    @Test func timeTravelByTimestamp() async throws {
        let (store, _) = temporaryStore()
        let table = try await makeTable(store)
        try await Task.sleep(for: .milliseconds(30))
        try await append(table, [sampleAdd("a.parquet", region: "eu")])
        let s1 = try await table.snapshot()
        try await Task.sleep(for: .milliseconds(30))
        try await append(table, [sampleAdd("b.parquet", region: "eu")])
        let at1 = try await table.snapshot(timestamp: Date(timeIntervalSince1970: Double(s1.timestamp) / 1000 + 0.01))
        #expect(at1.version == 1)
        await #expect(throws: DeltaLogError.self) { try await table.snapshot(timestamp: Date(timeIntervalSince1970: 0)) }
    }

    @Test func checkpointRoundTripAndStaleHint() async throws {
        let store = InMemoryStore()
        let table = try await makeTable(store, configuration: ["delta.checkpointInterval": "5"])
        var expectedTxn: Int64 = 0
        for i in 1...12 {
            var txn = try await table.startTransaction(operation: "WRITE")
            txn.add(sampleAdd("f\(i).parquet", region: i % 3 == 0 ? nil : "r\(i % 2)"))
            if i > 1 { txn.remove(try #require(txn.readSnapshot.files.first)) }
            txn.setTransaction(appId: "app", version: Int64(i))
            expectedTxn = Int64(i)
            try await txn.commit()
        }
        #expect(try await store.exists("t/_delta_log/00000000000000000005.checkpoint.parquet"))
        #expect(try await store.exists("t/_delta_log/00000000000000000010.checkpoint.parquet"))
        let hint = try JSONValue.parse(try await store.get("t/_delta_log/_last_checkpoint"))
        #expect(hint["version"]?.int64Value == 10)
        #expect(hint["parts"] == nil)

        let viaCheckpoint = try await table.snapshot()
        #expect(viaCheckpoint.checkpointVersion == 10)
        // The same state replayed from JSON alone.
        var replay = LogReplay()
        for v in 0...12 { replay.apply(try await table.readCommit(Int64(v))) }
        let viaJSON = try replay.snapshot(version: 12, timestamp: 0, checkpointVersion: nil, where: "test")
        #expect(viaCheckpoint.filesByPath == viaJSON.filesByPath)
        #expect(viaCheckpoint.metadata == viaJSON.metadata)
        #expect(viaCheckpoint.protocol == viaJSON.protocol)
        #expect(viaCheckpoint.transactionVersion(appId: "app") == expectedTxn)
        #expect(Set(viaCheckpoint.tombstones.keys) == Set(viaJSON.tombstones.keys))
        let decoded = try CheckpointParquet.decode(try await store.get("t/_delta_log/00000000000000000010.checkpoint.parquet"))
        #expect(decoded.contains { if case .txn(let t) = $0 { t.version == 10 } else { false } })

        // A stale hint (pointing at 5) and a missing one both still give the latest state.
        try await store.put("t/_delta_log/_last_checkpoint", bytes: Array(#"{"version":5,"size":3}"#.utf8))
        #expect(try await table.snapshot().filesByPath == viaJSON.filesByPath)
        try await store.delete("t/_delta_log/_last_checkpoint")
        #expect(try await table.snapshot().filesByPath == viaJSON.filesByPath)
        #expect(try await table.snapshot(version: 7).version == 7)
        // A garbage hint is ignored too.
        try await store.put("t/_delta_log/_last_checkpoint", bytes: [])
        #expect(try await table.snapshot().version == 12)
        // With the JSON before the checkpoint gone, replay needs the checkpoint.
        for v in 0..<10 { try await store.delete("t/_delta_log/\(DeltaPaths.zeroPadded(Int64(v))).json") }
        #expect(try await table.snapshot().filesByPath == viaJSON.filesByPath)
        await #expect(throws: DeltaLogError.self) { try await table.snapshot(version: 3) }
    }

    @Test func corruptCheckpointFallsBackToJSON() async throws {
        let store = InMemoryStore()
        let table = try await makeTable(store)
        for i in 1...10 { try await append(table, [sampleAdd("f\(i).parquet", region: "x")]) }
        #expect(try await store.exists("t/_delta_log/00000000000000000010.checkpoint.parquet"))
        try await store.put("t/_delta_log/00000000000000000010.checkpoint.parquet", bytes: Array("PAR1garbagePAR1".utf8))
        let snapshot = try await table.snapshot()
        #expect(snapshot.files.count == 10)
        #expect(snapshot.checkpointVersion == nil)
    }

    @Test func gapInLogIsAnError() async throws {
        let store = InMemoryStore()
        let table = try await makeTable(store)
        for i in 1...3 { try await append(table, [sampleAdd("f\(i).parquet", region: "x")]) }
        try await store.delete("t/_delta_log/00000000000000000002.json")
        await #expect { try await table.snapshot() } throws: { "\($0)".contains("version 2") }
    }

    @Test func scanPrunesByPartitionAndStats() async throws {
        let store = InMemoryStore()
        let table = try await makeTable(store)
        try await append(table, [sampleAdd("a.parquet", region: "eu", ids: 1...10), sampleAdd("b.parquet", region: "us", ids: 11...20),
                                 sampleAdd("c.parquet", region: nil, ids: 21...30)])
        let s = try await table.snapshot()
        func names(_ p: ScanPredicate) throws -> [String] { try s.scan(p).map { String($0.path.split(separator: "/").last ?? "") } }
        #expect(try names(.equals("region", .string("eu"))) == ["a.parquet"])
        #expect(try names(.isNull("region")) == ["c.parquet"])
        #expect(try names(.isIn("region", [.string("us"), .null])).sorted() == ["b.parquet", "c.parquet"])
        #expect(try names(.range("id", lower: .int(15), upper: .int(22))).sorted() == ["b.parquet", "c.parquet"])
        #expect(try names(.range("id", lower: .int(20), lowerInclusive: false, upper: nil)) == ["c.parquet"])
        #expect(try names(.equals("id", .int(5))) == ["a.parquet"])
        #expect(try names(.and([.equals("id", .int(5)), .equals("region", .string("us"))])) == [])
        #expect(try names(.or([.equals("id", .int(5)), .equals("region", .string("us"))])).sorted() == ["a.parquet", "b.parquet"])
        // Unknown columns and incomparable values keep files.
        #expect(try s.scan(.equals("nope", .int(1))).count == 3)
    }

    @Test func vacuumDeletesOnlyUnreferencedOldFiles() async throws {
        let (store, _) = temporaryStore()
        let table = try await makeTable(store)
        for name in ["a.parquet", "b.parquet", "orphan.parquet"] {
            try await store.put("t/region=eu/\(name)", bytes: [1, 2, 3])
        }
        try await store.put("t/_hidden/x.parquet", bytes: [1])
        let a = sampleAdd("a.parquet", region: "eu"), b = sampleAdd("b.parquet", region: "eu")
        try await append(table, [a, b])
        var txn = try await table.startTransaction(operation: "DELETE")
        txn.remove(try #require(txn.readSnapshot.filesByPath[a.path]))
        try await txn.commit()
        // Within the grace period nothing goes.
        let early = try await table.vacuum(retentionHours: 0, gracePeriod: 3600, dryRun: true)
        #expect(early.files.isEmpty)
        let later = Date().addingTimeInterval(7200)
        let dry = try await table.vacuum(retentionHours: 0, gracePeriod: 3600, dryRun: true, now: later)
        #expect(dry.files == ["region=eu/a.parquet", "region=eu/orphan.parquet"])
        #expect(try await store.exists("t/region=eu/a.parquet"))
        // With the default retention (7 days) the recently removed file stays.
        let kept = try await table.vacuum(gracePeriod: 3600, dryRun: true, now: later)
        #expect(kept.files.isEmpty)
        let done = try await table.vacuum(retentionHours: 0, gracePeriod: 3600, dryRun: false, now: later)
        #expect(done.files.count == 2)
        #expect(!(try await store.exists("t/region=eu/a.parquet")))
        #expect(try await store.exists("t/region=eu/b.parquet"))
        #expect(try await store.exists("t/_hidden/x.parquet"))
        #expect(try await store.exists("t/_delta_log/00000000000000000000.json"))
    }
}

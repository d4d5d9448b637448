import Foundation
import LakeObjectStore
import Testing
@testable import DeltaLog

@Suite struct CheckpointTests {
    func sampleCheckpoint() async throws -> [UInt8] {
        let store = InMemoryStore()
        let table = try await makeTable(store, configuration: ["delta.checkpointInterval": "1000"])
        for i in 1...4 {
            var txn = try await table.startTransaction(operation: "WRITE")
            txn.add(sampleAdd("f\(i).parquet", region: i == 2 ? nil : "r\(i)"))
            if i == 4 { txn.remove(try #require(txn.readSnapshot.files.first)) }
            txn.setTransaction(appId: "a", version: Int64(i))
            try await txn.commit()
        }
        try await table.checkpoint()
        return try await store.get("t/_delta_log/00000000000000000004.checkpoint.parquet")
    }

    @Test func corruptCheckpointsThrowAndNeverCrash() async throws {
        let good = try await sampleCheckpoint()
        #expect(try CheckpointParquet.decode(good).count == 2 + 1 + 3 + 1)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<400 {
            var bad = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bad.count, using: &rng)
                bad[i] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? CheckpointParquet.decode(bad)
        }
        for length in stride(from: 0, to: good.count, by: max(1, good.count / 200)) {
            _ = try? CheckpointParquet.decode(Array(good.prefix(length)))
            var tail = Array(good.prefix(length))
            tail += Array(good.suffix(8))
            _ = try? CheckpointParquet.decode(tail)
        }
    }
}

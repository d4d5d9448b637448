import Foundation
import LakeObjectStore
import Testing
@testable import DeltaLog

/// Named concurrency scenarios: two transactions start from the same snapshot; the first commits,
/// then the second either lands at the next version or fails with a clear conflict.
@Suite struct ConflictTests {
    func twoTransactions() async throws -> (DeltaTable, Transaction, Transaction, Snapshot) {
        let table = try await makeTable(InMemoryStore())
        try await append(table, [sampleAdd("eu1.parquet", region: "eu"), sampleAdd("us1.parquet", region: "us")])
        let base = try await table.snapshot()
        return (table, try await table.startTransaction(operation: "WRITE", snapshot: base),
                try await table.startTransaction(operation: "WRITE", snapshot: base), base)
    }

    @Test func appendAppendBothSucceed() async throws {
        var (table, first, second, _) = try await twoTransactions()
        first.add(sampleAdd("x.parquet", region: "eu"))
        second.add(sampleAdd("y.parquet", region: "eu"))
        #expect(try await first.commit().version == 2)
        let result = try await second.commit()
        #expect(result.version == 3)
        #expect(result.retries == 1)
        #expect(try await table.snapshot().files.count == 4)
    }

    @Test func rewriteBesideAppendToAnotherPartitionBothSucceed() async throws {
        var (table, rewrite, appendTxn, base) = try await twoTransactions()
        let eu = try #require(base.files.first { $0.partitionValues["region"] == "eu" })
        rewrite.operation = "MERGE"
        rewrite.readPredicate = .equals("region", .string("eu"))
        rewrite.remove(eu)
        rewrite.add(sampleAdd("eu2.parquet", region: "eu"))
        appendTxn.add(sampleAdd("us2.parquet", region: "us"))
        // Append wins first; the rewrite of eu does not depend on us files.
        try await appendTxn.commit()
        #expect(try await rewrite.commit().version == 3)
        #expect(try await table.snapshot().files.count == 3)
    }

    @Test func appendLandsAfterARewriteOfAnotherPartition() async throws {
        var (_, rewrite, appendTxn, base) = try await twoTransactions()
        let eu = try #require(base.files.first { $0.partitionValues["region"] == "eu" })
        rewrite.readPredicate = .equals("region", .string("eu"))
        rewrite.remove(eu)
        appendTxn.add(sampleAdd("us2.parquet", region: "us"))
        try await rewrite.commit()
        #expect(try await appendTxn.commit().version == 3)
    }

    @Test func appendIntoTheRewrittenPartitionConflicts() async throws {
        var (_, rewrite, appendTxn, base) = try await twoTransactions()
        let eu = try #require(base.files.first { $0.partitionValues["region"] == "eu" })
        rewrite.readPredicate = .equals("region", .string("eu"))
        rewrite.remove(eu)
        appendTxn.add(sampleAdd("eu9.parquet", region: "eu"))
        try await appendTxn.commit()
        await #expect { try await rewrite.commit() } throws: { error in
            guard let conflict = error as? DeltaConflictError else { return false }
            return conflict.kind == .concurrentAppend && conflict.version == 2 && "\(conflict)".contains("help:")
        }
    }

    @Test func doubleDeleteConflicts() async throws {
        var (_, first, second, base) = try await twoTransactions()
        let eu = try #require(base.files.first)
        first.remove(eu)
        second.remove(eu, dataChange: false) // even a compaction may not remove it twice
        second.add(sampleAdd("compacted.parquet", region: "eu"))
        try await first.commit()
        await #expect { try await second.commit() } throws: { ($0 as? DeltaConflictError)?.kind == .concurrentDeleteDelete }
    }

    @Test func deleteOfAFileWeReadConflicts() async throws {
        var (_, deleter, reader, base) = try await twoTransactions()
        let eu = try #require(base.files.first { $0.partitionValues["region"] == "eu" })
        deleter.remove(eu)
        reader.readFiles = [eu.path]
        reader.add(sampleAdd("derived.parquet", region: "us"))
        try await deleter.commit()
        await #expect { try await reader.commit() } throws: { ($0 as? DeltaConflictError)?.kind == .concurrentDeleteRead }
    }

    @Test func metadataChangeConflicts() async throws {
        var (_, alter, writer, base) = try await twoTransactions()
        var metadata = base.metadata
        metadata.configuration["delta.appendOnly"] = "false"
        alter.newMetadata = metadata
        writer.add(sampleAdd("z.parquet", region: "eu"))
        try await alter.commit()
        await #expect { try await writer.commit() } throws: { ($0 as? DeltaConflictError)?.kind == .metadataChanged }
    }

    @Test func txnConflictsAndExactlyOnce() async throws {
        var (table, first, second, _) = try await twoTransactions()
        first.add(sampleAdd("b1.parquet", region: "eu"))
        first.setTransaction(appId: "pipeline", version: 7)
        second.add(sampleAdd("b1-again.parquet", region: "eu"))
        second.setTransaction(appId: "pipeline", version: 7)
        try await first.commit()
        await #expect { try await second.commit() } throws: { ($0 as? DeltaConflictError)?.kind == .concurrentTransaction }
        #expect(try await table.snapshot().transactionVersion(appId: "pipeline") == 7)
        // Another application's txn does not conflict.
        var other = try await table.startTransaction(operation: "WRITE", snapshot: try await table.snapshot(version: 1))
        other.setTransaction(appId: "other", version: 1)
        other.add(sampleAdd("o.parquet", region: "us"))
        #expect(try await other.commit().version == 3)
        let latest = try await table.snapshot()
        #expect(latest.transactionVersion(appId: "pipeline") == 7)
        #expect(latest.transactionVersion(appId: "other") == 1)
    }

    @Test func removingAFileThatIsNotLiveIsRefused() async throws {
        var (_, txn, _, _) = try await twoTransactions()
        txn.remove(sampleAdd("never-added.parquet", region: "eu"))
        await #expect(throws: DeltaLogError.self) { try await txn.commit() }
    }

    @Test func appendOnlyTablesRefuseRemoves() async throws {
        let table = try await makeTable(InMemoryStore(), configuration: ["delta.appendOnly": "true"])
        try await append(table, [sampleAdd("a.parquet", region: "eu")])
        var txn = try await table.startTransaction(operation: "DELETE")
        txn.remove(try #require(txn.readSnapshot.files.first))
        await #expect { try await txn.commit() } throws: { "\($0)".contains("append-only") }
    }
}

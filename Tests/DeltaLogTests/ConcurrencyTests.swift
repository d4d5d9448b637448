import Foundation
import LakeObjectStore
import Testing
@testable import DeltaLog

@Suite struct ConcurrencyTests {
    /// 8 committers race on one table while a reader polls: every version 1...N is written exactly
    /// once, no commit is lost, and the reader only ever sees whole commits.
    func race(store: any ObjectStore, root: String) async throws {
        let table = try await DeltaTable.create(store: store, root: root, schema: sampleSchema, partitionColumns: ["region"],
                                                configuration: ["delta.checkpointInterval": "7"])
        let writers = 8, commitsEach = 6
        let done = ManagedFlag()
        async let reader: Int = {
            var seen = 0
            while !done.value {
                if let snapshot = try? await table.snapshot() {
                    // Each commit adds exactly two files: a partial commit would show an odd count.
                    #expect(snapshot.files.count == Int(snapshot.version) * 2)
                    seen += 1
                }
            }
            return seen
        }()
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            for w in 0..<writers {
                group.addTask {
                    var versions: [Int64] = []
                    for c in 0..<commitsEach {
                        var txn = try await table.startTransaction(operation: "WRITE")
                        // Disjoint partitions per writer.
                        txn.add(sampleAdd("w\(w)-c\(c)-a.parquet", region: "w\(w)"))
                        txn.add(sampleAdd("w\(w)-c\(c)-b.parquet", region: "w\(w)"))
                        txn.setTransaction(appId: "writer-\(w)", version: Int64(c))
                        versions.append(try await txn.commit().version)
                    }
                    return versions
                }
            }
            var all: [Int64] = []
            for try await versions in group { all += versions }
            #expect(all.sorted() == Array(1...Int64(writers * commitsEach)))
        }
        done.value = true
        #expect(try await reader > 0)
        let snapshot = try await table.snapshot()
        #expect(snapshot.version == Int64(writers * commitsEach))
        #expect(snapshot.files.count == writers * commitsEach * 2)
        for w in 0..<writers { #expect(snapshot.transactionVersion(appId: "writer-\(w)") == Int64(commitsEach - 1)) }
    }

    @Test func eightCommittersOnTheLocalStore() async throws {
        let (store, url) = temporaryStore()
        defer { try? FileManager.default.removeItem(at: url) }
        try await race(store: store, root: "race")
    }

    @Test func thousandCommitsLoadAboutAsFastAsTen() async throws {
        let (store, url) = temporaryStore()
        defer { try? FileManager.default.removeItem(at: url) }
        func build(_ root: String, commits: Int) async throws -> DeltaTable {
            let table = try await DeltaTable.create(store: store, root: root, schema: sampleSchema, partitionColumns: ["region"])
            for v in 1...commits {
                // Written directly (the commit path is tested elsewhere); a checkpoint every 10 as a writer would.
                let add = sampleAdd("f\(v).parquet", region: "r\(v % 10)")
                var actions: [Action] = [.commitInfo(CommitInfo(timestamp: 0, operation: "WRITE")), .add(add)]
                if v > 20 { actions.append(.remove(sampleAdd("f\(v - 20).parquet", region: "r\(v % 10)").remove(deletionTimestamp: 1))) }
                try await store.putIfAbsent(table.key(DeltaPaths.commitKey(Int64(v))), bytes: Action.serializeCommit(actions))
                if v % 10 == 0 { try await table.checkpoint(version: Int64(v)) }
            }
            return table
        }
        let small = try await build("small", commits: 10)
        let large = try await build("large", commits: 1000)
        func time(_ table: DeltaTable) async throws -> Duration {
            _ = try await table.snapshot()
            var best = Duration.seconds(1000)
            for _ in 0..<5 {
                let start = ContinuousClock.now
                _ = try await table.snapshot()
                best = min(best, ContinuousClock.now - start)
            }
            return best
        }
        let smallTime = try await time(small)
        let largeTime = try await time(large)
        #expect(try await large.snapshot().files.count == 20)
        #expect(try await large.snapshot().checkpointVersion == 1000)
        #expect(largeTime <= smallTime * 2 + .milliseconds(2), "1000 commits: \(largeTime), 10 commits: \(smallTime)")
    }
}

/// A flag shared between tasks.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return flag }
        set { lock.lock(); flag = newValue; lock.unlock() }
    }
}

import Foundation
import LakeObjectStore

extension DeltaTable {
    /// Commits between checkpoints unless the table sets `delta.checkpointInterval` (Spark's default).
    public static let defaultCheckpointInterval: Int64 = 10

    /// Writes a classic single-file checkpoint of `version` (the latest when `nil`) and points
    /// `_last_checkpoint` at it. The checkpoint holds protocol, metaData, live adds, unexpired
    /// removes and txns; never commitInfo. Writing one that exists already is a no-op.
    @discardableResult
    public func checkpoint(version: Int64? = nil) async throws -> Int64 {
        let snapshot = try await self.snapshot(version: version)
        let actions = DeltaTable.checkpointActions(snapshot)
        let bytes = try CheckpointParquet.encode(actions)
        let checkpointKey = key(DeltaPaths.checkpointKey(snapshot.version))
        do {
            // Create-only: a checkpoint is immutable once written; a concurrent writer's copy is equally valid.
            try await store.putIfAbsent(checkpointKey, bytes: bytes)
        } catch let error as ObjectStoreError where error.code == .alreadyExists || error.code == .preconditionFailed {}
        // Never move `_last_checkpoint` backwards.
        if let current = await lastCheckpointHint(), current >= snapshot.version { return snapshot.version }
        let hint = JSONValue.object([
            ("version", .int(snapshot.version)),
            ("size", .int(actions.count)),
            ("sizeInBytes", .int(bytes.count)),
            ("numOfAddFiles", .int(snapshot.filesByPath.count)),
        ])
        try await store.put(key(DeltaPaths.lastCheckpointKey), bytes: Array(hint.serialized.utf8))
        return snapshot.version
    }

    /// The actions a checkpoint of `snapshot` holds, in a stable order.
    static func checkpointActions(_ snapshot: Snapshot) -> [Action] {
        let retentionHours = DeltaTable.retentionHours(configuration: snapshot.configuration)
        let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - Int64(retentionHours * 3_600_000)
        var actions: [Action] = [.protocol(snapshot.protocol), .metadata(snapshot.metadata)]
        actions += snapshot.transactions.keys.sorted().compactMap { snapshot.transactions[$0].map { .txn($0) } }
        actions += snapshot.files.map { .add($0) }
        actions += snapshot.tombstones.values
            .filter { ($0.deletionTimestamp ?? 0) > cutoff }
            .sorted { $0.path < $1.path }
            .map { .remove($0) }
        return actions
    }

    /// Reads the actions of the classic checkpoint of `version`.
    func readCheckpoint(version: Int64) async throws -> [Action] {
        let k = key(DeltaPaths.checkpointKey(version))
        let bytes = try await store.get(k)
        do {
            return try CheckpointParquet.decode(bytes)
        } catch {
            throw DeltaLogError("checkpoint \(k): \(error)")
        }
    }
}

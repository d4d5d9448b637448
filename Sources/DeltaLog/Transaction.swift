import Foundation
import LakeObjectStore

/// A concurrent commit made this transaction invalid. ``help`` says what to do.
public struct DeltaConflictError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public enum Kind: String, Sendable {
        case protocolChanged, metadataChanged, concurrentAppend, concurrentDeleteRead, concurrentDeleteDelete
        case concurrentTransaction, tooManyRetries
    }
    public var kind: Kind
    /// The winning version this transaction conflicted with.
    public var version: Int64
    public var message: String
    public var help: String

    public var description: String { "\(message) (conflicting commit: version \(version))\nhelp: \(help)" }
    public var errorDescription: String? { description }
}

/// The result of a successful commit.
public struct CommitResult: Sendable {
    /// The version written.
    public var version: Int64
    /// How many concurrent commits were checked and passed before this one landed.
    public var retries: Int
}

/// A set of changes committed atomically as one table version.
///
/// Build it from ``DeltaTable/startTransaction(operation:snapshot:)``: add and remove files, record
/// what was read (``readPredicate`` / ``readWholeTable`` / files removed), optionally a `txn`
/// version, then ``commit()``. The commit writes `_delta_log/<read+1>.json` with a create-only put;
/// when another writer took that version it re-reads the winning commits and retries at the next
/// version unless they conflict (the checks of delta-rs' `ConflictChecker`, in its order).
public struct Transaction: Sendable {
    public let table: DeltaTable
    /// The snapshot the transaction read.
    public let readSnapshot: Snapshot
    /// The `commitInfo.operation` (`WRITE`, `MERGE`, `DELETE`, `OPTIMIZE`, ...).
    public var operation: String
    /// `commitInfo.operationParameters` (the read predicate is added as `predicate`).
    public var parameters: [String: String] = [:]
    /// `commitInfo.operationMetrics`.
    public var metrics: [String: String] = [:]

    public private(set) var adds: [AddFile] = []
    public private(set) var removes: [RemoveFile] = []
    public private(set) var transactions: [SetTransaction] = []
    public var newMetadata: Metadata?
    public var newProtocol: DeltaProtocol?

    /// The rows this transaction's result depends on; a concurrent add matching it conflicts.
    public var readPredicate: ScanPredicate?
    /// Set when the transaction depends on the whole table (then any concurrent data change conflicts).
    public var readWholeTable = false
    /// Paths (log form) of live files this transaction read without removing them.
    public var readFiles: Set<String> = []

    /// How many lost races to tolerate before giving up.
    public var maxRetries = 100
    /// Whether to write a checkpoint when the committed version is a multiple of the checkpoint interval.
    public var checkpointAfterCommit = true

    init(table: DeltaTable, readSnapshot: Snapshot, operation: String) {
        self.table = table
        self.readSnapshot = readSnapshot
        self.operation = operation
    }

    /// Adds a data file.
    public mutating func add(_ file: AddFile) { adds.append(file) }
    public mutating func add(contentsOf files: [AddFile]) { adds.append(contentsOf: files) }

    /// Removes a live file (its path is copied byte for byte from the add).
    public mutating func remove(_ file: AddFile, dataChange: Bool = true) {
        removes.append(file.remove(deletionTimestamp: Transaction.nowMillis(), dataChange: dataChange))
    }

    /// Marks rows of a live file deleted without rewriting it: removes its current entry and adds it
    /// again with `deletionVector` (written with ``DeletionVectorStore/write(rows:store:tableRoot:placement:)``).
    /// Returns the new entry.
    @discardableResult
    public mutating func remove(_ file: AddFile, keepingWith deletionVector: DeletionVectorDescriptor) -> AddFile {
        remove(file)
        var updated = file
        updated.deletionVector = deletionVector.json
        updated.modificationTime = Transaction.nowMillis()
        add(updated)
        return updated
    }

    /// Records that this commit completes batch `version` of application `appId` (exactly once: a
    /// concurrent commit for the same `appId` conflicts).
    public mutating func setTransaction(appId: String, version: Int64) {
        transactions.removeAll { $0.appId == appId }
        transactions.append(SetTransaction(appId: appId, version: version, lastUpdated: Transaction.nowMillis()))
    }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    var isBlindAppend: Bool {
        removes.isEmpty && readPredicate == nil && !readWholeTable && readFiles.isEmpty && newMetadata == nil
            && adds.allSatisfy(\.dataChange)
    }

    func actions(timestamp: Int64) -> [Action] {
        var params = parameters
        if let readPredicate, params["predicate"] == nil { params["predicate"] = JSONValue.array([.string(readPredicate.description)]).serialized }
        var metrics = metrics
        if metrics.isEmpty {
            metrics["numAddedFiles"] = String(adds.count)
            metrics["numRemovedFiles"] = String(removes.count)
            var rows: Int64 = 0
            var known = true
            for add in adds { if let n = add.parsedStats?.numRecords, n >= 0 { rows += n } else { known = false } }
            if known { metrics["numOutputRows"] = String(rows) }
            metrics["numOutputBytes"] = String(adds.reduce(Int64(0)) { $0 + $1.size })
        }
        let info = CommitInfo(timestamp: timestamp, operation: operation, parameters: params, metrics: metrics,
                              readVersion: readSnapshot.version, isBlindAppend: isBlindAppend)
        var actions: [Action] = [.commitInfo(info)]
        if let newProtocol { actions.append(.protocol(newProtocol)) }
        if let newMetadata { actions.append(.metadata(newMetadata)) }
        actions += transactions.map { .txn($0) }
        actions += removes.map { .remove($0) }
        actions += adds.map { .add($0) }
        return actions
    }

    func validate() throws {
        // A logical file is (path, deletion vector): a commit may remove a file and re-add it with a
        // new DV, but adds (or removes) of one logical file may not repeat, nor may a plain file be
        // both added and removed.
        func logicalId(_ path: String, _ dv: JSONValue?) -> String { path + "\u{0}" + (dv?.serialized ?? "") }
        var seenAdds = Set<String>()
        var seenRemoves = Set<String>()
        for add in adds {
            guard seenAdds.insert(logicalId(add.path, add.deletionVector)).inserted else {
                throw DeltaLogError("a transaction may add \(add.path) only once")
            }
        }
        for remove in removes {
            guard seenRemoves.insert(logicalId(remove.path, remove.deletionVector)).inserted,
                  !seenAdds.contains(logicalId(remove.path, remove.deletionVector)) else {
                throw DeltaLogError("a transaction may add or remove \(remove.path) only once")
            }
        }
        for remove in removes where readSnapshot.filesByPath[remove.path] == nil {
            throw DeltaLogError("cannot remove \(remove.path): it is not a live file at version \(readSnapshot.version)")
        }
        let partitionColumns = (newMetadata ?? readSnapshot.metadata).partitionColumns
        for add in adds {
            for column in partitionColumns where add.partitionValues[column] == nil {
                throw DeltaLogError("file \(add.path) lacks a value for partition column \(column)")
            }
            if add.path.contains("://") || add.path.hasPrefix("/") || add.path.hasPrefix("_") {
                throw DeltaLogError("file \(add.path) must be a relative path inside the table, outside _-prefixed folders")
            }
        }
        if readSnapshot.configuration["delta.appendOnly"]?.lowercased() == "true", removes.contains(where: \.dataChange) {
            throw DeltaLogError("the table is append-only (delta.appendOnly=true): it cannot remove data files")
        }
    }

    /// Commits atomically. Returns the version written.
    /// - Throws: ``DeltaConflictError`` when a concurrent commit conflicts (nothing is written);
    ///   ``DeltaLogError`` for an invalid transaction; store errors.
    @discardableResult
    public func commit() async throws -> CommitResult {
        try validate()
        let timestamp = Transaction.nowMillis()
        let bytes = Action.serializeCommit(actions(timestamp: timestamp))
        let pruner = FilePruner(schema: (try? readSnapshot.schema.columnarSchema()) ?? .init([]),
                                partitionColumns: Set(readSnapshot.metadata.partitionColumns))
        var version = readSnapshot.version + 1
        var retries = 0
        while true {
            let key = table.key(DeltaPaths.commitKey(version))
            do {
                try await table.store.putIfAbsent(key, bytes: bytes)
                if checkpointAfterCommit { await maybeCheckpoint(version: version) }
                return CommitResult(version: version, retries: retries)
            } catch let error as ObjectStoreError where error.code == .alreadyExists || error.code == .preconditionFailed {
                // Lost the race for this version: check the winner, then try the next one.
            } catch let error as ObjectStoreError where error.code == .transient {
                // The put may have landed before the failure: the version is ours if it holds our bytes.
                if let existing = try? await table.store.get(key), existing == bytes {
                    if checkpointAfterCommit { await maybeCheckpoint(version: version) }
                    return CommitResult(version: version, retries: retries)
                }
                guard (try? await table.store.exists(key)) == true else { throw error }
            }
            retries += 1
            if retries > maxRetries {
                throw DeltaConflictError(kind: .tooManyRetries, version: version,
                                         message: "gave up after losing the commit race \(retries) times",
                                         help: "too many writers commit to this table at once; retry later or raise the retry limit")
            }
            let winner = try await table.readCommit(version)
            try checkConflicts(with: winner, version: version, pruner: pruner)
            version += 1
        }
    }

    /// The conflict rules, in delta-rs' order.
    func checkConflicts(with winner: [Action], version: Int64, pruner: FilePruner) throws {
        var winnerAdds: [AddFile] = []
        var winnerRemoves: [RemoveFile] = []
        var winnerTxns: [SetTransaction] = []
        for action in winner {
            switch action {
            case .protocol:
                throw DeltaConflictError(kind: .protocolChanged, version: version,
                                         message: "a concurrent commit changed the table's protocol",
                                         help: "reload the table and run the operation again")
            case .metadata:
                throw DeltaConflictError(kind: .metadataChanged, version: version,
                                         message: "a concurrent commit changed the table's schema or properties",
                                         help: "reload the table and run the operation again against the new metadata")
            case .add(let a): winnerAdds.append(a)
            case .remove(let r): winnerRemoves.append(r)
            case .txn(let t): winnerTxns.append(t)
            default: break
            }
        }
        let dependsOnReads = readWholeTable || readPredicate != nil || !readFiles.isEmpty || !removes.isEmpty
        if dependsOnReads {
            for add in winnerAdds where add.dataChange {
                let matches: Bool
                if readWholeTable { matches = true } else if let readPredicate { matches = pruner.mayMatch(readPredicate, file: add) } else { matches = false }
                if matches {
                    throw DeltaConflictError(kind: .concurrentAppend, version: version,
                                             message: "a concurrent commit added \(add.path), which this operation should have read",
                                             help: "rerun the operation; to let both succeed, restrict each to disjoint partitions")
                }
            }
        }
        let ourRemoves = Set(removes.map(\.path))
        for remove in winnerRemoves {
            if ourRemoves.contains(remove.path) {
                throw DeltaConflictError(kind: .concurrentDeleteDelete, version: version,
                                         message: "a concurrent commit also removed \(remove.path)",
                                         help: "another writer rewrote the same files; rerun the operation on the new version")
            }
            if remove.dataChange && (readFiles.contains(remove.path) || readWholeTable
                || (readPredicate.map { p in readSnapshot.filesByPath[remove.path].map { pruner.mayMatch(p, file: $0) } ?? false } ?? false)) {
                throw DeltaConflictError(kind: .concurrentDeleteRead, version: version,
                                         message: "a concurrent commit removed \(remove.path), which this operation read",
                                         help: "rerun the operation on the new version")
            }
        }
        let ourApps = Set(transactions.map(\.appId))
        for txn in winnerTxns where ourApps.contains(txn.appId) {
            throw DeltaConflictError(kind: .concurrentTransaction, version: version,
                                     message: "a concurrent commit recorded txn version \(txn.version) for application \(txn.appId)",
                                     help: "another writer with the same application id is running; re-read transaction_version(\(txn.appId)) and skip batches it already committed")
        }
    }

    /// Writes a checkpoint when the version is a positive multiple of the interval (Spark's rule:
    /// checkpoints at 10, 20, ...). Failures are ignored: checkpoints are an optimisation.
    func maybeCheckpoint(version: Int64) async {
        let interval = Int64(readSnapshot.configuration["delta.checkpointInterval"] ?? "") ?? DeltaTable.defaultCheckpointInterval
        guard interval > 0, version > 0, version % interval == 0 else { return }
        _ = try? await table.checkpoint(version: version)
    }
}

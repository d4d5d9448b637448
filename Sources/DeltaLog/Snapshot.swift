import Foundation
import LakeObjectStore

/// The state of a table at one version: protocol, metadata, live files, tombstones and the latest
/// `txn` version per application.
public struct Snapshot: Sendable {
    /// The table version this snapshot shows.
    public let version: Int64
    public let `protocol`: DeltaProtocol
    public let metadata: Metadata
    public let schema: DeltaSchema
    /// Live files keyed by their log path (a snapshot holds one logical file per path: a re-add of a
    /// path with a new deletion vector replaces the old one).
    public let filesByPath: [String: AddFile]
    /// Removed logical files not yet vacuumed, keyed by ``LogicalFile/key(path:deletionVector:)``
    /// (the path, plus the DV's unique id when the removed file had one).
    public let tombstones: [String: RemoveFile]
    /// The latest `txn` per `appId`.
    public let transactions: [String: SetTransaction]
    /// The commit's timestamp in milliseconds (in-commit timestamp, else the log file's modification time).
    public let timestamp: Int64
    /// The checkpoint the replay started from, if any.
    public let checkpointVersion: Int64?

    /// Live files, sorted by path.
    public let files: [AddFile]
    public var partitionColumns: [String] { metadata.partitionColumns }
    public var configuration: [String: String] { metadata.configuration }

    /// The last batch version `appId` committed, or `nil`.
    public func transactionVersion(appId: String) -> Int64? { transactions[appId]?.version }

    /// Total rows of the live files, when every file has statistics: each file's `numRecords`
    /// (its physical rows) minus the rows its deletion vector deletes.
    public var numRecords: Int64? {
        var total: Int64 = 0
        for file in filesByPath.values {
            guard let n = file.parsedStats?.numRecords, n >= 0 else { return nil }
            total += n - (file.deletedRowCount ?? 0)
        }
        return total
    }

    /// The live files that may hold rows matching `predicate` (partition values exactly, other
    /// columns by min/max statistics). With no predicate, every live file.
    public func scan(_ predicate: ScanPredicate? = nil) throws -> [AddFile] {
        guard let predicate else { return files }
        let columnar = try schema.columnarSchema()
        let pruner = FilePruner(schema: columnar, partitionColumns: Set(metadata.partitionColumns))
        return files.filter { pruner.mayMatch(predicate, file: $0) }
    }

    /// Whether `file` may hold rows matching `predicate` (partition values, then statistics).
    public func mayMatch(_ predicate: ScanPredicate, file: AddFile) throws -> Bool {
        let pruner = FilePruner(schema: try schema.columnarSchema(), partitionColumns: Set(metadata.partitionColumns))
        return pruner.mayMatch(predicate, file: file)
    }
}

/// Accumulates actions in log order into a snapshot.
struct LogReplay {
    var protocolAction: DeltaProtocol?
    var metadata: Metadata?
    var files: [String: AddFile] = [:]
    var tombstones: [String: RemoveFile] = [:]
    var transactions: [String: SetTransaction] = [:]

    mutating func apply(_ actions: [Action]) {
        for action in actions {
            switch action {
            case .protocol(let p): protocolAction = p
            case .metadata(let m): metadata = m
            // A logical file is (path, DV unique id): an add replaces whatever the path held; a remove
            // cancels the live entry only when it names the same DV (a commit that re-adds a path with a
            // new DV also removes the old (path, DV), in either order).
            case .add(let a):
                files[a.path] = a
                tombstones[LogicalFile.key(path: a.path, deletionVector: a.deletionVector)] = nil
            case .remove(let r):
                let key = LogicalFile.key(path: r.path, deletionVector: r.deletionVector)
                if let live = files[r.path], LogicalFile.key(path: live.path, deletionVector: live.deletionVector) == key {
                    files[r.path] = nil
                }
                tombstones[key] = r
            case .txn(let t): transactions[t.appId] = t
            case .commitInfo, .other: break
            }
        }
    }

    func snapshot(version: Int64, timestamp: Int64, checkpointVersion: Int64?, where location: String) throws -> Snapshot {
        guard let protocolAction else { throw DeltaLogError("\(location): no protocol action up to version \(version)") }
        guard let metadata else { throw DeltaLogError("\(location): no metaData action up to version \(version)") }
        try protocolAction.checkReadable()
        return Snapshot(version: version, protocol: protocolAction, metadata: metadata, schema: try metadata.schema(),
                        filesByPath: files, tombstones: tombstones, transactions: transactions, timestamp: timestamp,
                        checkpointVersion: checkpointVersion, files: files.values.sorted { $0.path < $1.path })
    }
}


/// The identity of a logical file in the log: its path plus its deletion vector's unique id.
public enum LogicalFile {
    /// `path`, or `path` + NUL + the DV's `uniqueId` (the raw JSON when the descriptor does not parse).
    public static func key(path: String, deletionVector: JSONValue?) -> String {
        guard let deletionVector, !deletionVector.isNull else { return path }
        let id = (try? DeletionVectorDescriptor(json: deletionVector))?.uniqueId ?? deletionVector.serialized
        return path + "\u{0}" + id
    }
}

extension AddFile {
    /// How many rows the file's deletion vector deletes (its `cardinality`), 0 without one, `nil`
    /// when the descriptor does not parse.
    public var deletedRowCount: Int64? {
        guard deletionVector != nil else { return 0 }
        return (try? deletionVectorDescriptor())?.cardinality
    }
}

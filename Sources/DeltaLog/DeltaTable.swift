import Foundation
import LakeColumnar
import LakeObjectStore

/// A Delta Lake table in an object store: a folder of Parquet files plus `_delta_log/`.
///
/// All operations go through the ``ObjectStore`` protocol, so the same table API works on a local
/// folder and on S3. Commits are atomic create-only puts of the next log file; see ``Transaction``.
public struct DeltaTable: Sendable {
    /// The store holding the table.
    public let store: any ObjectStore
    /// The table's folder inside the store (`""` for the store root), without a trailing slash.
    public let root: String

    /// Opens a table at `root` inside `store` (no I/O).
    public init(store: any ObjectStore, root: String = "") {
        self.store = store
        var root = root
        while root.hasSuffix("/") { root.removeLast() }
        while root.hasPrefix("/") { root.removeFirst() }
        self.root = root
    }

    /// The store key of a path relative to the table root.
    public func key(_ relative: String) -> String { DeltaPaths.join(root, relative) }

    var location: String { root.isEmpty ? store.description : "\(store.description)/\(root)" }

    // MARK: Creating

    /// Creates a table: writes version 0 with `protocol`, `metaData` and `commitInfo`.
    ///
    /// - Parameters:
    ///   - schema: the columns. `timestamp(utc: false)` columns become UTC `timestamp` unless
    ///     `allowTimestampNtz` is set, which raises the protocol to reader 3 / writer 7.
    ///   - partitionColumns: columns whose values name Hive-style folders.
    ///   - configuration: table properties, e.g. `lakectl.primaryKey` (comma-separated key columns),
    ///     `delta.checkpointInterval`.
    /// - Throws: ``DeltaLogError`` when the table already exists or the schema is invalid.
    @discardableResult
    public static func create(store: any ObjectStore, root: String = "", schema: Schema, partitionColumns: [String] = [],
                              configuration: [String: String] = [:], allowTimestampNtz: Bool = false,
                              name: String? = nil) async throws -> DeltaTable {
        let table = DeltaTable(store: store, root: root)
        let deltaSchema = try DeltaSchema(schema, allowTimestampNtz: allowTimestampNtz)
        for column in partitionColumns {
            guard let field = deltaSchema.field(named: column) else {
                throw DeltaLogError("partition column \(column) is not in the schema")
            }
            if case .complex = field.type { throw DeltaLogError("partition column \(column) has a nested type") }
        }
        if Set(partitionColumns).count != partitionColumns.count { throw DeltaLogError("a partition column is listed twice") }
        if partitionColumns.count == deltaSchema.fields.count && !partitionColumns.isEmpty {
            throw DeltaLogError("every column is a partition column; a table needs at least one data column")
        }
        if let keys = configuration["lakectl.primaryKey"] {
            for key in keys.split(separator: ",").map(String.init) where deltaSchema.field(named: key) == nil {
                throw DeltaLogError("primary key column \(key) is not in the schema")
            }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let proto: DeltaProtocol = deltaSchema.usesTimestampNtz ? .timestampNtz : .plain
        let metadata = Metadata(name: name, schemaString: deltaSchema.jsonString, partitionColumns: partitionColumns,
                                configuration: configuration, createdTime: now)
        var parameters = ["mode": "ErrorIfExists", "partitionBy": JSONValue.array(partitionColumns.map { .string($0) }).serialized]
        if !configuration.isEmpty { parameters["properties"] = JSONValue.stringMap(configuration).serialized }
        let info = CommitInfo(timestamp: now, operation: "CREATE TABLE", parameters: parameters, isBlindAppend: true)
        let bytes = Action.serializeCommit([.commitInfo(info), .protocol(proto), .metadata(metadata)])
        do {
            try await store.putIfAbsent(table.key(DeltaPaths.commitKey(0)), bytes: bytes)
        } catch let error as ObjectStoreError where error.code == .alreadyExists {
            throw DeltaLogError("a Delta table already exists at \(table.location) (its _delta_log has version 0)")
        }
        return table
    }

    // MARK: Listing the log

    struct LogListing {
        var commits: [Int64: ObjectMeta] = [:]
        var checkpoints: [Int64: ObjectMeta] = [:]
        var latestCommit: Int64? { commits.keys.max() }
    }

    func listLog(startAfterVersion: Int64? = nil) async throws -> LogListing {
        let prefix = key(DeltaPaths.logFolder)
        let startAfter = startAfterVersion.map { key(DeltaPaths.logFolder + DeltaPaths.zeroPadded($0)) }
        var listing = LogListing()
        for object in try await store.listAll(prefix: prefix, startAfter: startAfter) {
            let name = String(object.key.dropFirst(prefix.count))
            switch DeltaPaths.parseLogFile(name) {
            case .commit(let v): listing.commits[v] = object
            case .checkpoint(let v): listing.checkpoints[v] = object
            default: break
            }
        }
        return listing
    }

    /// The `_last_checkpoint` hint, or `nil` when missing or unreadable.
    func lastCheckpointHint() async -> Int64? {
        guard let bytes = try? await store.get(key(DeltaPaths.lastCheckpointKey)),
              let json = try? JSONValue.parse(bytes) else { return nil }
        return json["version"]?.int64Value
    }

    /// The newest committed version, or `nil` when the table does not exist.
    public func latestVersion() async throws -> Int64? {
        if let hint = await lastCheckpointHint(), try await store.exists(key(DeltaPaths.commitKey(hint))) {
            var version = hint
            while try await store.exists(key(DeltaPaths.commitKey(version + 1))) { version += 1 }
            return version
        }
        return try await listLog().latestCommit
    }

    // MARK: Snapshots

    /// The snapshot at `version` (the latest when `nil`).
    /// - Throws: ``DeltaLogError`` when the table does not exist, the version is missing (vacuumed
    ///   log, gap) or the log is malformed.
    public func snapshot(version: Int64? = nil) async throws -> Snapshot {
        // Fast path: start at the hinted checkpoint and read the commits after it until one is
        // missing — no listing, so load time does not grow with the length of the log.
        if let hint = await lastCheckpointHint(), version.map({ $0 >= hint }) ?? true,
           let snapshot = try? await snapshotFromCheckpoint(hint, target: version) {
            return snapshot
        }
        let listing = try await listLog()
        guard let latest = listing.latestCommit else {
            throw DeltaLogError("no Delta table at \(location): \(DeltaPaths.logFolder) has no commits")
        }
        let target = version ?? latest
        guard target >= 0, target <= latest else {
            throw DeltaLogError("version \(target) does not exist at \(location) (latest is \(latest))")
        }
        // Try checkpoints newest first; fall back to older ones, then to JSON from version 0.
        var candidates = listing.checkpoints.keys.filter { $0 <= target }.sorted(by: >)
        candidates.append(-1)
        var lastError: (any Error)? = nil
        for checkpoint in candidates {
            var replay = LogReplay()
            if checkpoint >= 0 {
                do {
                    replay.apply(try await readCheckpoint(version: checkpoint))
                } catch {
                    lastError = error
                    continue
                }
            }
            var missing: Int64? = nil
            for v in stride(from: checkpoint + 1, through: target, by: 1) where listing.commits[v] == nil {
                missing = v
                break
            }
            if let missing {
                if checkpoint >= 0 { continue }
                var message = "version \(missing) of \(location) is missing from \(DeltaPaths.logFolder) and no readable checkpoint covers it"
                if let lastError { message += " (checkpoint: \(lastError))" }
                throw DeltaLogError(message)
            }
            let commits = try await readCommits((checkpoint + 1)..<(target + 1))
            for actions in commits { replay.apply(actions) }
            let timestamp = try await commitTimestamp(version: target, actions: commits.last, meta: listing.commits[target])
            return try replay.snapshot(version: target, timestamp: timestamp, checkpointVersion: checkpoint >= 0 ? checkpoint : nil,
                                       where: location)
        }
        throw lastError ?? DeltaLogError("cannot load \(location) at version \(target)")
    }

    /// Replays checkpoint `checkpoint` plus the commits after it (up to `target`, or until the next
    /// version does not exist). `nil` when that cannot reach `target`.
    func snapshotFromCheckpoint(_ checkpoint: Int64, target: Int64?) async throws -> Snapshot? {
        var replay = LogReplay()
        replay.apply(try await readCheckpoint(version: checkpoint))
        var version = checkpoint
        var lastActions: [Action]? = nil
        var lastMeta: ObjectMeta? = nil
        while target.map({ version < $0 }) ?? true {
            guard let (actions, meta) = try await readCommitIfPresent(version + 1) else { break }
            replay.apply(actions)
            version += 1
            lastActions = actions
            lastMeta = meta
        }
        if let target, version != target { return nil }
        let timestamp: Int64
        if let lastMeta {
            timestamp = try await commitTimestamp(version: version, actions: lastActions, meta: lastMeta)
        } else if let meta = try? await store.head(key(DeltaPaths.commitKey(version))) {
            timestamp = try await commitTimestamp(version: version, actions: nil, meta: meta)
        } else {
            let meta = try await store.head(key(DeltaPaths.checkpointKey(version)))
            timestamp = Int64((meta.lastModified.timeIntervalSince1970 * 1000).rounded(.down))
        }
        return try replay.snapshot(version: version, timestamp: timestamp, checkpointVersion: checkpoint, where: location)
    }

    /// Reads a commit, or `nil` when it does not exist.
    func readCommitIfPresent(_ version: Int64) async throws -> ([Action], ObjectMeta)? {
        let k = key(DeltaPaths.commitKey(version))
        do {
            let result = try await store.get(k, range: nil)
            return (try Action.parseCommit(result.bytes, file: k), result.meta)
        } catch let error as ObjectStoreError where error.code == .notFound {
            return nil
        }
    }

    /// The snapshot of the newest version committed at or before `timestamp`.
    public func snapshot(timestamp: Date) async throws -> Snapshot {
        let wanted = Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
        let listing = try await listLog()
        guard let latest = listing.latestCommit else { throw DeltaLogError("no Delta table at \(location)") }
        var best: Int64? = nil
        for v in listing.commits.keys.sorted() {
            let ts = try await commitTimestamp(version: v, actions: nil, meta: listing.commits[v])
            if ts <= wanted { best = v } else { break }
        }
        guard let best else {
            let first = listing.commits.keys.min() ?? 0
            throw DeltaLogError("\(location) has no version at or before \(ISO8601DateFormatter().string(from: timestamp)) "
                + "(its earliest available version is \(first))")
        }
        _ = latest
        return try await snapshot(version: best)
    }

    /// The protocol's commit timestamp: the in-commit timestamp when present, else the log file's modification time.
    func commitTimestamp(version: Int64, actions: [Action]?, meta: ObjectMeta?) async throws -> Int64 {
        var actions = actions
        if actions == nil, meta == nil { actions = try await readCommit(version) }
        if let actions {
            for case .commitInfo(let info) in actions { if let ict = info.inCommitTimestamp { return ict } }
        }
        let objectMeta: ObjectMeta
        if let meta { objectMeta = meta } else { objectMeta = try await store.head(key(DeltaPaths.commitKey(version))) }
        return Int64((objectMeta.lastModified.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Reads and parses one commit file.
    public func readCommit(_ version: Int64) async throws -> [Action] {
        let k = key(DeltaPaths.commitKey(version))
        let bytes: [UInt8]
        do { bytes = try await store.get(k) } catch let error as ObjectStoreError where error.code == .notFound {
            throw DeltaLogError("version \(version) of \(location) does not exist")
        }
        return try Action.parseCommit(bytes, file: k)
    }

    /// Reads a range of commits concurrently, returned in version order.
    func readCommits(_ versions: Range<Int64>) async throws -> [[Action]] {
        if versions.isEmpty { return [] }
        let table = self
        return try await withThrowingTaskGroup(of: (Int64, [Action]).self) { group in
            var results = [[Action]](repeating: [], count: versions.count)
            var next = versions.lowerBound
            let parallelism = 16
            while next < versions.upperBound && next < versions.lowerBound + Int64(parallelism) {
                let v = next
                group.addTask { (v, try await table.readCommit(v)) }
                next += 1
            }
            while let (v, actions) = try await group.next() {
                results[Int(v - versions.lowerBound)] = actions
                if next < versions.upperBound {
                    let n = next
                    group.addTask { (n, try await table.readCommit(n)) }
                    next += 1
                }
            }
            return results
        }
    }

    // MARK: History

    /// One commit as `history` shows it.
    public struct HistoryEntry: Sendable {
        public var version: Int64
        /// `commitInfo.timestamp` (ms), else the file's modification time.
        public var timestamp: Int64
        public var operation: String?
        public var operationParameters: [String: String]
        public var operationMetrics: [String: String]
        public var engineInfo: String?
        public var readVersion: Int64?
        public var isBlindAppend: Bool?
        /// The whole commitInfo object (empty object when the commit has none).
        public var commitInfo: JSONValue
    }

    /// The commits, newest first (at most `limit`).
    public func history(limit: Int? = nil) async throws -> [HistoryEntry] {
        let listing = try await listLog()
        var versions = listing.commits.keys.sorted(by: >)
        if let limit { versions = Array(versions.prefix(limit)) }
        var entries: [HistoryEntry] = []
        for v in versions {
            let actions = try await readCommit(v)
            var info: CommitInfo? = nil
            for case .commitInfo(let c) in actions { info = c }
            let fallback = Int64(((listing.commits[v]?.lastModified.timeIntervalSince1970 ?? 0) * 1000).rounded(.down))
            entries.append(HistoryEntry(version: v, timestamp: info?.timestamp ?? fallback, operation: info?.operation,
                                        operationParameters: info?.operationParameters ?? [:],
                                        operationMetrics: info?.operationMetrics ?? [:], engineInfo: info?.engineInfo,
                                        readVersion: info?.readVersion, isBlindAppend: info?.isBlindAppend,
                                        commitInfo: info?.raw ?? .object([])))
        }
        return entries
    }

    // MARK: Transactions

    /// Starts a transaction on the latest version (or on `snapshot`).
    public func startTransaction(operation: String, snapshot: Snapshot? = nil) async throws -> Transaction {
        let base: Snapshot
        if let snapshot { base = snapshot } else { base = try await self.snapshot() }
        try base.protocol.checkWritable(configuration: base.configuration)
        // Column invariants (writer 2 to 6, or writer 7 with the `invariants` feature) and generated
        // columns (writer 4 to 6; at 7 the `generatedColumns` feature is refused above) are honoured
        // only when no column declares one: lakectl neither evaluates invariants nor computes
        // generation expressions, so writing would break the table's contract.
        let writer = base.protocol.minWriterVersion
        let schemaText = base.metadata.schemaString
        func column(with key: String) -> String {
            let name = (try? base.metadata.schema().fields.first { $0.metadata[key] != nil }?.name) ?? nil
            return name.map { " (column '\($0)')" } ?? ""
        }
        if (2...6).contains(writer) || base.protocol.writerFeatures?.contains("invariants") == true,
           schemaText.contains("delta.invariants") {
            throw DeltaLogError("the table has column invariants (delta.invariants)\(column(with: "delta.invariants")), which lakectl cannot enforce; it will not write to it")
        }
        if (4...6).contains(writer), schemaText.contains("delta.generationExpression") {
            throw DeltaLogError("the table has generated columns (delta.generationExpression)\(column(with: "delta.generationExpression")), which lakectl does not compute; it will not write to it")
        }
        return Transaction(table: self, readSnapshot: base, operation: operation)
    }
}

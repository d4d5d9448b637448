import Foundation

/// Settings of one `lakectl compact` job.
public struct CompactOptions: Sendable {
    /// `--key`: the primary key; else the table's `lakectl.primaryKey`, else the schema file's `key`.
    public var keyColumns: [String]?
    /// `--partition-by`, used when the job creates the table.
    public var partitionBy: [PartitionSpec] = []
    /// Target size of written files (in-memory bytes per file; Parquet files come out smaller).
    public var targetFileSize = 128 << 20
    /// Plan only: list what would be read and written, change nothing.
    public var dryRun = false
    /// `--explain KEY`: report how this key (comma-separated values for a composite key) resolved.
    public var explainKey: String?
    /// Table files read at once (cores).
    public var parallelism = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Memory budget of a round in bytes, independent of the table's size: a round takes change
    /// files up to a quarter of it (text expands into columns and the resolution comes on top; the
    /// rest waits for the next round of the same run); the streaming rewrite holds row groups worth
    /// at most half of it, writes row groups of budget/256 (1–8 MiB of rows) and sends files to the
    /// store in parts of budget/64 (1–64 MiB). See ``StreamLimits`` and docs/MERGE.md.
    public var memoryBudget: Int64 = 2 << 30
    /// Called with a short status line as a round progresses (the CLI draws it on a terminal).
    public var progress: (@Sendable (String) -> Void)?
    /// Times a round is redone after losing a commit race to another writer.
    public var maxRetries = 20
    /// `--deletion-vectors`: merge-on-read. Upgrades the table to deletion vectors (reader 3 / writer 7,
    /// `delta.enableDeletionVectors=true`) and gives a touched file that loses few rows a deletion
    /// vector instead of rewriting it. A table with `delta.enableDeletionVectors=true` uses them anyway.
    public var deletionVectors = false

    public init() {}
}

/// What one compact round did, printed per run and, with `--json`, as one JSON object.
public struct CompactSummary: Sendable, Codable {
    public var table: String
    /// The committed table version (`nil`: nothing committed).
    public var version: Int64?
    public var dryRun = false
    public var sourceFiles = 0
    public var sourceBytes: Int64 = 0
    public var changeRows = 0
    public var keys = 0
    public var rowsInserted = 0
    public var rowsUpdated = 0
    public var rowsDeleted = 0
    public var filesRead = 0
    public var bytesRead: Int64 = 0
    public var filesAdded = 0
    public var filesRemoved = 0
    public var bytesAdded: Int64 = 0
    public var bytesRemoved: Int64 = 0
    /// Touched files given a deletion vector instead of a rewrite.
    public var deletionVectors = 0
    /// Store requests the round made (dry run: would make), roughly: lists, gets, puts.
    public var requests = 0
    public var retries = 0
    /// Commits this run made (a run splits its work into rounds that fit the memory budget).
    public var rounds = 0
    public var seconds = 0.0
    /// `--explain` output lines.
    public var explain: [String]?
    /// `--dry-run`: the files the round would read.
    public var plannedSourceFiles: [String]?
    public var plannedTableFiles: [String]?
    public var message: String?
    /// Files were left for another round (memory budget).
    public var more = false

    public init(table: String) { self.table = table }

    /// The one-paragraph human summary.
    public var text: String {
        if dryRun {
            return "\(table): dry run: would apply \(sourceFiles) change file(s) (\(sourceBytes) bytes), read \(filesRead) table file(s) (\(bytesRead) bytes), about \(requests) store requests; nothing written"
        }
        guard let version else {
            return "\(table): \(message ?? "nothing to do") (\(String(format: "%.2f", seconds)) s)"
        }
        let dvs = deletionVectors > 0 ? ", \(deletionVectors) file(s) given a deletion vector" : ""
        return "\(table): version \(version): \(rowsInserted) inserted, \(rowsUpdated) updated, \(rowsDeleted) deleted from \(changeRows) changes in \(sourceFiles) file(s); files +\(filesAdded) -\(filesRemoved) (\(bytesAdded) bytes written, \(bytesRead) read)\(dvs) in \(String(format: "%.2f", seconds)) s"
            + (rounds > 1 ? " in \(rounds) rounds (memory budget)" : "")
            + (retries > 0 ? " after \(retries) retr\(retries == 1 ? "y" : "ies")" : "")
    }
}

extension CompactSummary {
    /// Adds a later round of the same run.
    mutating func add(_ later: CompactSummary) {
        version = later.version ?? version
        sourceFiles += later.sourceFiles
        sourceBytes += later.sourceBytes
        changeRows += later.changeRows
        keys += later.keys
        rowsInserted += later.rowsInserted
        rowsUpdated += later.rowsUpdated
        rowsDeleted += later.rowsDeleted
        filesRead += later.filesRead
        bytesRead += later.bytesRead
        filesAdded += later.filesAdded
        filesRemoved += later.filesRemoved
        bytesAdded += later.bytesAdded
        bytesRemoved += later.bytesRemoved
        deletionVectors += later.deletionVectors
        requests += later.requests
        retries += later.retries
        rounds += later.rounds
        more = later.more
        if later.explain != nil { explain = later.explain }
        message = later.message
    }
}

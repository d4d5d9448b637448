import DeltaLog
import LakeColumnar

/// Where a compact round gets its changes: an AWS DMS folder (``DMSSource``) or lakectl's own change
/// log (``ChangeLogSource``). A source knows which of its files the table has applied — from the
/// table's `txn` and commit records, so that knowledge commits atomically with the data.
public protocol ChangeSource: Sendable {
    /// The `txn` application id the table records this source's progress under.
    var appId: String { get }
    /// The source's location, for messages.
    var description: String { get }
    /// The changes not yet applied to `table` as of `snapshot` (`nil` snapshot: the table does not
    /// exist yet), or `nil` when there are none: the oldest files up to `maxBytes` of them (at least
    /// one file), so a round's memory stays within the budget; ``PendingChanges/more`` tells whether
    /// files were left for the next round.
    func pending(table: DeltaTable, snapshot: Snapshot?, name: String, maxBytes: Int64) async throws -> PendingChanges?
}

/// One reference to a change file.
public struct ChangeFileRef: Sendable, Hashable {
    public enum Format: Sendable, Hashable { case csv, parquet }
    public var key: String
    public var format: Format
    public var gzip: Bool
    /// zstd-compressed (`.csv.zst`, lakectl ingest's default for CSV change files).
    public var zstd: Bool

    public init(key: String, format: Format, gzip: Bool, zstd: Bool = false) {
        self.key = key
        self.format = format
        self.gzip = gzip
        self.zstd = zstd
    }
}

/// The not-yet-applied changes of a source.
public struct PendingChanges: Sendable {
    /// The files, in application order (for messages and dry runs).
    public var files: [String]
    public var bytes: Int64
    /// Columns for a new table (the change files' data columns), and the key the files declare.
    public var fields: [Field]
    public var key: [String]
    /// The `txn` version the commit records (the source's progress).
    public var txnVersion: Int64
    /// Entries for the commit's `commitInfo.operationParameters` (the source's progress details).
    public var parameters: [String: String]
    /// Whether the source holds more pending files than this round takes.
    public var more = false
    /// Reads the changes in the table's data schema.
    public var read: @Sendable (_ dataSchema: Schema, _ key: [String]) async throws -> ChangeSet

    public init(files: [String], bytes: Int64, fields: [Field], key: [String], txnVersion: Int64,
                parameters: [String: String], more: Bool,
                read: @escaping @Sendable (_ dataSchema: Schema, _ key: [String]) async throws -> ChangeSet) {
        self.files = files
        self.bytes = bytes
        self.fields = fields
        self.key = key
        self.txnVersion = txnVersion
        self.parameters = parameters
        self.more = more
        self.read = read
    }
}

/// The longest prefix of `sizes` whose sum stays within `maxBytes` (at least one element).
func prefixWithin(_ sizes: [Int64], maxBytes: Int64) -> Int {
    var total: Int64 = 0
    for (i, size) in sizes.enumerated() {
        total += size
        if total > maxBytes { return max(i, 1) }
    }
    return sizes.count
}

import DeltaLog
import LakeCDC
import LakeColumnar
import LakeObjectStore

/// lakectl's own change files (`lakectl ingest`): `<lake>/changes/<schema>/<table>/`, committed
/// through `_changelog/<number>.json` entries (see docs/CHANGE_FILES.md). Only files listed by an
/// entry exist. The table's `txn` version for this source is the last change-log number applied, so
/// a round reads the entries after it, and its commit records the newest one — atomically.
public struct ChangeLogSource: ChangeSource {
    public let store: any ObjectStore
    public let tableID: TableID

    public init(store: any ObjectStore, table: TableID) {
        self.store = store
        self.tableID = table
    }

    public var appId: String { "lakectl-compact:changes/\(tableID.schema)/\(tableID.table)" }
    public var description: String { "\(store.description)/\(tableID.changesPrefix)" }

    public func pending(table: DeltaTable, snapshot: Snapshot?, name: String, maxBytes: Int64) async throws -> PendingChanges? {
        let log = ChangeLog(store: store, table: tableID)
        let applied = snapshot?.transactionVersion(appId: appId)
        let all = try await log.entries(after: applied.map { UInt64(max(0, $0)) })
        let sizes = all.map { $0.files.reduce(Int64(0)) { $0 + Int64($1.bytes) } }
        let entries = Array(all.prefix(prefixWithin(sizes, maxBytes: maxBytes)))
        guard let last = entries.last else { return nil }
        guard last.number <= UInt64(Int64.max) else { throw MergeError("\(description): change-log number \(last.number) is out of range") }
        // The newest entry's schema is the widest (ingest only adds nullable columns or widens types).
        let schema = last.schema
        var refs: [ChangeFileRef] = []
        var bytes: Int64 = 0
        for entry in entries {
            for file in entry.files {
                bytes += Int64(file.bytes)
                switch (file.format, file.compression) {
                case ("parquet", _): refs.append(ChangeFileRef(key: file.path, format: .parquet, gzip: false))
                case ("csv", "none"): refs.append(ChangeFileRef(key: file.path, format: .csv, gzip: false))
                case ("csv", "gzip"): refs.append(ChangeFileRef(key: file.path, format: .csv, gzip: true))
                case ("csv", "zstd"): refs.append(ChangeFileRef(key: file.path, format: .csv, gzip: false, zstd: true))
                default:
                    throw MergeError("\(file.path): \(file.format) change files with \(file.compression) compression are not supported by compact; ingest with --compression zstd, gzip or none")
                }
            }
        }
        let fileSchema = SchemaFile(
            columns: [Field(ChangeColumns.op, .string), Field(ChangeColumns.commitTimestamp, .timestamp(utc: true)),
                      Field(ChangeColumns.sequence, .string)] + schema.dataFields,
            key: schema.key, op: ChangeColumns.op, timestamp: ChangeColumns.commitTimestamp, sequence: ChangeColumns.sequence)
        let reader = DMSSource(store: store, prefix: "", fileSchema: fileSchema)
        let files = refs
        return PendingChanges(
            files: refs.map(\.key), bytes: bytes, fields: schema.dataFields, key: schema.key,
            txnVersion: Int64(last.number),
            parameters: ["lakectl.changeLog": String(last.number), "source": description], more: entries.count < all.count,
            read: { dataSchema, key in try await reader.read(files, tableSchema: dataSchema, keyColumns: key) })
    }
}

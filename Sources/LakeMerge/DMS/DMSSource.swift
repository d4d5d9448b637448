import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet

/// Which DMS files a table has consumed, as recorded in the `commitInfo` of each compact commit
/// (`operationParameters["lakectl.dms"]`, a JSON string), in the same commit as the data.
///
/// The set is bounded: it lists every full-load file and the CDC files whose name time lies within
/// ``lateWindowTicks`` (7 days) of the newest consumed one. A CDC file named before that window and
/// not listed counts as consumed when its modification time (the object store's clock) is more than
/// ``modifiedMarginMillis`` before the newest consumed file's; entries newer than that are kept past
/// the window. So a file that lands late with an older name — however much older — is applied once:
/// it was modified after the files already consumed.
public struct DMSConsumedFiles: Sendable, Hashable {
    /// 7 days in the 100 µs ticks of ``DMSFileName/Kind/cdc(ticks:)``.
    public static let lateWindowTicks: Int64 = 7 * 86_400 * 10_000
    /// How long (ms) consumed CDC entries stay listed past the name window, measured on modification
    /// times: uploads overlap and some stores keep whole seconds, so a late file may carry a
    /// modification time a little before the newest consumed file's.
    public static let modifiedMarginMillis: Int64 = 3_600_000

    /// Keys relative to the DMS folder.
    public var files: Set<String> = []
    /// The newest CDC name time consumed.
    public var watermark: Int64 = Int64.min
    /// The newest modification time (ms since 1970, the store's clock) among consumed files; nil in
    /// records written before lakectl kept it (the name window alone decides then).
    public var modifiedWatermark: Int64?
    /// Modification times of the folder's files as listed this round (not recorded): which entries
    /// past the name window ``trim()`` may drop.
    var modified: [String: Int64] = [:]

    public init() {}

    /// Whether `name` was consumed; `lastModified` (ms) is the object's modification time.
    public func isConsumed(_ name: DMSFileName, relativeKey: String, lastModified: Int64? = nil) -> Bool {
        if files.contains(relativeKey) { return true }
        guard case .cdc(let ticks) = name.kind, watermark != Int64.min, ticks < watermark - Self.lateWindowTicks else { return false }
        // Named before the window and not listed: consumed, unless modified after the consumed files were.
        guard let newest = modifiedWatermark, let lastModified else { return true }
        return lastModified < newest - Self.modifiedMarginMillis
    }

    public mutating func insert(_ name: DMSFileName, relativeKey: String, lastModified: Int64? = nil) {
        files.insert(relativeKey)
        if case .cdc(let ticks) = name.kind { watermark = max(watermark, ticks) }
        if let lastModified {
            modified[relativeKey] = lastModified
            modifiedWatermark = max(modifiedWatermark ?? lastModified, lastModified)
        }
    }

    /// Drops CDC entries that fell out of the name window and whose modification time is older than
    /// the margin (they stay consumed through the watermarks).
    mutating func trim() {
        guard watermark != Int64.min else { return }
        files = files.filter { key in
            guard let name = DMSFileName(key: key), case .cdc(let ticks) = name.kind else { return true }
            if ticks >= watermark - Self.lateWindowTicks { return true }
            guard let newest = modifiedWatermark, let m = modified[key] else { return false }
            return m >= newest - Self.modifiedMarginMillis
        }
    }

    public var json: String {
        var copy = self
        copy.trim()
        var object: [String: Any] = ["watermark": copy.watermark == Int64.min ? NSNull() : NSNumber(value: copy.watermark),
                                     "files": copy.files.sorted()]
        if let m = copy.modifiedWatermark { object["modifiedWatermark"] = NSNumber(value: m) }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public init(json: String, source: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let files = object["files"] as? [String]
        else { throw MergeError("\(source): the consumed-files record in the table's commitInfo is malformed") }
        self.files = Set(files)
        watermark = (object["watermark"] as? NSNumber)?.int64Value ?? Int64.min
        modifiedWatermark = (object["modifiedWatermark"] as? NSNumber)?.int64Value
    }
}

/// An AWS DMS S3-target folder (`<schema>/<table>/`) as a change source; also the reader of
/// change files in general (lakectl's own change files are read through it too).
public struct DMSSource: ChangeSource {
    public let store: any ObjectStore
    /// The folder's key prefix inside `store`, ending in `/` (or empty).
    public let prefix: String
    public let fileSchema: SchemaFile?

    public init(store: any ObjectStore, prefix: String, fileSchema: SchemaFile?) {
        self.store = store
        var p = prefix
        while p.hasPrefix("/") { p.removeFirst() }
        if !p.isEmpty, !p.hasSuffix("/") { p += "/" }
        self.prefix = p
        self.fileSchema = fileSchema
    }

    public var appId: String { "lakectl-compact:dms:\(store.description)/\(prefix)" }
    public var description: String { "\(store.description)/\(prefix)" }

    /// The consumed-files record of this source at `snapshot`: it sits in the commit that set this
    /// source's `txn` version, found by searching back from the newest commits.
    func consumed(table: DeltaTable, snapshot: Snapshot, name: String) async throws -> DMSConsumedFiles {
        guard let version = snapshot.transactionVersion(appId: appId) else { return DMSConsumedFiles() }
        var limit = 16
        while true {
            let entries = try await table.history(limit: limit)
            for entry in entries where entry.version <= snapshot.version {
                let p = entry.operationParameters
                if p["lakectl.appId"] == appId, p["lakectl.txnVersion"] == String(version), let json = p["lakectl.dms"] {
                    return try DMSConsumedFiles(json: json, source: "\(name) version \(entry.version)")
                }
            }
            guard entries.count == limit, limit < 1 << 20 else {
                throw MergeError("\(name): the table's txn says \(appId) committed batch \(version), but no commit in the log records which files it consumed (log cleaned up?); cannot tell which DMS files are new")
            }
            limit *= 8
        }
    }

    public func pending(table: DeltaTable, snapshot: Snapshot?, name: String, maxBytes: Int64) async throws -> PendingChanges? {
        var done = DMSConsumedFiles()
        if let snapshot { done = try await consumed(table: table, snapshot: snapshot, name: name) }
        // Modification times the store does not report (0) are unknown: the name window alone decides.
        let listing = try await listFiles().map { f in (name: f.name, relativeKey: f.relativeKey, size: f.size, modified: f.modified > 0 ? f.modified : nil) }
        if done.modifiedWatermark == nil, done.watermark != Int64.min,
           let newest = listing.filter({ done.isConsumed($0.name, relativeKey: $0.relativeKey) }).compactMap(\.modified).max() {
            // A record from before modification times were kept: every file it counts as consumed
            // (listed or trimmed) was modified no later than the newest such file; later ones are new.
            done.modifiedWatermark = newest + DMSConsumedFiles.modifiedMarginMillis
        }
        let all = listing.filter { !done.isConsumed($0.name, relativeKey: $0.relativeKey, lastModified: $0.modified) }
        let pending = Array(all.prefix(prefixWithin(all.map(\.size), maxBytes: maxBytes)))
        guard let first = pending.first else { return nil }
        var record = done
        for file in listing { record.modified[file.relativeKey] = file.modified }  // nil: not kept past the window
        for file in pending { record.insert(file.name, relativeKey: file.relativeKey, lastModified: file.modified) }
        let txnVersion = (snapshot?.transactionVersion(appId: appId) ?? 0) + 1

        var fields = fileSchema?.dataFields ?? []
        if fileSchema == nil, snapshot == nil {
            if first.name.format == .parquet {
                // A Parquet file types its columns: the first file's (meta columns aside) make the table.
                fields = try await parquetFields(of: first.name.ref)
                guard !fields.isEmpty else { throw MergeError("\(first.name.key): has no data columns; pass --schema FILE") }
            } else {
                let header = try await headerNames(of: first.name.ref)
                fields = header.filter { !Self.headerMetaColumns.contains($0.lowercased()) && !DMSFileReader.isDefaultBeforeImage($0, among: header) }
                    .map { Field($0, .string) }
                guard !fields.isEmpty else { throw MergeError("\(first.name.key): has no header; pass --schema FILE") }
            }
        }
        if fileSchema == nil {
            // Without a schema file the headers name the columns (CSV: as strings; Parquet: in the
            // file's types): a column the table (or the first file) lacks — a mapping rule added
            // later — is a new column.
            fields += try await newHeaderColumns(pending.map(\.name.ref),
                                                 known: (try snapshot?.schema.columnarSchema().fields ?? []) + fields)
        }
        let refs = pending.map { $0.name.ref }
        let source = self
        return PendingChanges(
            files: pending.map { $0.relativeKey }, bytes: pending.reduce(0) { $0 + $1.size },
            fields: fields, key: fileSchema?.key ?? [], txnVersion: txnVersion,
            parameters: ["lakectl.dms": record.json, "source": description], more: pending.count < all.count,
            read: { schema, key in try await source.read(refs, tableSchema: schema, keyColumns: key) })
    }

    /// Every DMS data file in the folder (recursively: date folders, parallel-load folders), in
    /// application order. Objects under `_`-prefixed folders are ignored.
    public func listFiles() async throws -> [(name: DMSFileName, relativeKey: String, size: Int64, modified: Int64)] {
        var out: [(name: DMSFileName, relativeKey: String, size: Int64, modified: Int64)] = []
        for object in try await store.listAll(prefix: prefix) {
            let relative = String(object.key.dropFirst(prefix.count))
            if relative.split(separator: "/").contains(where: { $0.hasPrefix("_") }) { continue }
            guard let name = DMSFileName(key: object.key, relativeTo: prefix) else { continue }
            out.append((name, relative, object.size, Int64((object.lastModified.timeIntervalSince1970 * 1000).rounded(.down))))
        }
        return out.sorted { $0.name < $1.name }
    }

    /// Header columns that are neither the op/sequence columns nor in `known` (case-insensitively).
    static let headerMetaColumns: Set<String> = ["op", "_seq", "ar_h_change_seq", "$ar_h_change_seq"]

    /// The header columns of the CSV `files` (as strings) and the columns of the Parquet `files` (in
    /// their types) missing from `known` (case-insensitive), in order of first appearance. Reads each
    /// CSV file and each Parquet footer (headers are only used without a schema file).
    func newHeaderColumns(_ files: [ChangeFileRef], known: [Field]) async throws -> [Field] {
        var seen = Set(known.map { $0.name.lowercased() })
        var out: [Field] = []
        for file in files {
            let fields: [Field]
            switch file.format {
            case .csv:
                let header = try await headerNames(of: file)
                fields = header.filter { !Self.headerMetaColumns.contains($0.lowercased()) && !DMSFileReader.isDefaultBeforeImage($0, among: header) }
                    .map { Field($0, .string) }
            case .parquet:
                fields = try await parquetFields(of: file)
            }
            for field in fields where seen.insert(field.name.lowercased()).inserted { out.append(field) }
        }
        return out
    }

    /// The data columns of a DMS Parquet file (every column but the op and sequence columns), nullable,
    /// from its footer.
    func parquetFields(of file: ChangeFileRef) async throws -> [Field] {
        let reader: ParquetReader
        if file.gzip {
            reader = try await ParquetReader.open(InMemorySource(name: file.key, bytes: try await fileText(file)))
        } else {
            reader = try await ParquetReader.open(ObjectStoreSource(store: store, key: file.key))
        }
        let fields = try reader.schema().fields
        let names = fields.map(\.name)
        return fields.filter { !Self.headerMetaColumns.contains($0.name.lowercased()) && !DMSFileReader.isDefaultBeforeImage($0.name, among: names) }
            .map { Field($0.name, $0.type, nullable: true) }
    }

    /// The header of the first CSV file that has one, for deriving a table schema without a schema file.
    public func headerNames(of file: ChangeFileRef) async throws -> [String] {
        let text = try await fileText(file)
        var records = DMSCSVRecords(text: text)
        guard try records.next(source: file.key) else { return [] }
        return (0..<records.fields.count).map { records.string($0) }
    }

    func fileText(_ file: ChangeFileRef) async throws -> [UInt8] {
        let bytes = try await store.get(file.key)
        if file.zstd { return try Gzip.decompress(bytes, codec: .zstd, source: file.key) }
        guard file.gzip else { return bytes }
        return try Gzip.decompress(bytes, source: file.key)
    }

    /// Reads `files` into one change set in `tableSchema`, in the given order.
    public func read(_ files: [ChangeFileRef], tableSchema: Schema, keyColumns: [String]) async throws -> ChangeSet {
        if let fs = fileSchema, !fs.before.isEmpty, fs.before.count != keyColumns.count {
            throw MergeError("the schema file lists \(fs.before.count) before-image column(s) (\(fs.before.joined(separator: ", "))) but the key has \(keyColumns.count) (\(keyColumns.joined(separator: ", "))); list one before-image column per key column, in key order")
        }
        let reader = DMSFileReader(tableSchema: tableSchema, fileSchema: fileSchema, keyColumns: keyColumns)
        var parts = try await readParts(files, reader: reader, tableSchema: tableSchema, keyColumns: keyColumns)
        // DMS stamps full-load rows with the time each row was transferred, not a commit time, and
        // applies the changes committed meanwhile after the load: full-load rows order as having no
        // commit time (first), never after a change of their key.
        for (i, file) in files.enumerated() where i < parts.count && DMSFileName(key: file.key, relativeTo: prefix)?.isFullLoad == true {
            parts[i].commitTime = [Int64](repeating: ChangeSet.noTime, count: parts[i].commitTime.count)
        }
        var fileOrdinal: [Int32] = []
        var rowInFile: [Int32] = []
        for (i, part) in parts.enumerated() {
            fileOrdinal.append(contentsOf: repeatElement(Int32(i), count: part.rows.rowCount))
            rowInFile.append(contentsOf: (0..<part.rows.rowCount).map { Int32(truncatingIfNeeded: $0) })
        }
        let rows = try ColumnBatch.concatenating(parts.map(\.rows), schema: tableSchema)
        var beforeKeys: [Column]?
        if fileSchema?.before.isEmpty == false || parts.contains(where: { $0.beforeKeys != nil }) {
            var cols: [Column] = []
            for k in 0..<(fileSchema?.before.count ?? keyColumns.count) {
                let type = tableSchema.index(of: keyColumns[k]).map { tableSchema.fields[$0].type } ?? .string
                let pieces = parts.map { $0.beforeKeys?[k] ?? .nulls(type, count: $0.rows.rowCount) }
                guard let c = Column.concatenating(pieces, type: type) else { throw MergeError("before-image columns differ in type between files") }
                cols.append(c)
            }
            beforeKeys = cols
        }
        let single = parts.count == 1 ? parts.first : nil
        return ChangeSet(rows: rows, ops: single?.ops ?? parts.flatMap(\.ops), sequence: single?.sequence ?? parts.flatMap(\.sequence),
                         commitTime: single?.commitTime ?? parts.flatMap(\.commitTime), file: fileOrdinal, rowInFile: rowInFile,
                         beforeKeys: beforeKeys, sourceNames: files.map(\.key))
    }

    /// Files fetched and parsed at most ``filesInFlight`` at a time, in file order. On failure the
    /// error of the earliest failing file is thrown (as a one-at-a-time reading would).
    private func readParts(_ files: [ChangeFileRef], reader: DMSFileReader, tableSchema: Schema,
                           keyColumns: [String]) async throws -> [DMSFileReader.Part] {
        @Sendable func readPart(_ file: ChangeFileRef) async throws -> DMSFileReader.Part {
            switch file.format {
            case .csv:
                return try reader.read(text: try await fileText(file), source: "\(store.description)/\(file.key)")
            case .parquet:
                return try await readParquet(file, tableSchema: tableSchema, keyColumns: keyColumns)
            }
        }
        if files.count == 1 { return [try await readPart(files[0])] }
        var results = [Result<DMSFileReader.Part, any Error>?](repeating: nil, count: files.count)
        await withTaskGroup(of: (Int, Result<DMSFileReader.Part, any Error>).self) { group in
            var next = 0
            var failed = false
            while next < min(Self.filesInFlight, files.count) {
                let i = next
                group.addTask {
                    do { return (i, .success(try await readPart(files[i]))) } catch { return (i, .failure(error)) }
                }
                next += 1
            }
            while let (i, result) = await group.next() {
                results[i] = result
                if case .failure = result { failed = true }
                if !failed, next < files.count {
                    let j = next
                    group.addTask {
                        do { return (j, .success(try await readPart(files[j]))) } catch { return (j, .failure(error)) }
                    }
                    next += 1
                }
            }
        }
        // Files start in order, so every file before the earliest failure was read.
        var parts: [DMSFileReader.Part] = []
        parts.reserveCapacity(files.count)
        for result in results {
            guard let result else { break }
            parts.append(try result.get())
        }
        return parts
    }

    /// Change files read at once: small files gain most (a large CSV file already parses on every core).
    static let filesInFlight = 4

    /// A DMS Parquet file: columns matched by name; `Op`, timestamp and sequence columns as strings.
    func readParquet(_ file: ChangeFileRef, tableSchema: Schema, keyColumns: [String]) async throws -> DMSFileReader.Part {
        var bytes = try await store.get(file.key)
        if file.gzip { bytes = try Gzip.decompress(bytes, source: file.key) }
        let reader = try await ParquetReader.open(InMemorySource(name: file.key, bytes: bytes))
        let batches = try await reader.readBatches()
        guard let first = batches.first else {
            return DMSFileReader.Part(rows: ColumnBatch(schema: tableSchema, columns: tableSchema.fields.map { .nulls($0.type, count: 0) }, rowCount: 0),
                                      ops: [], sequence: [], commitTime: [], beforeKeys: nil)
        }
        let batch = try ColumnBatch.concatenating(batches, schema: first.schema)
        let n = batch.rowCount
        func find(_ name: String?) -> Int? {
            guard let name else { return nil }
            return batch.schema.fields.firstIndex { $0.name.lowercased() == name.lowercased() }
        }
        func texts(_ index: Int?) -> [String?] {
            guard let index else { return [String?](repeating: nil, count: n) }
            let col = batch.columns[index]
            let type = batch.schema.fields[index].type
            return (0..<n).map { col.isNull($0) ? nil : col.displayText(at: $0, type: type) }
        }
        let opTexts = texts(find(fileSchema?.op ?? "Op"))
        var ops: [ChangeOp] = []
        for (row, t) in opTexts.enumerated() {
            guard let t, !t.isEmpty else { ops.append(.insert); continue }
            guard let op = ChangeOp(letter: t) else { throw MergeError("\(file.key): row \(row + 1): unknown op '\(t)'") }
            ops.append(op)
        }
        let seqTexts = texts(fileSchema?.sequence.map { find($0) } ?? find("AR_H_CHANGE_SEQ") ?? find("$AR_H_CHANGE_SEQ") ?? find("_seq"))
        let sequence: [Int128] = try seqTexts.enumerated().map { row, t in
            guard let t, !t.isEmpty else { return ChangeSet.noSequence }
            guard let v = Array(t.utf8).withUnsafeBufferPointer(DMSFileReader.parseSequence) else {
                throw MergeError("\(file.key): row \(row + 1): sequence '\(t)' is not an integer")
            }
            return v
        }
        var commitTime = [Int64](repeating: ChangeSet.noTime, count: n)
        if let ti = find(fileSchema?.timestamp) {
            let col = batch.columns[ti]
            for row in 0..<n where !col.isNull(row) {
                if case .int64(let v) = col.storage, case .timestamp = batch.schema.fields[ti].type {
                    commitTime[row] = v[row]
                } else {
                    let t = col.displayText(at: row, type: batch.schema.fields[ti].type)
                    guard let micros = Array(t.utf8).withUnsafeBufferPointer(DMSFileReader.commitTime) else {
                        throw MergeError("\(file.key): row \(row + 1): commit timestamp '\(t)' is not yyyy-MM-dd HH:mm:ss.SSSSSS")
                    }
                    commitTime[row] = micros
                }
            }
        }
        var columns: [Column] = []
        for field in tableSchema.fields {
            guard let i = find(field.name) else { columns.append(.nulls(field.type, count: n)); continue }
            columns.append(try convert(batch.columns[i], from: batch.schema.fields[i].type, to: field.type, context: "\(file.key) column \(field.name)"))
        }
        // As in CSV files: every change needs its key (a NULL key would match no row, or all of them).
        for key in keyColumns {
            guard let c = tableSchema.index(of: key) else { throw MergeError.missingKeyColumn(key, context: file.key) }
            guard n == 0 || find(key) != nil else { throw MergeError("\(file.key): has no column for key '\(key)'") }
            if let row = (0..<n).first(where: { columns[c].isNull($0) }) {
                throw MergeError("\(file.key): row \(row + 1): key column '\(key)' is NULL; every change needs its key")
            }
        }
        var beforeKeys: [Column]?
        // The schema file's before-image columns, else DMS's default names `BI_<key column>`.
        let beforeNames = fileSchema?.before ?? keyColumns.map { "BI_" + $0 }
        if fileSchema?.before.isEmpty == false || (fileSchema == nil && beforeNames.contains { find($0) != nil }) {
            beforeKeys = try beforeNames.enumerated().map { k, name in
                let type = tableSchema.index(of: keyColumns[k]).map { tableSchema.fields[$0].type } ?? .string
                guard let i = find(name) else { return .nulls(type, count: n) }
                return try convert(batch.columns[i], from: batch.schema.fields[i].type, to: type, context: "\(file.key) column \(name)")
            }
        }
        return DMSFileReader.Part(rows: ColumnBatch(schema: tableSchema, columns: columns, rowCount: n), ops: ops,
                                  sequence: sequence, commitTime: commitTime, beforeKeys: beforeKeys)
    }

    /// Whether values stored alike also mean the same: decimals of one scale (into an equal or wider
    /// precision), dates only as dates, and not text into binary (binary is hex in text).
    static func sameMeaning(_ from: DataType, _ to: DataType) -> Bool {
        switch (from, to) {
        case let (.decimal(p1, s1), .decimal(p2, s2)): return s1 == s2 && p1 <= p2
        case (.date, .date): return true
        case (.date, _), (_, .date): return false
        case (.string, .binary): return false
        default: return true
        }
    }

    /// A Parquet column in the table's type: as is when the storage matches, else through its text.
    func convert(_ column: Column, from: DataType, to: DataType, context: String) throws -> Column {
        if from == to || (from.storageKind == to.storageKind && Self.sameMeaning(from, to)) {
            return column
        }
        var builder = ColumnBuilder(type: to, capacity: column.count)
        for row in 0..<column.count {
            if column.isNull(row) { builder.appendNull(); continue }
            let text = column.displayText(at: row, type: from)
            let ok = Array(text.utf8).withUnsafeBufferPointer { builder.appendText($0, options: .dms) }
            guard ok else { throw MergeError("\(context): '\(text)' is not a \(to)") }
        }
        return builder.finish()
    }
}

import Foundation
import LakeColumnar
import LakeObjectStore

/// One change file listed by a change-log entry.
public struct ChangeFile: Sendable, Hashable {
    /// The file's key relative to the lake root (`changes/<schema>/<table>/...`).
    public var path: String
    public var rows: Int
    public var bytes: Int
    /// `parquet` or `csv`.
    public var format: String
    /// `zstd`, `gzip` or `none`.
    public var compression: String

    public init(path: String, rows: Int, bytes: Int, format: String, compression: String) {
        self.path = path
        self.rows = rows
        self.bytes = bytes
        self.format = format
        self.compression = compression
    }
}

/// One committed flush of a table: `changes/<schema>/<table>/_changelog/<20-digit number>.json`.
/// Readers consider only files listed by entries; see docs/CHANGE_FILES.md.
public struct ChangeLogEntry: Sendable, Hashable {
    public var number: UInt64
    public var table: TableID
    public var files: [ChangeFile]
    /// The files' schema: `Op`, `_commit_ts`, `_seq`, then the data columns, plus the key.
    public var schema: SchemaFile
    public var rows: Int
    /// The first and last `_seq` of the rows (nil for a truncate-only entry).
    public var firstSeq: ChangeSeq?
    public var lastSeq: ChangeSeq?
    /// The position reached: the highest `_seq` committed for the table (rows and truncates).
    public var position: ChangeSeq?
    /// Set when the table was truncated at `position`, after this entry's files.
    public var truncate: Bool
    /// Where the last committed change came from (input name and line), for people.
    public var input: String?
    public var line: Int?
    /// ISO-8601 commit time and the writer's identity.
    public var committedAt: String
    public var writer: String
    /// File inputs (DMS CSV/Parquet): every input file committed so far for the table, by identity
    /// (`<base name>:<size>`), with the last committed row number of it (cumulative over entries).
    /// nil when the table's changes came from a stream.
    public var inputFiles: [String: Int]?
    /// File inputs: how many file rows the table has accepted so far (the `M` of the next one's `_seq`).
    public var fileRows: UInt64?
    /// File inputs over a change log written before `inputFiles` existed: the position it had
    /// reached; file rows at or below it are taken as committed (the old rule).
    public var legacyFloor: ChangeSeq?

    public init(number: UInt64, table: TableID, files: [ChangeFile], schema: SchemaFile, rows: Int,
                firstSeq: ChangeSeq?, lastSeq: ChangeSeq?, position: ChangeSeq?, truncate: Bool,
                input: String? = nil, line: Int? = nil, committedAt: String, writer: String) {
        self.number = number
        self.table = table
        self.files = files
        self.schema = schema
        self.rows = rows
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.position = position
        self.truncate = truncate
        self.input = input
        self.line = line
        self.committedAt = committedAt
        self.writer = writer
    }

    /// Adds the file-input state (see `inputFiles`).
    func withFileState(_ files: [String: Int]?, rows: UInt64?, legacyFloor: ChangeSeq?) -> ChangeLogEntry {
        var e = self
        e.inputFiles = files
        e.fileRows = rows
        e.legacyFloor = legacyFloor
        return e
    }

    /// The entry's JSON (keys sorted, so equal entries give equal bytes).
    public func encoded() -> [UInt8] {
        var o: [String: Any] = [
            "version": 1,
            "number": number,
            "table": ["schema": table.schema, "table": table.table],
            "files": files.map { ["path": $0.path, "rows": $0.rows, "bytes": $0.bytes, "format": $0.format, "compression": $0.compression] as [String: Any] },
            "schema": schema.jsonObject,
            "rows": rows,
            "truncate": truncate,
            "committedAt": committedAt,
            "writer": writer,
        ]
        if let firstSeq { o["firstSeq"] = firstSeq.description }
        if let lastSeq { o["lastSeq"] = lastSeq.description }
        if let position { o["position"] = position.description }
        if let input { o["input"] = input }
        if let line { o["line"] = line }
        if let inputFiles { o["inputFiles"] = inputFiles }
        if let fileRows { o["fileRows"] = fileRows }
        if let legacyFloor { o["legacyFloor"] = legacyFloor.description }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        return Array(data)
    }

    /// Parses an entry; `key` names it in errors.
    public static func decode(_ bytes: [UInt8], key: String) throws -> ChangeLogEntry {
        func bad(_ what: String) -> IngestError { IngestError(.io, "change-log entry \(key) is corrupt: \(what)") }
        guard let o = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { throw bad("not a JSON object") }
        guard let number = (o["number"] as? NSNumber)?.uint64Value else { throw bad("no number") }
        guard let t = o["table"] as? [String: Any], let s = t["schema"] as? String, let n = t["table"] as? String else { throw bad("no table") }
        guard let schemaObject = o["schema"] as? [String: Any] else { throw bad("no schema") }
        let schema: SchemaFile
        do { schema = try SchemaFile.parse(jsonObject: schemaObject, source: key) } catch { throw bad("schema: \(error.message)") }
        var files: [ChangeFile] = []
        for f in (o["files"] as? [[String: Any]]) ?? [] {
            guard let path = f["path"] as? String else { throw bad("a file without a path") }
            files.append(ChangeFile(path: path, rows: (f["rows"] as? Int) ?? 0, bytes: (f["bytes"] as? Int) ?? 0,
                                    format: (f["format"] as? String) ?? "parquet", compression: (f["compression"] as? String) ?? "none"))
        }
        func seq(_ k: String) throws -> ChangeSeq? {
            guard let text = o[k] as? String else { return nil }
            guard let s = ChangeSeq(text) else { throw bad("\(k) \(text) is not a position") }
            return s
        }
        var files_: [String: Int]?
        if let raw = o["inputFiles"] {
            guard let m = raw as? [String: Any] else { throw bad("inputFiles is not an object") }
            var out: [String: Int] = [:]
            for (k, v) in m {
                guard let n = (v as? NSNumber)?.intValue, n >= 0 else { throw bad("inputFiles[\(k)] is not a row number") }
                out[k] = n
            }
            files_ = out
        }
        var fileRows: UInt64?
        if let raw = o["fileRows"] {
            guard let n = (raw as? NSNumber)?.uint64Value else { throw bad("fileRows is not a count") }
            fileRows = n
        }
        let entry = ChangeLogEntry(number: number, table: TableID(schema: s, table: n), files: files, schema: schema,
                              rows: (o["rows"] as? Int) ?? 0, firstSeq: try seq("firstSeq"), lastSeq: try seq("lastSeq"),
                              position: try seq("position"), truncate: (o["truncate"] as? Bool) ?? false,
                              input: o["input"] as? String, line: o["line"] as? Int,
                              committedAt: (o["committedAt"] as? String) ?? "", writer: (o["writer"] as? String) ?? "")
        return entry.withFileState(files_, rows: fileRows, legacyFloor: try seq("legacyFloor"))
    }
}

/// A table's change log: the committed flushes, in number order. The reader API for the merge job.
public struct ChangeLog: Sendable {
    public let store: any ObjectStore
    public let table: TableID

    public init(store: any ObjectStore, table: TableID) {
        self.store = store
        self.table = table
    }

    /// `changes/<schema>/<table>/_changelog/`.
    public var prefix: String { table.changesPrefix + "_changelog/" }

    /// The key of entry `number`.
    public func key(_ number: UInt64) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".json"
    }

    /// The committed entry numbers, ascending (after `number` when given).
    public func numbers(after number: UInt64? = nil) async throws -> [UInt64] {
        let startAfter = number.map { key($0) }
        let objects = try await store.listAll(prefix: prefix, startAfter: startAfter)
        var out: [UInt64] = []
        for o in objects {
            let name = o.key.dropFirst(prefix.count)
            guard name.hasSuffix(".json"), name.count == 25, let n = UInt64(name.dropLast(5)) else { continue }
            out.append(n)
        }
        return out.sorted()
    }

    /// Reads entry `number`.
    public func entry(_ number: UInt64) async throws -> ChangeLogEntry {
        let k = key(number)
        return try ChangeLogEntry.decode(try await store.get(k), key: k)
    }

    /// The committed entries after `number` (all when nil), ascending, with their files and schema.
    public func entries(after number: UInt64? = nil) async throws -> [ChangeLogEntry] {
        var out: [ChangeLogEntry] = []
        for n in try await numbers(after: number) { out.append(try await entry(n)) }
        return out
    }

    /// The newest entry, if any.
    public func lastEntry() async throws -> ChangeLogEntry? {
        guard let n = try await numbers().last else { return nil }
        return try await entry(n)
    }

    /// Creates entry `entry.number` with a create-only put.
    /// - Throws: ``IngestError`` `.concurrentWriter` when the number is taken.
    public func commit(_ entry: ChangeLogEntry) async throws {
        do {
            try await store.putIfAbsent(key(entry.number), bytes: entry.encoded())
        } catch let error as ObjectStoreError where error.code == .alreadyExists {
            throw IngestError(.concurrentWriter,
                              "another writer committed change-log entry \(entry.number) of table \(table) first (\(key(entry.number))); stop the other writer or ingest this table from one writer only")
        }
    }

    /// The tables with a change log in the lake.
    public static func tables(in store: any ObjectStore) async throws -> [TableID] {
        var out: [TableID] = []
        let schemas = try await store.listAll(prefix: "changes/", delimiter: "/").prefixes
        for s in schemas {
            let tables = try await store.listAll(prefix: s, delimiter: "/").prefixes
            let schemaName = String(s.dropFirst("changes/".count).dropLast())
            for t in tables {
                let tableName = String(t.dropFirst(s.count).dropLast())
                out.append(TableID(schema: schemaName, table: tableName))
            }
        }
        return out.sorted()
    }
}

import CSQLite
import Foundation

/// A durable local queue of input read from a source that cannot replay (a pipe): each chunk is
/// appended to a SQLite table (WAL mode) before it is decoded, and deleted once every change in
/// it is committed. A restart decodes what the spool still holds before reading new input.
final class Spool {
    let path: String
    private var db: OpaquePointer?
    private var insert: OpaquePointer?

    init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw IngestError(.io, "spool \(path): \(msg) (choose another location with --spool PATH)")
        }
        db = handle
        sqlite3_busy_timeout(handle, 5000)
        try exec("PRAGMA journal_mode=WAL")
        // NORMAL is durable against a process crash (kill -9) in WAL mode; FULL adds OS crashes.
        try exec("PRAGMA synchronous=FULL")
        try exec("CREATE TABLE IF NOT EXISTS blocks (id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)")
        guard sqlite3_prepare_v2(handle, "INSERT INTO blocks (bytes) VALUES (?)", -1, &insert, nil) == SQLITE_OK else {
            throw error("prepare")
        }
    }

    deinit {
        sqlite3_finalize(insert)
        sqlite3_close(db)
    }

    private func error(_ what: String) -> IngestError {
        IngestError(.io, "spool \(path): \(what): \(db.map { String(cString: sqlite3_errmsg($0)) } ?? "closed")")
    }

    private func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw error(sql) }
    }

    /// Appends a chunk durably; returns its id (ids increase).
    func append(_ bytes: [UInt8]) throws -> Int64 {
        sqlite3_reset(insert)
        let rc = bytes.withUnsafeBytes { raw in
            // SQLITE_TRANSIENT: SQLite copies the bytes.
            sqlite3_bind_blob(insert, 1, raw.baseAddress, Int32(raw.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
        guard rc == SQLITE_OK, sqlite3_step(insert) == SQLITE_DONE else { throw error("append") }
        return sqlite3_last_insert_rowid(db)
    }

    /// The ids of the held chunks, ascending.
    func ids() throws -> [Int64] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT id FROM blocks ORDER BY id", -1, &stmt, nil) == SQLITE_OK else { throw error("list") }
        defer { sqlite3_finalize(stmt) }
        var out: [Int64] = []
        while sqlite3_step(stmt) == SQLITE_ROW { out.append(sqlite3_column_int64(stmt, 0)) }
        return out
    }

    /// The bytes of chunk `id`.
    func block(_ id: Int64) throws -> [UInt8] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT bytes FROM blocks WHERE id = ?", -1, &stmt, nil) == SQLITE_OK else { throw error("read") }
        defer { sqlite3_finalize(stmt) }
        sqlite3_bind_int64(stmt, 1, id)
        guard sqlite3_step(stmt) == SQLITE_ROW else { throw error("read block \(id)") }
        let n = Int(sqlite3_column_bytes(stmt, 0))
        guard n > 0, let p = sqlite3_column_blob(stmt, 0) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    /// Deletes the chunks with id below `id` (their changes are committed).
    func delete(below id: Int64) throws {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "DELETE FROM blocks WHERE id < ?", -1, &stmt, nil) == SQLITE_OK else { throw error("delete") }
        defer { sqlite3_finalize(stmt) }
        sqlite3_bind_int64(stmt, 1, id)
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw error("delete") }
    }

    /// Total bytes held.
    func heldBytes() throws -> Int {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(LENGTH(bytes)),0) FROM blocks", -1, &stmt, nil) == SQLITE_OK else { throw error("size") }
        defer { sqlite3_finalize(stmt) }
        guard sqlite3_step(stmt) == SQLITE_ROW else { return 0 }
        return Int(sqlite3_column_int64(stmt, 0))
    }

    /// The default spool location for a lake and source: `$XDG_STATE_HOME/lakectl/spool/<hash>.db`
    /// (or `~/.local/state/...`).
    static func defaultPath(lake: String, source: String) -> String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((env["HOME"] ?? NSTemporaryDirectory()) + "/.local/state")
        // FNV-1a, stable across runs (Swift's Hasher is seeded per process).
        var h: UInt64 = 0xcbf29ce484222325
        for b in (lake + "\u{0}" + source).utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return base + "/lakectl/spool/" + String(h, radix: 16).leftPadded(16) + ".db"
    }
}

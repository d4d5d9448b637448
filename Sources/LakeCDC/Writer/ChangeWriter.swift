import Foundation
import LakeColumnar
import LakeObjectStore

/// Options of the change-file writer.
public struct ChangeWriterOptions: Sendable {
    public var format: ChangeFileFormat
    public var compression: ChangeCompression
    public var policy: BatchPolicy
    /// `YYYY/MM/DD/` folders from the batch's first commit time (DMS DatePartitionEnabled).
    public var dateFolders: Bool
    /// Recorded in each entry's `writer`.
    public var writerName: String

    public init(format: ChangeFileFormat = .parquet, compression: ChangeCompression = .zstd, policy: BatchPolicy = BatchPolicy(),
                dateFolders: Bool = false, writerName: String = "lakectl") {
        self.format = format
        self.compression = compression
        self.policy = policy
        self.dateFolders = dateFolders
        self.writerName = writerName
    }
}

/// Encodes a batch into a change file's bytes; returns the bytes and the file-name extension.
public typealias ChangeBatchEncoder = @Sendable (ColumnBatch, ChangeFileFormat, ChangeCompression) throws -> (bytes: [UInt8], fileExtension: String)

/// Turns table buffers into committed change files: write the file, then create the change-log
/// entry with a create-only put. A file no entry lists is an orphan that readers ignore.
final class ChangeWriter {
    let store: any ObjectStore
    let options: ChangeWriterOptions
    let encoder: ChangeBatchEncoder
    let registry = TableRegistry()
    /// Called after each successful commit (spool clean-up, progress).
    var onCommit: ((TableBuffer, ChangeLogEntry) -> Void)?
    /// Called before each change-log commit (quarantined events are written first, so a
    /// committed batch never outlives the record of the bad events skipped before it).
    var beforeCommit: (() async throws -> Void)?
    private(set) var batches = 0
    private(set) var bytesWritten = 0
    private(set) var rowsCommitted = 0
    /// The newest commit time committed (µs), for the lag figure.
    private(set) var lastCommitTs: Int64?

    init(store: any ObjectStore, options: ChangeWriterOptions, encoder: @escaping ChangeBatchEncoder) {
        self.store = store
        self.options = options
        self.encoder = encoder
    }

    /// Loads a table's committed state from its change log and registers it.
    func loadTable(_ id: TableID, key: [String], declared: [Field]?) async throws -> TableBuffer {
        if let t = registry.table(id) { return t }
        let log = ChangeLog(store: store, table: id)
        let last = try await log.lastEntry()
        var fields: [Field] = []
        var tableKey = key
        if let last {
            fields = last.schema.dataFields
            if tableKey.isEmpty { tableKey = last.schema.key }
        }
        if fields.isEmpty, let declared { fields = declared }
        let state = BatchStateMachine(policy: options.policy, nextNumber: (last?.number).map { $0 + 1 } ?? 0)
        let t = TableBuffer(id: id, fields: fields, key: tableKey, state: state)
        t.committedSeq = last?.position
        t.highWater = last?.position
        if let last {
            t.committedInputFiles = last.inputFiles
            t.fileRows = last.fileRows ?? 0
            // A log from before file identities: its position is all we know of what files landed.
            t.legacyFloor = last.inputFiles == nil ? last.position : last.legacyFloor
        }
        t.committedFields = last.map { $0.schema.dataFields }
        registry.add(t)
        return t
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Notes rows buffered; returns the reason to flush now, if any.
    func noteBuffered(_ t: TableBuffer) throws -> FlushReason? {
        let now = Self.now()
        do {
            try t.state.buffered(rows: 1, bytes: t.approximateBytes, now: now)
        } catch {
            throw IngestError(.io, "internal state error for \(t.id): \(error)")
        }
        return t.state.trigger(now: now)
    }

    /// Tables whose batch is older than --max-age, and the earliest pending deadline.
    func dueTables() -> (due: [TableBuffer], nextDeadline: Double?) {
        let now = Self.now()
        var due: [TableBuffer] = []
        var next: Double?
        for t in registry.all {
            guard let d = t.state.deadline else { continue }
            if d <= now { due.append(t) } else { next = min(next ?? d, d) }
        }
        return (due, next)
    }

    static var monotonicNow: Double { now() }

    /// Flushes one table's batch (if it has rows): file, then change-log entry.
    func flush(_ t: TableBuffer, reason: FlushReason) async throws {
        let started: Bool
        do { started = try t.state.startFlush(reason) } catch { throw IngestError(.io, "internal state error for \(t.id): \(error)") }
        guard started, let taken = t.takeBatch() else { return }
        let (bytes, ext) = try encoder(taken.batch, options.format, options.compression)
        let key = fileKey(t.id, firstCommitTs: taken.firstCommitTs, ext: ext)
        do {
            try await store.put(key, bytes: bytes)
        } catch {
            throw IngestError(.io, "writing \(key): \(error)")
        }
        let number: UInt64
        do { number = try t.state.filesWritten() } catch { throw IngestError(.io, "internal state error: \(error)") }
        let position = max(taken.lastSeq, t.committedSeq ?? .zero)
        let entry = ChangeLogEntry(
            number: number, table: t.id,
            files: [ChangeFile(path: key, rows: taken.batch.rowCount, bytes: bytes.count, format: options.format.rawValue,
                               compression: options.compression.rawValue)],
            schema: t.changeSchema, rows: taken.batch.rowCount, firstSeq: taken.firstSeq, lastSeq: taken.lastSeq,
            position: position, truncate: false, input: t.lastInput?.name, line: t.lastInput?.line,
            committedAt: Self.isoNow(), writer: options.writerName)
            .withFileState(t.fileStateForCommit, rows: t.fileStateForCommit == nil ? nil : t.fileRows, legacyFloor: t.fileStateForCommit == nil ? nil : t.legacyFloor)
        try await commit(t, entry)
        if entry.inputFiles != nil {
            t.committedInputFiles = entry.inputFiles
            t.pendingInputFiles = [:]
        }
        if case .int64(let ts) = taken.batch.columns[1].storage, let m = ts.max() { lastCommitTs = max(lastCommitTs ?? m, m) }
        rowsCommitted += taken.batch.rowCount
        bytesWritten += bytes.count
        batches += 1
        t.committedRows += taken.batch.rowCount
        t.committedFiles += 1
        t.committedBytes += bytes.count
        onCommit?(t, entry)
    }

    /// Records a truncate of the table at `seq` (after flushing what is buffered before it).
    func truncate(_ t: TableBuffer, seq: ChangeSeq) async throws {
        try await flush(t, reason: .truncate)
        let number: UInt64
        do { number = try t.state.reserveMarker() } catch { throw IngestError(.io, "internal state error: \(error)") }
        let entry = ChangeLogEntry(number: number, table: t.id, files: [], schema: t.changeSchema, rows: 0,
                                   firstSeq: nil, lastSeq: nil, position: seq, truncate: true,
                                   input: t.lastInput?.name, line: t.lastInput?.line,
                                   committedAt: Self.isoNow(), writer: options.writerName)
            .withFileState(t.fileStateForCommit, rows: t.fileStateForCommit == nil ? nil : t.fileRows, legacyFloor: t.fileStateForCommit == nil ? nil : t.legacyFloor)
        t.highWater = seq
        try await commit(t, entry)
        onCommit?(t, entry)
    }

    private func commit(_ t: TableBuffer, _ entry: ChangeLogEntry) async throws {
        try await beforeCommit?()
        do {
            try await ChangeLog(store: store, table: t.id).commit(entry)
        } catch let error as IngestError where error.kind == .concurrentWriter {
            try? t.state.commitLost()
            throw error
        }
        do { try t.state.committed() } catch { throw IngestError(.io, "internal state error: \(error)") }
        t.committedSeq = entry.position
        t.committedFields = t.fields
    }

    /// Flushes every table (end of input, SIGTERM).
    func flushAll(reason: FlushReason) async throws {
        for t in registry.all { try await flush(t, reason: reason) }
    }

    /// `changes/<schema>/<table>/[YYYY/MM/DD/]YYYYMMDD-HHMMSSmmm-<unique>.<ext>`.
    func fileKey(_ id: TableID, firstCommitTs: Int64, ext: String) -> String {
        var key = id.changesPrefix
        if options.dateFolders {
            let (y, m, d) = ValueText.civilFromDays(Int(floorDiv(firstCommitTs, 86_400_000_000)))
            key += String(format: "%04d/%02d/%02d/", y, m, d)
        }
        var tv = timeval()
        gettimeofday(&tv, nil)
        let ms = Int64(tv.tv_sec) * 1000 + Int64(tv.tv_usec) / 1000
        let (y, mo, d) = ValueText.civilFromDays(Int(ms / 86_400_000))
        let msOfDay = Int(ms % 86_400_000)
        key += String(format: "%04d%02d%02d-%02d%02d%02d%03d-", y, mo, d, msOfDay / 3_600_000, msOfDay / 60_000 % 60,
                      msOfDay / 1000 % 60, msOfDay % 1000)
        key += String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded(16) + "." + ext
        return key
    }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

    static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

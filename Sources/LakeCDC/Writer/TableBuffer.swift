import LakeColumnar

/// The names of lakectl's three leading change-file columns.
public enum ChangeColumns {
    public static let op = "Op"
    public static let commitTimestamp = "_commit_ts"
    public static let sequence = "_seq"
}

/// One table's rows being batched, in typed column builders, plus what the change log says the
/// table has committed.
final class TableBuffer {
    let id: TableID
    /// The data columns (all nullable in files, since a delete may carry only its key).
    private(set) var fields: [Field]
    private(set) var fieldIndex: [String: Int]
    var key: [String]
    private(set) var builders: [ColumnBuilder]
    private(set) var ops: [UInt8] = []
    private(set) var commitTs: [Int64] = []
    private(set) var seqs: [ChangeSeq] = []
    /// Bumped whenever `fields` change, so cached column bindings know to rebuild.
    private(set) var schemaVersion = 0
    var state: BatchStateMachine
    /// The highest position committed (from the change log) — input at or below it is dropped.
    var committedSeq: ChangeSeq?
    /// The highest position buffered or committed.
    var highWater: ChangeSeq?
    /// The schema recorded by the last committed entry.
    var committedFields: [Field]?
    /// For the `_seq` index: the last (major, minor, row) seen and how many events had it.
    var runKey: (UInt64, UInt64, UInt64) = (.max, .max, .max)
    var runCount: UInt32 = 0
    /// File inputs: the committed files (identity → last committed row number), the rows of the
    /// current batch (same form), the rows accepted so far, and the old-rule floor (see ChangeLogEntry).
    var committedInputFiles: [String: Int]? {
        didSet {
            committedWatermark = committedInputFiles.flatMap { InputFileWindow.watermark(of: $0.keys) }
            windowCheck = nil
        }
    }
    /// The newest DMS CDC file name time committed (``InputFileWindow``), and the last file
    /// checked against its window (rows of one file come together: check its name once).
    private(set) var committedWatermark: Int64?
    private var windowCheck: (file: String, beyond: Bool)?
    var pendingInputFiles: [String: Int] = [:]
    var fileRows: UInt64 = 0
    var legacyFloor: ChangeSeq?
    /// The file row being decoded (set by `filePosition`, recorded by `closeRow`).
    private var openFileRow: (file: String, row: Int)?
    /// The spool block holding the first buffered event (nil when not spooling or empty).
    var firstSpoolBlock: Int64?
    /// Input position of the last buffered event, recorded in the change log.
    var lastInput: (name: String, line: Int)?
    /// Totals for the summary.
    var committedRows = 0
    var committedFiles = 0
    var committedBytes = 0

    init(id: TableID, fields: [Field], key: [String], state: BatchStateMachine) {
        self.id = id
        self.fields = fields.map { Field($0.name, $0.type, nullable: true) }
        self.key = key
        self.state = state
        fieldIndex = [:]
        builders = []
        rebuildIndex()
        builders = self.fields.map { ColumnBuilder($0.type) }
    }

    private func rebuildIndex() {
        fieldIndex = [:]
        for (i, f) in fields.enumerated() { fieldIndex[f.name] = i }
    }

    var rowCount: Int { ops.count }

    var approximateBytes: Int {
        var total = ops.count * (1 + 8 + ChangeSeq.textLength)
        for b in builders { total += b.approximateBytes }
        return total
    }

    /// Replaces the schema; only valid while nothing is buffered.
    func setFields(_ newFields: [Field]) {
        precondition(rowCount == 0, "schema change with rows buffered")
        fields = newFields.map { Field($0.name, $0.type, nullable: true) }
        rebuildIndex()
        builders = fields.map { ColumnBuilder($0.type) }
        schemaVersion += 1
    }

    /// Opens a row: call `builder(at:)` appends for its columns, then `closeRow` or `abandonRow`.
    @inline(__always)
    func builder(at i: Int) -> ColumnBuilder { builders[i] }

    /// Completes a row: columns that got no value get a null.
    @inline(__always)
    func closeRow(op: UInt8, commitTs ts: Int64, seq: ChangeSeq) {
        let n = ops.count
        for b in builders where b.count == n { b.appendNull() }
        ops.append(op)
        commitTs.append(ts)
        seqs.append(seq)
        highWater = seq
        if let (file, row) = openFileRow {
            pendingInputFiles[file] = row
            fileRows &+= 1
            openFileRow = nil
        }
    }

    /// The position of a row of a DMS change file without a change sequence; nil when the row is
    /// already committed (skip it).
    ///
    /// With a file identity (`<base name>:<size>`) and row number: `(commit time, rows accepted
    /// before + 1, 0)`, and "committed" means the change log lists that file at or past the row, so
    /// a new file whose rows have commit times at or before committed ones still lands, and
    /// re-ingesting the same file lands nothing twice. Without one (standard input): the old rule,
    /// `(commit time, 0, index among equal times)`, dropped when at or below the high-water mark.
    func filePosition(commitTs ts: Int64, file: String?, row: Int) -> ChangeSeq? {
        let key = (UInt64(bitPattern: ts), UInt64(0), UInt64(0))
        if key == runKey { runCount &+= 1 } else { runKey = key; runCount = 0 }
        let streamSeq = ChangeSeq(major: key.0, minor: 0, index: runCount)
        guard let file else {
            if let hw = highWater, streamSeq <= hw { return nil }
            return streamSeq
        }
        if let floor = legacyFloor, streamSeq <= floor { return nil }
        if let done = pendingInputFiles[file] ?? committedInputFiles?[file] {
            if row <= done { return nil }
        } else {
            // Not listed: a CDC-named file older than the map's window was committed (and dropped
            // from the map) or is later than the window allows; either way it is skipped.
            if windowCheck?.file != file {
                windowCheck = (file, InputFileWindow.isBeyondWindow(file, watermark: committedWatermark))
            }
            if windowCheck?.beyond == true { return nil }
        }
        openFileRow = (file, row)
        return ChangeSeq(major: key.0, minor: fileRows &+ 1, index: 0)
    }

    /// Drops the values a failed row had appended.
    func abandonRow() {
        openFileRow = nil
        let n = ops.count
        for b in builders where b.count > n { b.removeLast() }
    }

    /// The output schema: `Op`, `_commit_ts`, `_seq`, then the data columns.
    var outputSchema: Schema {
        Schema([
            Field(ChangeColumns.op, .string, nullable: false),
            Field(ChangeColumns.commitTimestamp, .timestamp(utc: true), nullable: false),
            Field(ChangeColumns.sequence, .string, nullable: false),
        ] + fields)
    }

    /// The schema the change log records for this table's files.
    var changeSchema: SchemaFile {
        SchemaFile(columns: outputSchema.fields, key: key, op: ChangeColumns.op,
                     timestamp: ChangeColumns.commitTimestamp, sequence: ChangeColumns.sequence)
    }

    /// Takes the buffered rows as a batch and empties the buffer (the builders are reset).
    func takeBatch() -> (batch: ColumnBatch, firstSeq: ChangeSeq, lastSeq: ChangeSeq, firstCommitTs: Int64)? {
        guard let first = seqs.first, let last = seqs.last, let firstTs = commitTs.first else { return nil }
        var opBytes = VarBytes()
        opBytes.reserveCapacity(values: ops.count, bytes: ops.count)
        for op in ops { opBytes.append(CollectionOfOne(op)) }
        var seqBytes = VarBytes()
        seqBytes.reserveCapacity(values: seqs.count, bytes: seqs.count * ChangeSeq.textLength)
        for s in seqs {
            s.append(to: &seqBytes.bytes)
            seqBytes.offsets.append(seqBytes.bytes.count)
        }
        var columns = [Column(.bytes(opBytes)), Column(.int64(commitTs)), Column(.bytes(seqBytes))]
        for b in builders { columns.append(b.finish()) }
        let batch = ColumnBatch(schema: outputSchema, columns: columns, rowCount: ops.count)
        ops = []
        commitTs = []
        seqs = []
        return (batch, first, last, firstTs)
    }
}

extension TableBuffer {
    /// The `inputFiles` of the next entry: committed plus this batch's files, without the DMS CDC
    /// files beyond the 7-day window of the newest (``InputFileWindow``); nil for stream tables.
    var fileStateForCommit: [String: Int]? {
        if committedInputFiles == nil && pendingInputFiles.isEmpty { return nil }
        return InputFileWindow.trimmed((committedInputFiles ?? [:]).merging(pendingInputFiles) { max($0, $1) })
    }
}

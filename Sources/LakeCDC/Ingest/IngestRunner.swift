import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet

/// The input formats of `lakectl ingest`.
public enum IngestInputFormat: String, Sendable, CaseIterable {
    case debezium
    case dmsCSV = "dms-csv"
    case dmsParquet = "dms-parquet"
}

/// What to do with a bad event.
public enum OnError: String, Sendable, CaseIterable {
    /// Stop with the error; nothing after the last committed batch is committed.
    case fail
    /// Write the event to `<lake>/quarantine/` and go on.
    case quarantine
}

/// Everything `lakectl ingest` was asked to do.
public struct IngestOptions: Sendable {
    public var lakeDescription: String
    public var format: IngestInputFormat
    public var table: TableID?
    public var key: [String]
    public var schema: SchemaFile?
    public var writer: ChangeWriterOptions
    /// The spool file for stream input; nil picks the default location.
    public var spoolPath: String?
    public var onError: OnError
    /// Input files; empty = standard input.
    public var inputs: [String]
    /// Print a progress line to standard error (a terminal).
    public var progress: Bool

    public init(lakeDescription: String, format: IngestInputFormat = .debezium, table: TableID? = nil, key: [String] = [],
                schema: SchemaFile? = nil, writer: ChangeWriterOptions = ChangeWriterOptions(), spoolPath: String? = nil,
                onError: OnError = .fail, inputs: [String] = [], progress: Bool = false) {
        self.lakeDescription = lakeDescription
        self.format = format
        self.table = table
        self.key = key
        self.schema = schema
        self.writer = writer
        self.spoolPath = spoolPath
        self.onError = onError
        self.inputs = inputs
        self.progress = progress
    }
}

/// What a run did.
public struct IngestSummary: Sendable {
    public struct TableSummary: Sendable {
        public var table: TableID
        public var rows: Int
        public var files: Int
        public var bytes: Int
    }

    public var eventsRead = 0
    /// Events at or below a table's committed position (a replay), not written again.
    public var eventsSkipped = 0
    public var rowsCommitted = 0
    public var batches = 0
    public var bytesWritten = 0
    public var quarantined = 0
    /// The last quarantine file written (one per commit that followed bad events).
    public var quarantineFile: String?
    public var quarantineFiles: [String] = []
    public var seconds = 0.0
    public var stoppedBySignal = false
    public var tables: [TableSummary] = []

    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "events_read": eventsRead, "events_skipped": eventsSkipped, "rows_committed": rowsCommitted,
            "batches": batches, "bytes_written": bytesWritten, "quarantined": quarantined,
            "seconds": (seconds * 1000).rounded() / 1000,
            "rows_per_second": seconds > 0 ? Int(Double(eventsRead) / seconds) : 0,
            "stopped_by_signal": stoppedBySignal,
            "tables": tables.map { ["table": $0.table.description, "rows": $0.rows, "files": $0.files, "bytes": $0.bytes] as [String: Any] },
        ]
        if let quarantineFile { o["quarantine_file"] = quarantineFile }
        if !quarantineFiles.isEmpty { o["quarantine_files"] = quarantineFiles }
        return o
    }
}

/// Runs an ingest: reads inputs, decodes events into per-table batches, flushes and commits them.
public final class IngestRunner {
    let options: IngestOptions
    let writer: ChangeWriter
    private var debezium: DebeziumDecoder
    private var dms: DMSCSVDecoder?
    private var summary = IngestSummary()
    private var quarantine: [UInt8] = []
    private var spool: Spool?
    private var lastProgress = 0.0
    private let startTime = ChangeWriter.monotonicNow

    // The current input's buffer and positions.
    private var buf: [UInt8] = []
    private var cursor = 0
    /// Absolute input offset of buf[0].
    private var bufBase = 0
    private var line = 1
    private var lineCountedTo = 0
    /// Spool chunks in the buffer: (absolute start offset, id).
    private var spoolBlocks: [(Int, Int64)] = []
    private var inputName = "-"

    public init(store: any ObjectStore, options: IngestOptions, encoder: @escaping ChangeBatchEncoder) {
        self.options = options
        writer = ChangeWriter(store: store, options: options.writer, encoder: encoder)
        let declared = options.schema?.dataFields
        debezium = DebeziumDecoder(tableOverride: options.table, declared: declared)
    }

    /// Reads every input to its end (or until SIGTERM) and commits everything read.
    public func run() async throws -> IngestSummary {
        TerminationSignals.install()
        writer.onCommit = { [unowned self] t, _ in self.afterCommit(t) }
        writer.beforeCommit = { [unowned self] in try await self.writeQuarantine() }
        if options.format == .dmsParquet && options.inputs.isEmpty {
            throw IngestError(.usage, "--format dms-parquet reads files (Parquet cannot be streamed): name them")
        }
        let inputs = options.inputs.isEmpty ? ["-"] : options.inputs
        for (i, path) in inputs.enumerated() {
            if options.format == .dmsParquet {
                try await consumeParquet(path)
                if TerminationSignals.requested { summary.stoppedBySignal = true; break }
                continue
            }
            let reader = try InputReader(path: path)
            if options.format == .dmsCSV {
                dms = try DMSCSVDecoder(table: options.table ?? DMSCSVDecoder.tableFromPath(path), schema: options.schema,
                                        key: options.key, input: reader.name)
                dms?.inputFile = reader.isStream ? nil : Self.fileIdentity(path)
            }
            try await consume(reader, fileOrdinal: i + 1)
            if TerminationSignals.requested { summary.stoppedBySignal = true; break }
        }
        try await writer.flushAll(reason: summary.stoppedBySignal ? .signal : .endOfInput)
        if let spool, cursor >= buf.count {
            // Everything read is committed.
            try spool.delete(below: Int64.max)
        }
        try await writeQuarantine()
        if options.progress { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8) ?? Data()) }
        summary.rowsCommitted = writer.rowsCommitted
        summary.batches = writer.batches
        summary.bytesWritten = writer.bytesWritten
        summary.seconds = ChangeWriter.monotonicNow - startTime
        summary.tables = writer.registry.all.map {
            IngestSummary.TableSummary(table: $0.id, rows: $0.committedRows, files: $0.committedFiles, bytes: $0.committedBytes)
        }
        return summary
    }

    private func afterCommit(_ t: TableBuffer) {
        if t.rowCount == 0 { t.firstSpoolBlock = nil }
        guard let spool else { return }
        // Keep the chunk holding the first undecoded byte, and every chunk a buffered row came from.
        var low = cursor < buf.count ? (blockOf(bufBase + cursor) ?? Int64.max) : Int64.max
        for other in writer.registry.all { if let b = other.firstSpoolBlock { low = min(low, b) } }
        if low == Int64.max { low = (spoolBlocks.last?.1 ?? Int64.max - 1) + 1 }
        try? spool.delete(below: low)
    }

    private func blockOf(_ offset: Int) -> Int64? {
        var found: Int64?
        for (start, id) in spoolBlocks {
            if start <= offset { found = id } else { break }
        }
        return found
    }

    // MARK: The loop

    private func consume(_ reader: InputReader, fileOrdinal: Int) async throws {
        buf = []
        cursor = 0
        bufBase = 0
        line = 1
        lineCountedTo = 0
        spoolBlocks = []
        inputName = reader.name
        if reader.isStream {
            let path = options.spoolPath ?? Spool.defaultPath(lake: options.lakeDescription, source: "stdin:\(options.format.rawValue)")
            let spool = try Spool(path: path)
            self.spool = spool
            // Replay what a previous run spooled but did not commit.
            for id in try spool.ids() {
                spoolBlocks.append((bufBase + buf.count, id))
                buf.append(contentsOf: try spool.block(id))
                try await decodeAvailable(atEOF: false)
                compact()
            }
        }
        let chunk = 4 << 20
        while true {
            if TerminationSignals.requested { return }
            try await flushDue()
            progress()
            let timeout = writer.dueTables().nextDeadline.map { max(0.01, min(1, $0 - ChangeWriter.monotonicNow)) } ?? 1
            let before = buf.count
            switch try reader.read(into: &buf, max: chunk, timeout: timeout) {
            case .timeout:
                continue
            case .end:
                try await decodeAvailable(atEOF: true)
                return
            case .data:
                if let spool {
                    let id = try spool.append(Array(buf[before...]))
                    spoolBlocks.append((bufBase + before, id))
                }
                try await decodeAvailable(atEOF: false)
                compact()
            }
        }
    }

    private func compact() {
        guard cursor > 0, cursor >= buf.count / 2 || buf.count - cursor < 1 << 20 else { return }
        countLines(to: cursor)
        buf.removeFirst(cursor)
        bufBase += cursor
        lineCountedTo -= cursor
        cursor = 0
        // Keep the block containing the cursor and later ones.
        if let keep = spoolBlocks.lastIndex(where: { $0.0 <= bufBase }), keep > 0 { spoolBlocks.removeFirst(keep) }
    }

    /// Advances the line count to buffer offset `to`.
    @inline(__always)
    private func countLines(to: Int) {
        guard to > lineCountedTo else { return }
        buf.withUnsafeBufferPointer { b in
            var p = UnsafeRawPointer(b.baseAddress! + lineCountedTo)
            let end = UnsafeRawPointer(b.baseAddress! + to)
            while p < end, let hit = memchr(p, 0x0A, end - p) {
                line += 1
                p = UnsafeRawPointer(hit) + 1
            }
        }
        lineCountedTo = to
    }

    private func decodeAvailable(atEOF: Bool) async throws {
        while true {
            // Skip whitespace between events.
            let n = buf.count
            var p = cursor
            buf.withUnsafeBufferPointer { b in JSONScanner.skipWhitespace(b, &p) }
            cursor = p
            if cursor >= n { return }
            countLines(to: cursor)
            let eventLine = line
            let eventStart = cursor
            let result: (Int, DecodeOutcome)
            do {
                dms?.row = eventLine
                result = try buf.withUnsafeBufferPointer { b in
                    if var dms { defer { self.dms = dms }; return try dms.decode(b, from: eventStart, atEOF: atEOF, registry: writer.registry) }
                    return try debezium.decode(b, from: eventStart, registry: writer.registry)
                }
            } catch let e as JSONScanError {
                if e.truncated && !atEOF {
                    if buf.count - cursor > 512 << 20 {
                        throw IngestError(.badInput, "an event larger than 512 MiB (or an unterminated one)", input: inputName, line: eventLine)
                    }
                    return
                }
                let msg = e.truncated ? "unexpected end of input inside an event" : "malformed JSON: \(e.message)"
                try handleBad(IngestError(.badInput, msg, input: inputName, line: eventLine), start: eventStart)
                continue
            } catch var e as IngestError {
                if e.kind == .badInput || e.kind == .incompatibleSchema {
                    e.input = inputName
                    e.line = eventLine
                    if e.kind == .badInput {
                        try handleBad(e, start: eventStart)
                        continue
                    }
                }
                throw e
            }
            switch result.1 {
            case .needsTable(let id):
                _ = try await writer.loadTable(id, key: options.key.isEmpty ? (options.schema?.key ?? []) : options.key,
                                               declared: options.schema?.dataFields)
                continue  // decode the same event again
            case .needsSchemaFlush(let t):
                try await writer.flush(t, reason: .schemaChange)
                continue
            case .noEvent:
                break
            case .skipped:
                summary.eventsRead += 1
                summary.eventsSkipped += 1
            case .truncate(let t, let seq, _):
                summary.eventsRead += 1
                t.lastInput = (inputName, eventLine)
                try await writer.truncate(t, seq: seq)
            case .appended(let t):
                summary.eventsRead += 1
                t.lastInput = (inputName, eventLine)
                if t.firstSpoolBlock == nil, spool != nil { t.firstSpoolBlock = blockOf(bufBase + eventStart) }
                if let reason = try writer.noteBuffered(t) {
                    cursor = result.0
                    try await writer.flush(t, reason: reason)
                    continue
                }
            }
            cursor = result.0
            if summary.eventsRead & 0x3FFF == 0 {
                try await flushDue()
                progress()
                if TerminationSignals.requested { return }
            }
        }
    }

    /// A DMS-style Parquet file, row group by row group; errors name the row (1-based).
    private func consumeParquet(_ path: String) async throws {
        inputName = path
        var decoder = try DMSParquetDecoder(table: options.table ?? DMSCSVDecoder.tableFromPath(path), schema: options.schema,
                                            input: path)
        decoder.inputFile = Self.fileIdentity(path)
        let reader: ParquetReader
        do { reader = try await ParquetReader.open(path: path) } catch {
            throw IngestError(.badInput, "\(error)", input: path)
        }
        var rowBase = 0
        for g in 0..<reader.rowGroupCount {
            let batch: ColumnBatch
            do { batch = try await reader.readRowGroup(g) } catch { throw IngestError(.badInput, "\(error)", input: path) }
            do { try decoder.setBatch(batch) } catch var e as IngestError { e.input = path; throw e }
            var row = 0
            while row < batch.rowCount {
                let rowNumber = rowBase + row + 1
                let outcome: DecodeOutcome
                do {
                    outcome = try decoder.decode(row: row, rowNumber: rowNumber, registry: writer.registry)
                } catch var e as IngestError {
                    e.input = path
                    e.line = rowNumber
                    guard e.kind == .badInput, options.onError == .quarantine else { throw e }
                    let record: [String: Any] = ["input": path, "line": rowNumber, "error": e.message]
                    if let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) {
                        quarantine.append(contentsOf: data)
                        quarantine.append(0x0A)
                    }
                    summary.quarantined += 1
                    row += 1
                    continue
                }
                switch outcome {
                case .needsTable(let id):
                    _ = try await writer.loadTable(id, key: options.key.isEmpty ? (options.schema?.key ?? []) : options.key,
                                                   declared: options.schema?.dataFields)
                    continue
                case .needsSchemaFlush(let t):
                    try await writer.flush(t, reason: .schemaChange)
                    continue
                case .noEvent: break
                case .skipped:
                    summary.eventsRead += 1
                    summary.eventsSkipped += 1
                case .truncate: break
                case .appended(let t):
                    summary.eventsRead += 1
                    t.lastInput = (path, rowNumber)
                    if let reason = try writer.noteBuffered(t) { try await writer.flush(t, reason: reason) }
                }
                row += 1
                if summary.eventsRead & 0x3FFF == 0 {
                    try await flushDue()
                    progress()
                    if TerminationSignals.requested { return }
                }
            }
            rowBase += batch.rowCount
        }
    }

    /// A file input's identity in positions and the change log: `<base name>:<size in bytes>`, so
    /// the same file ingested again (from any folder) is recognised and a new file is not.
    static func fileIdentity(_ path: String) -> String? {
        guard path != "-", let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else { return nil }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return "\(base):\(size.int64Value)"
    }

    private func flushDue() async throws {
        for t in writer.dueTables().due { try await writer.flush(t, reason: .age) }
    }

    /// A bad event: stop (fail) or set it aside and skip to the next line (quarantine).
    private func handleBad(_ error: IngestError, start: Int) throws {
        guard options.onError == .quarantine else { throw error }
        var end = buf.count
        buf.withUnsafeBufferPointer { b in
            if let hit = memchr(b.baseAddress! + start, 0x0A, b.count - start) {
                end = UnsafeRawPointer(hit) - UnsafeRawPointer(b.baseAddress!)
            }
        }
        let raw = String(decoding: buf[start..<end], as: UTF8.self)
        let record: [String: Any] = ["input": error.input ?? inputName, "line": error.line ?? 0, "error": error.message, "event": raw]
        if let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) {
            quarantine.append(contentsOf: data)
            quarantine.append(0x0A)
        }
        summary.quarantined += 1
        cursor = end
    }

    private func writeQuarantine() async throws {
        guard !quarantine.isEmpty else { return }
        let name = writer.fileKey(TableID(schema: "-", table: "-"), firstCommitTs: 0, ext: "jsonl")
            .split(separator: "/").last.map(String.init) ?? "quarantine.jsonl"
        let key = "quarantine/" + name
        let bytes = quarantine
        quarantine = []
        try await writer.store.put(key, bytes: bytes)
        summary.quarantineFile = key
        summary.quarantineFiles.append(key)
    }

    private func progress() {
        guard options.progress else { return }
        let now = ChangeWriter.monotonicNow
        guard now - lastProgress >= 1 else { return }
        lastProgress = now
        let elapsed = max(now - startTime, 0.001)
        var lag = ""
        if let ts = writer.lastCommitTs {
            let wall = Date().timeIntervalSince1970
            lag = String(format: "  lag %.1f s", max(0, wall - Double(ts) / 1e6))
        }
        let text = String(format: "\r\u{1B}[K%@ events  %@/s  %d batches  %@ written%@",
                          Self.group(summary.eventsRead), Self.group(Int(Double(summary.eventsRead) / elapsed)),
                          writer.batches, Self.bytes(writer.bytesWritten), lag)
        FileHandle.standardError.write(text.data(using: .utf8) ?? Data())
    }

    static func group(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func bytes(_ n: Int) -> String {
        if n >= 1 << 30 { return String(format: "%.1f GiB", Double(n) / Double(1 << 30)) }
        if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / Double(1 << 10)) }
        return "\(n) B"
    }
}

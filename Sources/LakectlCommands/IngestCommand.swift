import ArgumentParser
import Foundation
import LakeCDC
import LakeColumnar
import LakeObjectStore

/// `lakectl ingest LAKE_URL [FILE ...]`: change events → committed change files in the DMS layout.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Land change events (Debezium JSON, DMS CSV) as change files in the lake, exactly once.",
        discussion: """
            Reads FILEs (or standard input) and writes, per table, \
            LAKE/changes/<schema>/<table>/[YYYY/MM/DD/]<YYYYMMDD-HHMMSSmmm>-<unique>.parquet|csv files with \
            the columns Op (I/U/D), _commit_ts, _seq and the table's columns. Each flush is committed by a \
            change-log entry (changes/<schema>/<table>/_changelog/<number>.json); input at or below the \
            committed position is dropped, so re-running over the same input lands nothing twice. \
            Standard input from a pipe is spooled to SQLite first (--spool). See docs/CHANGE_FILES.md.
            """
    )

    @Argument(help: "The lake: a path, file:// or s3:// URL.") var lakeURL: String
    @Argument(help: "Input files (standard input when none).") var files: [String] = []
    @Option(help: "Input format: debezium, dms-csv or dms-parquet.") var format: String = "debezium"
    @Option(help: "Write every event to this table (SCHEMA.TABLE) instead of the event's source table.") var table: String?
    @Option(help: "Primary-key columns, comma separated (recorded in the change log and checked).") var key: String?
    @Option(help: "A JSON schema file describing the columns (see `lakectl compact --help`).") var schema: String?
    @Option(help: "Change-file format: parquet or csv.") var fileFormat: String = "parquet"
    @Option(help: "Compression: zstd, gzip or none.") var compression: String = "zstd"
    @Option(help: "Flush a table's batch at this many rows.") var maxRows: Int = 1_000_000
    @Option(help: "Flush a table's batch at this many buffered bytes.") var maxBytes: Int = 32_000_000
    @Option(help: "Flush a table's batch this long after its first row (e.g. 60s, 500ms, 2m).") var maxAge: String = "60s"
    @Flag(help: "Put files in YYYY/MM/DD/ folders by commit date.") var dateFolders = false
    @Option(help: "The SQLite spool for piped input (default: $XDG_STATE_HOME/lakectl/spool/<hash>.db).") var spool: String?
    @Flag(help: "Print the summary as JSON on standard output.") var json = false
    @Option(help: "On a bad event: fail (stop) or quarantine (set it aside in LAKE/quarantine/ and go on).") var onError: String = "fail"
    @OptionGroup var store: StoreOptions

    func run() async throws {
        guard let inputFormat = IngestInputFormat(rawValue: format) else {
            throw ValidationError("--format must be debezium, dms-csv or dms-parquet, not \(format)")
        }
        guard let fileFormatValue = ChangeFileFormat(rawValue: fileFormat) else {
            throw ValidationError("--file-format must be parquet or csv, not \(fileFormat)")
        }
        guard let compressionValue = ChangeCompression(rawValue: compression) else {
            throw ValidationError("--compression must be zstd, gzip or none, not \(compression)")
        }
        guard let onErrorValue = OnError(rawValue: onError) else {
            throw ValidationError("--on-error must be fail or quarantine, not \(onError)")
        }
        guard maxRows > 0, maxBytes > 0 else { throw ValidationError("--max-rows and --max-bytes must be positive") }
        guard let age = Self.parseDuration(maxAge), age > 0 else {
            throw ValidationError("--max-age must be a duration like 60s, 500ms, 2m or 1h, not \(maxAge)")
        }
        var tableID: TableID?
        if let table {
            guard let t = TableID(parsing: table) else { throw ValidationError("--table must be SCHEMA.TABLE, not \(table)") }
            tableID = t
        }
        let keyColumns = key.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        var schemaValue: SchemaFile?
        if let schema {
            guard let data = FileManager.default.contents(atPath: schema) else {
                throw ValidationError("cannot read the schema file \(schema)")
            }
            schemaValue = try SchemaFile.parse(Array(data), source: schema)
        }
        let store = try Self.openStore(lakeURL, options: self.store)
        let options = IngestOptions(
            lakeDescription: store.description, format: inputFormat, table: tableID, key: keyColumns, schema: schemaValue,
            writer: ChangeWriterOptions(format: fileFormatValue, compression: compressionValue,
                                        policy: BatchPolicy(maxRows: maxRows, maxBytes: maxBytes, maxAge: age),
                                        dateFolders: dateFolders, writerName: "lakectl \(Lakectl.version) ingest"),
            spoolPath: spool, onError: onErrorValue, inputs: files, progress: isatty(2) != 0 && !json)
        let runner = IngestRunner(store: store, options: options, encoder: ChangeFileEncoding.encode)
        let summary = try await runner.run()
        if json {
            let data = try JSONSerialization.data(withJSONObject: summary.jsonObject, options: [.sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            var text = String(format: "ingested %d events (%d already committed, skipped) into %d tables: %d rows in %d files, %d bytes, %.2f s",
                              summary.eventsRead, summary.eventsSkipped, summary.tables.count, summary.rowsCommitted,
                              summary.batches, summary.bytesWritten, summary.seconds)
            if summary.quarantined > 0 {
                text += "; \(summary.quarantined) bad events set aside in \(summary.quarantineFiles.joined(separator: ", "))"
            }
            if summary.stoppedBySignal { text += " (stopped by signal)" }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// `60s`, `500ms`, `2m`, `1h`, or plain seconds.
    static func parseDuration(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where t.hasSuffix(suffix) {
            return Double(t.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(t)
    }

    static func openStore(_ url: String, options: StoreOptions) throws -> any ObjectStore {
        if !url.hasPrefix("s3://") {
            // A new local lake: create its folder so the first run needs no mkdir.
            var path = url
            if path.hasPrefix("file://") { path = String(path.dropFirst("file://".count)) }
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        return try options.open(url)
    }
}


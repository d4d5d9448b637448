import ArgumentParser
import DeltaLog
import Dispatch
import Foundation
import LakeCDC
import LakeColumnar
import LakeMerge
import LakeObjectStore

/// `lakectl compact`: applies change files to upserted Delta snapshot tables (issue 6).
struct Compact: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Apply change files to upserted Delta snapshot tables, exactly once.",
        discussion: """
            The snapshot table lives at LAKE_URL/tables/<schema>/<table>/ and is a Delta table any engine \
            reads. Without --from, the changes are lakectl ingest's change files under \
            LAKE_URL/changes/<schema>/<table>/ (their _changelog entries after the last one applied). With --from, the changes come from an AWS DMS S3-target folder (<schema>/<table>/: \
            LOAD########.csv full-load files and YYYYMMDD-HHMMSSmmm.csv CDC files, CSV with or without \
            header, gzip, or Parquet); --schema describes headerless files. Files already applied are \
            recorded in the table's commits, so reruns skip them. Per key, the last change wins (by \
            sequence column, else commit timestamp, then file and row order): see docs/MERGE.md.
            """
    )

    @Argument(help: "The lake: a folder path, file:// or s3:// URL.") var lakeURL: String
    @Option(help: "The table, SCHEMA.TABLE.") var table: String?
    @Option(help: "Primary-key columns, comma-separated (default: the table's, or the schema file's).") var key: String?
    @Option(name: .customLong("partition-by"), help: "Partition a new table by COL or COL:year|month|day|hour (repeatable).")
    var partitionBy: [String] = []
    @Option(help: "An AWS DMS folder to read changes from (path, file:// or s3:// URL; with --all, the folder holding <schema>/<table>/ folders).")
    var from: String?
    @Option(help: "A JSON schema file describing the change files' columns, key, op, timestamp, sequence and before-image columns.")
    var schema: String?
    @Flag(help: "Compact every table: each <schema>/<table>/ folder under --from.") var all = false
    @Option(help: "Run every DUR (e.g. 30s, 5m, 1h) until SIGTERM or SIGINT.") var every: String?
    @Flag(help: "Bin-pack small files without changing rows (like Delta's OPTIMIZE).") var optimize = false
    @Flag(name: [.customLong("dry-run"), .customLong("plan")], help: "Show what would be read and written; change nothing.")
    var dryRun = false
    @Flag(help: "Print each run's summary as one JSON object.") var json = false
    @Flag(name: .customLong("deletion-vectors"),
          help: "Merge-on-read: upgrade the table to deletion vectors and mark few changed rows of a file deleted instead of rewriting it (readers must support deletion vectors).")
    var deletionVectors = false
    @Option(help: "Explain how this key (comma-separated values for a composite key) was resolved.") var explain: String?
    @Option(name: .customLong("target-file-size"), help: "Target data file size in bytes (default 128 MiB).")
    var targetFileSize: Int = 128 << 20
    @Option(name: .customLong("memory-budget"),
            help: "Memory budget of a round, e.g. 512M or 2G (default 2G): larger backlogs are applied in several commits.")
    var memoryBudget: String = "2G"
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if !all && table == nil { throw ValidationError("pass --table SCHEMA.TABLE (or --all)") }
        if all && table != nil { throw ValidationError("--all and --table exclude each other") }
        if let table, table.split(separator: ".").count != 2 { throw ValidationError("--table must be SCHEMA.TABLE, got '\(table)'") }
        if targetFileSize < 1024 { throw ValidationError("--target-file-size must be at least 1024 bytes") }
        if let every { _ = try Self.parseDuration(every) }
        _ = try Self.parseBytes(memoryBudget)
    }

    func run() async throws {
        let stop = StopSignal()
        if let every {
            let interval = try Self.parseDuration(every)
            stop.install()
            while !stop.requested {
                do {
                    try await runOnce()
                } catch {
                    // A periodic job reports a failed round and tries again next time.
                    FileHandle.standardError.write(Data("lakectl: \(error)\n".utf8))
                }
                let deadline = Date().addingTimeInterval(interval)
                while !stop.requested, Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
            }
        } else {
            try await runOnce()
        }
    }

    private func runOnce() async throws {
        let lake = try openStore(lakeURL)
        var options = CompactOptions()
        options.keyColumns = key.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        options.partitionBy = try partitionBy.map { try PartitionSpec(parsing: $0) }
        options.dryRun = dryRun
        options.deletionVectors = deletionVectors
        options.explainKey = explain
        options.targetFileSize = targetFileSize
        options.memoryBudget = try Self.parseBytes(memoryBudget)
        if ProcessInfo.processInfo.environment["LAKECTL_TRACE"] != nil {
            // Timed progress lines, one per step (for profiling a run, e.g. in BENCHMARKS.md).
            let start = Date()
            options.progress = { line in
                FileHandle.standardError.write(Data(String(format: "[%7.3f s] ", Date().timeIntervalSince(start)).appending(line + "\n").utf8))
            }
        } else if isatty(STDERR_FILENO) != 0 {
            // A one-line progress display on a terminal, cleared before the summary prints.
            options.progress = { line in
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + String(line.prefix(100))).utf8))
            }
        }
        let fileSchema = try schema.map { path -> SchemaFile in
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read schema file \(path)") }
            return try SchemaFile.parse(Array(data), source: path)
        }
        var targets: [(name: String, source: (any ChangeSource)?)] = []
        let fromStore = try from.map { try openStore($0) }
        if all {
            if let fromStore {
                for schemaFolder in try await fromStore.listAll(prefix: "", delimiter: "/").prefixes where !schemaFolder.hasPrefix("_") {
                    for tableFolder in try await fromStore.listAll(prefix: schemaFolder, delimiter: "/").prefixes {
                        let name = tableFolder.split(separator: "/").joined(separator: ".")
                        targets.append((name, DMSSource(store: fromStore, prefix: tableFolder, fileSchema: fileSchema)))
                    }
                }
            } else if optimize {
                for schemaFolder in try await lake.listAll(prefix: "tables/", delimiter: "/").prefixes {
                    for tableFolder in try await lake.listAll(prefix: schemaFolder, delimiter: "/").prefixes {
                        let name = tableFolder.dropFirst("tables/".count).split(separator: "/").joined(separator: ".")
                        targets.append((name, nil))
                    }
                }
            } else {
                for id in try await ChangeLog.tables(in: lake) {
                    targets.append(("\(id.schema).\(id.table)", ChangeLogSource(store: lake, table: id)))
                }
            }
        } else if let table {
            let parts = table.split(separator: ".").map(String.init)
            if let fromStore {
                targets.append((table, DMSSource(store: fromStore, prefix: "", fileSchema: fileSchema)))
            } else {
                targets.append((table, ChangeLogSource(store: lake, table: TableID(schema: parts[0], table: parts[1]))))
            }
        }
        for target in targets {
            let parts = target.name.split(separator: ".").map(String.init)
            let deltaTable = DeltaTable(store: lake, root: "tables/\(parts.joined(separator: "/"))")
            let summary: CompactSummary
            if optimize {
                summary = try await Optimizer(table: deltaTable, name: target.name, options: options).run()
            } else if let source = target.source {
                summary = try await Compactor(table: deltaTable, name: target.name, source: source, options: options).run()
            } else {
                continue
            }
            if options.progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            print(json ? Self.jsonLine(summary) : Self.humanText(summary))
        }
    }

    static func humanText(_ s: CompactSummary) -> String {
        var lines = [s.text]
        if let explain = s.explain { lines += explain }
        if let files = s.plannedSourceFiles { lines += files.map { "  read change file \($0)" } }
        if let files = s.plannedTableFiles { lines += files.map { "  read table file \($0)" } }
        return lines.joined(separator: "\n")
    }

    static func jsonLine(_ s: CompactSummary) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// `1048576`, `512K`, `64M`, `2G` (binary units).
    static func parseBytes(_ text: String) throws -> Int64 {
        let units: [(String, Int64)] = [("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40)]
        for (suffix, scale) in units where text.uppercased().hasSuffix(suffix) || text.uppercased().hasSuffix(suffix + "B") {
            let digits = text.uppercased().hasSuffix("B") ? text.dropLast(2) : text.dropLast(1)
            if let v = Int64(digits), v > 0, v < Int64.max / scale { return v * scale }
        }
        if let v = Int64(text), v > 0 { return v }
        throw ValidationError("--memory-budget: '\(text)' is not a size like 512M or 2G")
    }

    /// `500ms`, `30s`, `5m`, `1h`, or plain seconds.
    static func parseDuration(_ text: String) throws -> TimeInterval {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let v = Double(text.dropLast(suffix.count)), v > 0 { return v * scale }
        }
        if let v = Double(text), v > 0 { return v }
        throw ValidationError("--every: '\(text)' is not a duration like 30s, 5m or 1h")
    }

    /// A store for a lake or DMS URL (StoreFactory: a path, file:// or s3://).
    func openStore(_ url: String) throws -> any ObjectStore {
        try store.open(url)
    }
}

/// SIGTERM/SIGINT for `--every`: the current round finishes (or, if interrupted before its commit,
/// leaves nothing visible); then the loop stops.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [any DispatchSourceSignal] = []

    var requested: Bool { lock.withLock { flag } }

    func install() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.lock.withLock { self?.flag = true } }
            source.resume()
            sources.append(source)
        }
    }
}

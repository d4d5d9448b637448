import ArgumentParser
import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet
import LakeS3

/// `lakectl table ...`: create, inspect and maintain Delta Lake tables.
struct TableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Create, inspect and maintain Delta Lake tables.",
        subcommands: [Create.self, Describe.self, History.self, Files.self, Append.self, Vacuum.self, Checkpoint.self]
    )
}

/// Opens the table at a URL (`s3://bucket/prefix`, `file://...`) or local path.
enum TableLocation {
    static func open(_ url: String) throws -> DeltaTable {
        DeltaTable(store: try StoreFactory.open(url), root: "")
    }
}

func millisToISO(_ ms: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

extension TableCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an empty Delta table.",
            discussion: """
                The schema file is JSON: {"columns": [{"name": "id", "type": "long", "nullable": false}, ...]} \
                with Delta type names (boolean byte short integer long float double decimal(P,S) string binary \
                date timestamp timestamp_ntz). timestamp_ntz columns are stored as UTC timestamp unless \
                --timestamp-ntz is given (which needs Delta reader 3 / writer 7).
                """
        )
        @Argument(help: "The table's folder: a local path or s3://bucket/prefix.") var table: String
        @Option(help: "The JSON schema file.") var schema: String
        @Option(help: "Comma-separated partition columns.") var partitionBy: String?
        @Option(help: "Comma-separated primary key columns (stored as lakectl.primaryKey).") var key: String?
        @Option(name: .customLong("property"), help: "A table property k=v (repeatable).") var properties: [String] = []
        @Flag(help: "Keep timestamp_ntz columns as timestamp_ntz (protocol 3/7).") var timestampNtz = false

        func run() async throws {
            let columns = try ConvertSchemaFile.load(path: schema)
            var configuration: [String: String] = [:]
            for property in properties {
                guard let eq = property.firstIndex(of: "="), eq != property.startIndex else {
                    throw ValidationError("--property must be key=value, not \(property)")
                }
                configuration[String(property[..<eq])] = String(property[property.index(after: eq)...])
            }
            if let key { configuration["lakectl.primaryKey"] = splitList(key).joined(separator: ",") }
            let location = try TableLocation.open(table)
            try await DeltaTable.create(store: location.store, root: location.root, schema: columns,
                                        partitionColumns: partitionBy.map(splitList) ?? [], configuration: configuration,
                                        allowTimestampNtz: timestampNtz)
            printLine("created \(table) (version 0)")
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a table's version, schema, partitioning, properties and size.")
        @Argument(help: "The table's folder.") var table: String
        @Option(help: "Describe this version.") var version: Int64?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let snapshot = try await TableLocation.open(table).snapshot(version: version)
            let bytes = snapshot.filesByPath.values.reduce(Int64(0)) { $0 + $1.size }
            let columns: [JSONValue] = snapshot.schema.fields.map {
                .object([("name", .string($0.name)), ("type", .string($0.type.description)), ("nullable", .bool($0.nullable))])
            }
            var pairs: [(String, JSONValue)] = [
                ("version", .int(snapshot.version)),
                ("id", .string(snapshot.metadata.id)),
                ("minReaderVersion", .int(snapshot.protocol.minReaderVersion)),
                ("minWriterVersion", .int(snapshot.protocol.minWriterVersion)),
                ("columns", .array(columns)),
                ("partitionColumns", .array(snapshot.partitionColumns.map { .string($0) })),
                ("properties", .stringMap(snapshot.configuration)),
                ("numFiles", .int(snapshot.filesByPath.count)),
                ("sizeInBytes", .int(bytes)),
            ]
            if let rows = snapshot.numRecords { pairs.append(("numRecords", .int(rows))) }
            if let features = snapshot.protocol.readerFeatures { pairs.append(("readerFeatures", .array(features.map { .string($0) }))) }
            if let features = snapshot.protocol.writerFeatures { pairs.append(("writerFeatures", .array(features.map { .string($0) }))) }
            if json {
                printLine(JSONValue.object(pairs).serialized)
                return
            }
            printLine("table      \(table)")
            printLine("version    \(snapshot.version) (\(millisToISO(snapshot.timestamp)))")
            printLine("id         \(snapshot.metadata.id)")
            printLine("protocol   reader \(snapshot.protocol.minReaderVersion), writer \(snapshot.protocol.minWriterVersion)")
            printLine("files      \(snapshot.filesByPath.count), \(bytes) bytes" + (snapshot.numRecords.map { ", \($0) rows" } ?? ""))
            printLine("partitions \(snapshot.partitionColumns.isEmpty ? "(none)" : snapshot.partitionColumns.joined(separator: ", "))")
            printLine("columns")
            for field in snapshot.schema.fields {
                printLine("  \(field.name) \(field.type)\(field.nullable ? "" : " not null")")
            }
            if !snapshot.configuration.isEmpty {
                printLine("properties")
                for key in snapshot.configuration.keys.sorted() { printLine("  \(key)=\(snapshot.configuration[key] ?? "")") }
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a table's commits, newest first.")
        @Argument(help: "The table's folder.") var table: String
        @Option(help: "At most this many commits.") var limit: Int?
        @Flag(help: "Print JSON (one array).") var json = false

        func run() async throws {
            let entries = try await TableLocation.open(table).history(limit: limit)
            if json {
                let array: [JSONValue] = entries.map { entry in
                    var pairs: [(String, JSONValue)] = [("version", .int(entry.version)), ("timestamp", .int(entry.timestamp))]
                    if let op = entry.operation { pairs.append(("operation", .string(op))) }
                    pairs.append(("operationParameters", .stringMap(entry.operationParameters)))
                    pairs.append(("operationMetrics", .stringMap(entry.operationMetrics)))
                    if let read = entry.readVersion { pairs.append(("readVersion", .int(read))) }
                    if let blind = entry.isBlindAppend { pairs.append(("isBlindAppend", .bool(blind))) }
                    if let engine = entry.engineInfo { pairs.append(("engineInfo", .string(engine))) }
                    return .object(pairs)
                }
                printLine(JSONValue.array(array).serialized)
                return
            }
            printLine("version  timestamp                 operation        parameters")
            for entry in entries {
                let params = entry.operationParameters.keys.sorted().map { "\($0)=\(entry.operationParameters[$0] ?? "")" }.joined(separator: " ")
                let v = String(entry.version).padding(toLength: 8, withPad: " ", startingAt: 0)
                let op = (entry.operation ?? "-").padding(toLength: 16, withPad: " ", startingAt: 0)
                printLine("\(v) \(millisToISO(entry.timestamp).padding(toLength: 25, withPad: " ", startingAt: 0)) \(op) \(params)")
            }
        }
    }

    struct Files: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the live data files of a table version.")
        @Argument(help: "The table's folder.") var table: String
        @Option(help: "List this version's files.") var version: Int64?
        @Flag(help: "Print one JSON object per file (path as logged, partition values, size, stats).") var json = false

        func run() async throws {
            let snapshot = try await TableLocation.open(table).snapshot(version: version)
            for file in snapshot.files {
                if json {
                    var pairs: [(String, JSONValue)] = [
                        ("path", .string(file.decodedPath)), ("logPath", .string(file.path)),
                        ("partitionValues", .optionalStringMap(file.partitionValues)), ("size", .int(file.size)),
                    ]
                    if let stats = file.stats { pairs.append(("stats", .string(stats))) }
                    printLine(JSONValue.object(pairs).serialized)
                } else {
                    printLine(file.decodedPath)
                }
            }
        }
    }

    struct Append: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load JSON Lines or Parquet files into a table as one commit.",
            discussion: """
                JSON Lines rows use the table's schema (dates "YYYY-MM-DD", timestamps ISO 8601, decimals as \
                strings). --mode overwrite replaces the table's rows (or, with --where col=value, those of one \
                partition). --txn-app-id/--txn-version commit each batch exactly once: a batch whose version is \
                not above the table's recorded version for the app is skipped.
                """
        )
        @Argument(help: "The table's folder.") var table: String
        @Argument(help: "Input files (.jsonl or .parquet).") var files: [String]
        @Option(help: "append or overwrite.") var mode: String = "append"
        @Option(help: "With --mode overwrite: only replace rows where partition column = value (col=value).") var `where`: String?
        @Option(help: "Application id for exactly-once commits.") var txnAppId: String?
        @Option(help: "Batch version for exactly-once commits.") var txnVersion: Int64?

        func run() async throws {
            guard mode == "append" || mode == "overwrite" else { throw ValidationError("--mode must be append or overwrite") }
            guard (txnAppId == nil) == (txnVersion == nil) else { throw ValidationError("--txn-app-id and --txn-version go together") }
            let deltaTable = try TableLocation.open(table)
            let snapshot = try await deltaTable.snapshot()
            if let txnAppId, let txnVersion, let done = snapshot.transactionVersion(appId: txnAppId), done >= txnVersion {
                printLine("skipped: \(txnAppId) already committed version \(done)")
                return
            }
            let schema = try snapshot.schema.columnarSchema()
            let writer = try DataFileWriter(table: deltaTable, snapshot: snapshot)
            var adds: [AddFile] = []
            var rows = 0
            for file in files {
                for batch in try await readInput(file, schema: schema) {
                    rows += batch.rowCount
                    adds += try await writer.write(batch)
                }
            }
            var txn = try await deltaTable.startTransaction(operation: "WRITE", snapshot: snapshot)
            txn.parameters["mode"] = mode == "append" ? "Append" : "Overwrite"
            if mode == "overwrite" {
                if let condition = `where` {
                    guard let eq = condition.firstIndex(of: "=") else { throw ValidationError("--where must be col=value") }
                    let column = String(condition[..<eq]), text = String(condition[condition.index(after: eq)...])
                    guard snapshot.partitionColumns.contains(column), let index = schema.index(of: column) else {
                        throw ValidationError("--where needs a partition column (\(snapshot.partitionColumns.joined(separator: ", ")))")
                    }
                    let value: ScalarValue
                    if text.isEmpty || text == "NULL" {
                        value = .null
                    } else if let parsed = DeltaValueFormat.parse(text, type: schema.fields[index].type) {
                        value = parsed
                    } else {
                        throw ValidationError("--where: \(text) is not a valid \(schema.fields[index].type)")
                    }
                    let predicate = ScanPredicate.equals(column, value)
                    for file in try snapshot.scan(predicate) { txn.remove(file) }
                    txn.readPredicate = predicate
                    for add in adds where !(try snapshot.scanMatches(predicate, partitionValues: add.partitionValues)) {
                        throw ValidationError("a row outside \(condition) was given for a partition overwrite")
                    }
                } else {
                    for file in snapshot.files { txn.remove(file) }
                    txn.readWholeTable = true
                }
            }
            txn.add(contentsOf: adds)
            if let txnAppId, let txnVersion { txn.setTransaction(appId: txnAppId, version: txnVersion) }
            txn.metrics = ["numFiles": String(adds.count), "numOutputRows": String(rows),
                           "numOutputBytes": String(adds.reduce(Int64(0)) { $0 + $1.size }),
                           "numRemovedFiles": String(txn.removes.count)]
            let result = try await txn.commit()
            printLine("committed version \(result.version): \(rows) rows in \(adds.count) files")
        }
    }

    struct Vacuum: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete data files no version within the retention period references (dry run unless --execute).")
        @Argument(help: "The table's folder.") var table: String
        @Option(help: "Retention in hours (default: the table's delta.deletedFileRetentionDuration, 7 days).") var retainHours: Double?
        @Option(help: "Never delete files modified within this many minutes (in-flight commits).") var graceMinutes: Double = 60
        @Flag(help: "Delete the files (default: only list them).") var execute = false

        func run() async throws {
            let report = try await TableLocation.open(table).vacuum(retentionHours: retainHours, gracePeriod: graceMinutes * 60,
                                                                    dryRun: !execute)
            for file in report.files { printLine(file) }
            let verb = execute ? "deleted" : "would delete"
            printLine("\(verb) \(report.files.count) files (\(report.bytes) bytes); kept \(report.skippedRecent) recent unreferenced files")
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a checkpoint of the latest version (and _last_checkpoint).")
        @Argument(help: "The table's folder.") var table: String

        func run() async throws {
            let version = try await TableLocation.open(table).checkpoint()
            printLine("checkpoint written at version \(version)")
        }
    }
}

func splitList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// Reads an input file (JSON Lines with the table's schema, or Parquet) as batches.
func readInput(_ path: String, schema: Schema) async throws -> [ColumnBatch] {
    let lower = path.lowercased()
    if lower.hasSuffix(".parquet") {
        return try await ParquetTableInput.read(path: path, schema: schema)
    }
    var source = try JSONLinesBatchSource(path: path, schema: schema)
    var batches: [ColumnBatch] = []
    while let batch = try source.next() { batches.append(batch) }
    return batches
}

extension Snapshot {
    /// Whether a file with these partition values could match the predicate.
    func scanMatches(_ predicate: ScanPredicate, partitionValues: PartitionValues) throws -> Bool {
        try mayMatch(predicate, file: AddFile(path: "probe", partitionValues: partitionValues, size: 0, modificationTime: 0))
    }
}

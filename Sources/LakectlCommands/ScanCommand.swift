import ArgumentParser
import DeltaLog
import Foundation
import LakeColumnar
import LakeParquet
import LakeS3

/// `lakectl scan TABLE`: prints or writes the rows of a table version.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Print or write the rows of a Delta table (any version).",
        discussion: """
            --format jsonl prints one JSON object per row (dates "YYYY-MM-DD", timestamps ISO 8601 with \
            microseconds, decimals as strings, binary as base64); csv prints a header and RFC 4180 rows \
            (null as an empty field); parquet writes a file (needs --output).
            """
    )
    @Argument(help: "The table's folder.") var table: String
    @Option(help: "Read this version.") var version: Int64?
    @Option(help: "Read the version current at this time (ISO 8601, or milliseconds since the epoch).") var timestamp: String?
    @Option(help: "Comma-separated columns (default: all).") var columns: String?
    @Option(help: "jsonl, csv or parquet.") var format: String = "jsonl"
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func validate() throws {
        guard ["jsonl", "csv", "parquet"].contains(format) else { throw ValidationError("--format must be jsonl, csv or parquet") }
        if version != nil && timestamp != nil { throw ValidationError("give --version or --timestamp, not both") }
        if format == "parquet" && output == nil { throw ValidationError("--format parquet needs --output FILE") }
    }

    func run() async throws {
        let deltaTable = try TableLocation.open(table)
        let snapshot: Snapshot
        if let timestamp {
            snapshot = try await deltaTable.snapshot(timestamp: try parseTime(timestamp))
        } else {
            snapshot = try await deltaTable.snapshot(version: version)
        }
        let wanted = columns.map(splitList)
        // One file at a time, so memory holds one data file's rows, not the table's.
        let files = snapshot.files
        let all = try snapshot.schema.columnarSchema()
        let schema = try Schema((wanted ?? all.names).map { name in
            guard let index = all.index(of: name) else {
                throw ValidationError("the table has no column \(name) (columns: \(all.names.joined(separator: ", ")))")
            }
            return all.fields[index]
        })
        switch format {
        case "parquet":
            guard let output else { return }
            let writer = try ParquetOutput.writer(path: output, schema: schema)
            for file in files {
                for batch in try await deltaTable.readFile(file, snapshot: snapshot, columns: wanted) { try writer.write(batch) }
            }
            _ = try writer.close()
        default:
            var out: [UInt8] = []
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil), let h = FileHandle(forWritingAtPath: output) else {
                    throw ValidationError("cannot write \(output)")
                }
                handle = h
            } else {
                handle = FileHandle.standardOutput
            }
            if format == "csv" {
                out += Array(schema.names.map(RowRenderer.csvField).joined(separator: ",").utf8)
                out.append(0x0A)
            }
            for file in files {
                for batch in try await deltaTable.readFile(file, snapshot: snapshot, columns: wanted) {
                    for row in 0..<batch.rowCount {
                        if format == "csv" {
                            RowRenderer.csvRow(batch, row: row, into: &out)
                        } else {
                            RowRenderer.jsonRow(batch, row: row, into: &out)
                        }
                        if out.count > 1 << 20 { handle.write(Data(out)); out.removeAll(keepingCapacity: true) }
                    }
                }
            }
            handle.write(Data(out))
            if output != nil { try handle.close() }
        }
    }

    func parseTime(_ text: String) throws -> Date {
        if let ms = Int64(text) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
        if let micros = DeltaValueFormat.parseTimestamp(text) { return Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
        throw ValidationError("--timestamp \(text) is not ISO 8601 or milliseconds")
    }
}

enum ParquetOutput {
    /// A zstd writer, or an uncompressed one where this build lacks the codec.
    static func writer(path: String, schema: Schema) throws -> ParquetWriter {
        var options = WriterOptions()
        do {
            return try ParquetWriter(sink: FileSink(path: path), schema: schema, options: options)
        } catch is ParquetError {
            options.compression = .uncompressed
            return try ParquetWriter(sink: FileSink(path: path), schema: schema, options: options)
        }
    }
}

/// Reads a Parquet input file as batches of the table's schema.
enum ParquetTableInput {
    static func read(path: String, schema: Schema) async throws -> [ColumnBatch] {
        let (store, key) = try StoreFactory.locate(path)
        let reader = try await ParquetReader.open(ObjectStoreSource(store: store, key: key))
        // Only the table's columns; their types are checked (and widened) by the data-file writer.
        return try await reader.readBatches(columns: schema.names.filter { reader.column(named: $0) != nil })
    }
}

/// Text forms of rows for `scan` output.
enum RowRenderer {
    static func text(_ column: Column, row: Int, type: DataType) -> String? {
        let value = DeltaValueFormat.scalar(column, row: row, type: type)
        switch value {
        case .null: return nil
        case .timestamp(let t):
            if case .timestamp(utc: false) = type { return DeltaValueFormat.timestampISO(t).replacingOccurrences(of: "Z", with: "") }
            return DeltaValueFormat.timestampISO(t)
        case .binary(let b): return Data(b).base64EncodedString()
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
            if case .float32 = type { return String(Float(d)) }
            return String(d)
        default: return value.description
        }
    }

    static func jsonRow(_ batch: ColumnBatch, row: Int, into out: inout [UInt8]) {
        var pairs: [(String, JSONValue)] = []
        for (field, column) in zip(batch.schema.fields, batch.columns) {
            guard let text = text(column, row: row, type: field.type) else { pairs.append((field.name, .null)); continue }
            switch field.type {
            case .boolean: pairs.append((field.name, .bool(text == "true")))
            case .int8, .int16, .int32, .int64: pairs.append((field.name, .number(text)))
            case .float32, .float64:
                pairs.append((field.name, Double(text).map { $0.isFinite } == true ? .number(text) : .string(text)))
            default: pairs.append((field.name, .string(text)))
            }
        }
        JSONValue.object(pairs).write(into: &out)
        out.append(0x0A)
    }

    static func csvField(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    static func csvRow(_ batch: ColumnBatch, row: Int, into out: inout [UInt8]) {
        var first = true
        for (field, column) in zip(batch.schema.fields, batch.columns) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            if let text = text(column, row: row, type: field.type) { out += Array(csvField(text).utf8) }
        }
        out.append(0x0A)
    }
}

import ArgumentParser
import Foundation
import LakeColumnar
import LakeParquet

/// `lakectl convert INPUT OUTPUT`: converts a table file between formats. Formats come from the
/// file extensions (see ``TableFileFormat``); today: JSON Lines in (with `--schema`), Parquet out.
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a table file between formats (JSON Lines or CSV → Parquet or CSV).",
        discussion: """
            INPUT is JSON Lines (.jsonl/.ndjson/.json): one object per row, with --schema giving the \
            columns. Values: dates as "YYYY-MM-DD", timestamps as ISO 8601 (microseconds), decimals as \
            strings, binary as base64, NaN and infinities as "NaN", "Infinity", "-Infinity".
            CSV input and output (.csv, .csv.gz, .csv.zst) use the AWS DMS dialect by default (NULL is an \
            empty unquoted field, "" the empty string, no header); see the CSV options. CSV input needs --schema.
            OUTPUT is Parquet (.parquet) or CSV.
            The schema file is JSON: {"columns": [{"name": "id", "type": "long", "nullable": false}, ...]} \
            with Delta type names: boolean byte short integer long float double decimal(P,S) string \
            binary date timestamp timestamp_ntz.
            """
    )

    @Argument(help: "The input file.") var input: String
    @Argument(help: "The output file.") var output: String
    @Option(help: "A JSON schema file (required for JSON Lines input).") var schema: String?
    @Option(help: "Parquet page compression: zstd, snappy, gzip or none.") var compression: String = "zstd"
    @Option(help: "Parquet data page version: 1 or 2.") var pageVersion: Int = 1
    @Flag(help: "Write Parquet without dictionary encoding.") var noDictionary = false
    @Option(help: "Rows per Parquet row group.") var rowGroupRows: Int?
    @OptionGroup(title: "CSV options") var csv: CSVConvertOptions

    func run() async throws {
        let inputFormat = try TableFileFormat(path: input)
        let outputFormat = try TableFileFormat(path: output)
        let schemaValue = try schema.map { try ConvertSchemaFile.load(path: $0) }
        var source = try openSource(format: inputFormat, schema: schemaValue)
        let sink = try openSink(format: outputFormat, schema: source.schema)
        do {
            while let batch = try source.next() { try sink.write(batch) }
            try sink.close()
        } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw error
        }
    }

    // MARK: format dispatch (the one place that knows the formats)

    private func openSource(format: TableFileFormat, schema: Schema?) throws -> any TableBatchSource {
        switch format {
        case .jsonLines:
            guard let schema else { throw ValidationError("JSON Lines input needs --schema FILE") }
            return try JSONLinesBatchSource(path: input, schema: schema)
        case .csv:
            guard let schema else { throw ValidationError("CSV input needs --schema FILE") }
            return try CSVBatchSource(path: input, schema: schema, options: csv)
        case .parquet:
            throw ValidationError("\(input): reading \(format) in convert is not supported yet")
        }
    }

    private func openSink(format: TableFileFormat, schema: Schema) throws -> any TableBatchSink {
        switch format {
        case .parquet:
            var options = WriterOptions()
            switch compression.lowercased() {
            case "zstd": options.compression = .zstd
            case "snappy": options.compression = .snappy
            case "gzip": options.compression = .gzip
            case "none", "uncompressed": options.compression = .uncompressed
            default: throw ValidationError("--compression must be zstd, snappy, gzip or none, not \(compression)")
            }
            switch pageVersion {
            case 1: options.dataPageVersion = .v1
            case 2: options.dataPageVersion = .v2
            default: throw ValidationError("--page-version must be 1 or 2")
            }
            options.dictionaryEnabled = !noDictionary
            if let rowGroupRows {
                guard rowGroupRows > 0 else { throw ValidationError("--row-group-rows must be positive") }
                options.rowGroupRows = rowGroupRows
            }
            return try ParquetBatchSink(writer: ParquetWriter(sink: FileSink(path: output), schema: schema, options: options))
        case .csv:
            return try CSVBatchSink(path: output, schema: schema, options: csv)
        case .jsonLines:
            throw ValidationError("\(output): writing \(format) in convert is not supported yet")
        }
    }
}

/// The table file formats `convert` knows, by extension.
enum TableFileFormat: CustomStringConvertible {
    case jsonLines, parquet, csv

    init(path: String) throws {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { self = .jsonLines }
        else if lower.hasSuffix(".parquet") || lower.hasSuffix(".parq") { self = .parquet }
        else if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") || lower.hasSuffix(".csv.zst") { self = .csv }
        else { throw ValidationError("\(path): unknown file format (use .jsonl, .parquet or .csv)") }
    }

    var description: String {
        switch self {
        case .jsonLines: "JSON Lines"
        case .parquet: "Parquet"
        case .csv: "CSV"
        }
    }
}

/// Something that produces batches (an input file).
protocol TableBatchSource {
    var schema: Schema { get }
    mutating func next() throws -> ColumnBatch?
}

/// Something that consumes batches (an output file).
protocol TableBatchSink {
    func write(_ batch: ColumnBatch) throws
    func close() throws
}

struct ParquetBatchSink: TableBatchSink {
    let writer: ParquetWriter
    func write(_ batch: ColumnBatch) throws { try writer.write(batch) }
    func close() throws { try writer.close() }
}

// MARK: schema file

/// Loads the `--schema FILE` JSON through ``SchemaFile`` (Delta type names and SQL aliases).
enum ConvertSchemaFile {
    static func load(path: String) throws -> Schema {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConvertError("cannot read schema file \(path): \(error.localizedDescription)")
        }
        do { return try SchemaFile.parse([UInt8](data), source: path).schema } catch {
            throw ConvertError(error.description)
        }
    }
}

/// A failure of `convert` that is not a usage error (bad input data, unreadable files).
struct ConvertError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

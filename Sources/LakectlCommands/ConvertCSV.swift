import ArgumentParser
import Foundation
import LakeCSV
import LakeCodecs
import LakeColumnar

/// The CSV options of `lakectl convert` (input and output share one dialect).
struct CSVConvertOptions: ParsableArguments {
    @Option(help: "CSV field delimiter: one character, or 'tab'.") var delimiter: String = ","
    @Option(help: "CSV quote character.") var quote: String = "\""
    @Option(name: .customLong("null"), help: "CSV NULL spelling (default: an empty unquoted field, as AWS DMS writes; \"\" is the empty string).")
    var nullMarker: String?
    @Flag(inversion: .prefixedNo, help: "Whether the CSV has a header row of column names (default: no, as AWS DMS).")
    var header = false
    @Flag(help: "Quote every non-null CSV field, not just those that need it.") var quoteAll = false
    @Flag(help: "Write CSV lines ending in CRLF instead of LF.") var crlf = false
    @Option(help: "How CSV spells binary values: hex or base64.") var binary: String = "hex"
    @Flag(help: "Accept CSV rows with missing (NULL) or extra (ignored) fields.") var allowRaggedRows = false
    @Option(help: "Skip malformed CSV rows, listing them in this file (line, reason, row) instead of stopping.")
    var badRows: String?

    func dialect() throws -> CSVDialect {
        func byte(_ text: String, _ what: String) throws -> UInt8 {
            if text.lowercased() == "tab" || text == "\\t" { return 9 }
            guard text.utf8.count == 1, let b = text.utf8.first else {
                throw ValidationError("--\(what) must be a single ASCII character, not '\(text)'")
            }
            return b
        }
        guard let encoding = BinaryTextEncoding(rawValue: binary.lowercased()) else {
            throw ValidationError("--binary must be hex or base64, not '\(binary)'")
        }
        let dialect = CSVDialect(delimiter: try byte(delimiter, "delimiter"), quote: try byte(quote, "quote"),
                                 nullMarker: nullMarker.flatMap { $0.isEmpty ? nil : Array($0.utf8) },
                                 header: header, crlf: crlf, quoteAll: quoteAll, binaryEncoding: encoding)
        do { try dialect.validate() } catch { throw ValidationError("\(error)") }
        return dialect
    }

    func readOptions() throws -> CSVReadOptions {
        var options = CSVReadOptions(dialect: try dialect())
        options.allowRaggedRows = allowRaggedRows
        options.collectBadRows = badRows != nil
        return options
    }
}

/// CSV input of `convert` (.csv, .csv.gz, .csv.zst): streamed batch by batch.
final class CSVBatchSource: TableBatchSource {
    let file: CSVFileReader
    let badRowsPath: String?

    init(path: String, schema: Schema, options: CSVConvertOptions, threads: Int? = nil) throws {
        var readOptions = try options.readOptions()
        if let threads { readOptions.threads = max(1, threads) }
        file = try CSVFileReader(path: path, schema: schema, options: readOptions)
        badRowsPath = options.badRows
    }

    var schema: Schema { file.schema }

    func next() throws -> ColumnBatch? {
        if let batch = try file.next() { return batch }
        try writeBadRows()
        return nil
    }

    private func writeBadRows() throws {
        guard let badRowsPath else { return }
        var text = ""
        for row in file.reader.badRows {
            text += "\(file.path):\(row.line): \(row.message)\t\(String(decoding: row.text, as: UTF8.self).debugDescription)\n"
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: badRowsPath)) } catch {
            throw ConvertError("cannot write \(badRowsPath): \(error.localizedDescription)")
        }
        if !file.reader.badRows.isEmpty {
            FileHandle.standardError.write(Data("lakectl: skipped \(file.reader.badRows.count) bad rows, listed in \(badRowsPath)\n".utf8))
        }
    }
}

/// CSV output of `convert`; gzip or zstd when the name ends in .gz / .zst.
struct CSVBatchSink: TableBatchSink {
    let writer: CSVFile.Writer

    init(path: String, schema: Schema, options: CSVConvertOptions) throws {
        writer = try CSVFile.Writer(path: path, schema: schema, dialect: try options.dialect())
    }

    func write(_ batch: ColumnBatch) throws { try writer.write(batch) }
    func close() throws { try writer.close() }
}

/// `lakectl debug csv-read-bench FILE --schema S`: reads a CSV file into batches and discards
/// them (no output file), printing rows and seconds; the CSV read benchmark times this.
struct DebugCSVReadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csv-read-bench",
        abstract: "Read a CSV file into column batches and print the row count and time.",
        shouldDisplay: false
    )

    @Argument(help: "The CSV file (.csv, .csv.gz, .csv.zst).") var input: String
    @Option(help: "The JSON schema file.") var schema: String
    @OptionGroup var csv: CSVConvertOptions
    @Option(help: "Parsing threads (default: the processors online, at most 4).") var threads: Int?

    func run() async throws {
        let schemaValue = try ConvertSchemaFile.load(path: schema)
        let start = Date()
        let source = try CSVBatchSource(path: input, schema: schemaValue, options: csv, threads: threads)
        var rows = 0
        var batches = 0
        while let batch = try source.next() {
            rows += batch.rowCount
            batches += 1
        }
        let seconds = Date().timeIntervalSince(start)
        print("{\"rows\": \(rows), \"batches\": \(batches), \"seconds\": \(seconds)}")
    }
}

import ArgumentParser
import Foundation
import LakeColumnar
import LakeParquet
import LakeS3

/// `lakectl parquet schema|meta|cat`: inspect Parquet files, like parquet-tools.
struct ParquetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Inspect Parquet files: schema, footer metadata and rows.",
        subcommands: [ParquetSchema.self, ParquetMeta.self, ParquetCat.self, ParquetReadBench.self]
    )
}

/// Opens a Parquet file from a local path, a `file://` URL or an object-store URL (`s3://…`).
enum ParquetInput {
    static func open(_ location: String) async throws -> ParquetReader {
        if location.hasPrefix("file://") {
            return try await ParquetReader.open(path: String(location.dropFirst("file://".count)))
        }
        if location.contains("://") {
            // Ranged reads: the footer with one suffix request, then only the needed chunks.
            let (store, key) = try StoreFactory.locate(location)
            return try await ParquetReader.open(ObjectStoreSource(store: store, key: key))
        }
        return try await ParquetReader.open(path: location)
    }

    static func columnList(_ text: String?) -> [String]? {
        guard let text, !text.isEmpty else { return nil }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Buffered standard output.
struct OutputBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 20) }

    mutating func flushIfLarge() {
        if bytes.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(1, buffer.baseAddress.map { $0 + done }, buffer.count - done)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func line(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        bytes.append(10)
    }
}

struct ParquetSchema: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print the columns: name, lakectl type, nullability, Parquet type and annotations.")

    @Argument(help: "A Parquet file (path or file:// URL).")
    var file: String

    func run() async throws {
        let reader = try await ParquetInput.open(file)
        var out = OutputBuffer()
        for c in reader.columns {
            let type = c.dataType.map { "\($0)" } ?? "unsupported"
            var parquet = "\(c.physicalType)"
            if c.physicalType == .fixedLenByteArray { parquet += "(\(c.typeLength))" }
            if let logical = c.element.logicalType { parquet += " logical=\(logical)" }
            if let converted = c.element.convertedType { parquet += " converted=\(converted)" }
            var text = "\(c.name)\t\(type)\t\(c.nullable ? "nullable" : "required")\t\(parquet)"
            if let reason = c.unsupportedReason { text += "\t(\(reason))" }
            out.line(text)
        }
        out.flush()
    }
}

struct ParquetMeta: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta", abstract: "Print the footer: row groups, column chunks, encodings, codecs and statistics.")

    @Argument(help: "A Parquet file (path or file:// URL).")
    var file: String

    @Option(help: "text or json.")
    var format: String = "text"

    func run() async throws {
        guard format == "text" || format == "json" else { throw ValidationError("--format must be text or json") }
        let reader = try await ParquetInput.open(file)
        let m = reader.metadata
        var out = OutputBuffer()
        if format == "json" {
            var json: [UInt8] = []
            func key(_ k: String) { ParquetValueFormatter.appendJSONString(k, to: &json); json.append(UInt8(ascii: ":")) }
            func raw(_ s: String) { json.append(contentsOf: s.utf8) }
            raw("{"); key("file"); ParquetValueFormatter.appendJSONString(reader.name, to: &json)
            raw(","); key("size"); raw(String(reader.fileSize))
            raw(","); key("version"); raw(String(m.version))
            raw(","); key("created_by")
            if let c = m.createdBy { ParquetValueFormatter.appendJSONString(c, to: &json) } else { raw("null") }
            raw(","); key("num_rows"); raw(String(m.numRows))
            raw(","); key("row_groups"); raw("[")
            for (g, group) in m.rowGroups.enumerated() {
                if g > 0 { raw(",") }
                raw("{"); key("num_rows"); raw(String(group.numRows))
                raw(","); key("total_byte_size"); raw(String(group.totalByteSize))
                raw(","); key("columns"); raw("[")
                for (i, c) in reader.columns.enumerated() {
                    if i > 0 { raw(",") }
                    raw("{"); key("path"); ParquetValueFormatter.appendJSONString(c.name, to: &json)
                    if let cm = group.columns[c.leafIndex].metaData {
                        raw(","); key("physical_type"); ParquetValueFormatter.appendJSONString("\(cm.type)", to: &json)
                        raw(","); key("codec"); ParquetValueFormatter.appendJSONString("\(cm.codec)", to: &json)
                        raw(","); key("encodings"); raw("[")
                        raw(cm.encodings.map { "\"\($0)\"" }.joined(separator: ",")); raw("]")
                        raw(","); key("num_values"); raw(String(cm.numValues))
                        raw(","); key("total_compressed_size"); raw(String(cm.totalCompressedSize))
                        raw(","); key("total_uncompressed_size"); raw(String(cm.totalUncompressedSize))
                        raw(","); key("data_page_offset"); raw(String(cm.dataPageOffset))
                        raw(","); key("dictionary_page_offset"); raw(cm.dictionaryPageOffset.map { String($0) } ?? "null")
                    }
                    raw(","); key("statistics")
                    if let s = reader.statistics(rowGroup: g, column: c) {
                        raw("{"); key("min"); Self.appendStatistic(s.min, c, to: &json)
                        raw(","); key("max"); Self.appendStatistic(s.max, c, to: &json)
                        raw(","); key("null_count"); raw(s.nullCount.map { String($0) } ?? "null")
                        raw(","); key("distinct_count"); raw(s.distinctCount.map { String($0) } ?? "null")
                        raw("}")
                    } else {
                        raw("null")
                    }
                    raw("}")
                }
                raw("]}")
            }
            raw("]}")
            out.bytes = json
            out.bytes.append(10)
            out.flush()
            return
        }
        out.line("file: \(reader.name) (\(reader.fileSize) bytes)")
        out.line("created by: \(m.createdBy ?? "-"), format version \(m.version)")
        out.line("rows: \(m.numRows), row groups: \(m.rowGroups.count), columns: \(reader.columns.count)")
        if let kv = m.keyValueMetadata, !kv.isEmpty {
            out.line("key/value metadata: \(kv.map(\.key).joined(separator: ", "))")
        }
        for (g, group) in m.rowGroups.enumerated() {
            out.line("row group \(g): \(group.numRows) rows, \(group.totalByteSize) bytes uncompressed" +
                     (group.totalCompressedSize.map { ", \($0) compressed" } ?? ""))
            for c in reader.columns {
                guard let cm = group.columns[c.leafIndex].metaData else {
                    out.line("  \(c.name): no metadata")
                    continue
                }
                var text = "  \(c.name): \(cm.type) \(cm.codec) [\(cm.encodings.map(\.description).joined(separator: ","))]"
                text += " values=\(cm.numValues) compressed=\(cm.totalCompressedSize) uncompressed=\(cm.totalUncompressedSize)"
                if let s = reader.statistics(rowGroup: g, column: c) {
                    var stat: [UInt8] = []
                    Self.appendStatistic(s.min, c, to: &stat)
                    text += " min=" + String(decoding: stat, as: UTF8.self)
                    stat = []
                    Self.appendStatistic(s.max, c, to: &stat)
                    text += " max=" + String(decoding: stat, as: UTF8.self)
                    text += " nulls=\(s.nullCount.map { String($0) } ?? "-")"
                    if let d = s.distinctCount { text += " distinct=\(d)" }
                }
                out.line(text)
            }
        }
        out.flush()
    }

    static func appendStatistic(_ value: StatisticValue?, _ c: ParquetColumnDescriptor, to out: inout [UInt8]) {
        guard let value, let type = c.dataType else {
            out.append(contentsOf: "null".utf8)
            return
        }
        switch (value, type) {
        case (.bool(let b), _): out.append(contentsOf: (b ? "true" : "false").utf8)
        case (.int(let v), .date): ParquetValueFormatter.appendQuoted(ParquetValueFormatter.formatDate(v), to: &out)
        case (.int(let v), .timestamp(let utc)): ParquetValueFormatter.appendQuoted(ParquetValueFormatter.formatTimestamp(v, utc: utc), to: &out)
        case (.int(let v), _): out.append(contentsOf: String(v).utf8)
        case (.double(let v), .float32): ParquetValueFormatter.appendFloat(v, text: "\(Float(v))", to: &out)
        case (.double(let v), _): ParquetValueFormatter.appendFloat(v, text: "\(v)", to: &out)
        case (.decimal(let v), .decimal(_, let scale)): ParquetValueFormatter.appendQuoted(ValueText.formatDecimal(v, scale: scale), to: &out)
        case (.decimal(let v), _): ParquetValueFormatter.appendQuoted(String(v), to: &out)
        case (.bytes(let b), .string): ParquetValueFormatter.appendJSONString(b, to: &out)
        case (.bytes(let b), _): ParquetValueFormatter.appendQuoted(Data(b).base64EncodedString(), to: &out)
        }
    }
}

struct ParquetCat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat", abstract: "Print rows as JSON lines or CSV.")

    @Argument(help: "A Parquet file (path or file:// URL).")
    var file: String

    @Option(help: "jsonl (one JSON object per row) or csv (with a header).")
    var format: String = "jsonl"

    @Option(help: "Comma-separated column names to print (default: all).")
    var columns: String?

    @Option(help: "Print at most this many rows.")
    var limit: Int?

    func run() async throws {
        guard format == "jsonl" || format == "csv" else { throw ValidationError("--format must be jsonl or csv") }
        if let limit, limit < 0 { throw ValidationError("--limit must be zero or more") }
        let reader = try await ParquetInput.open(file)
        let names = ParquetInput.columnList(columns)
        let schema = try reader.schema(columns: names)
        var out = OutputBuffer()
        let keys: [[UInt8]] = schema.fields.map { field in
            var k: [UInt8] = []
            ParquetValueFormatter.appendJSONString(field.name, to: &k)
            k.append(UInt8(ascii: ":"))
            return k
        }
        if format == "csv" {
            for (i, field) in schema.fields.enumerated() {
                if i > 0 { out.bytes.append(UInt8(ascii: ",")) }
                ParquetValueFormatter.appendCSVField(Array(field.name.utf8), to: &out.bytes)
            }
            out.bytes.append(10)
        }
        var remaining = limit ?? Int.max
        var group = 0
        while group < reader.rowGroupCount, remaining > 0 {
            let batch = try await reader.readRowGroup(group, columns: names)
            group += 1
            let rows = min(batch.rowCount, remaining)
            remaining -= rows
            let types = batch.schema.fields.map(\.type)
            for row in 0..<rows {
                if format == "jsonl" {
                    out.bytes.append(UInt8(ascii: "{"))
                    for (i, column) in batch.columns.enumerated() {
                        if i > 0 { out.bytes.append(UInt8(ascii: ",")) }
                        out.bytes.append(contentsOf: keys[i])
                        ParquetValueFormatter.appendJSON(column, types[i], row: row, to: &out.bytes)
                    }
                    out.bytes.append(UInt8(ascii: "}"))
                } else {
                    for (i, column) in batch.columns.enumerated() {
                        if i > 0 { out.bytes.append(UInt8(ascii: ",")) }
                        ParquetValueFormatter.appendCSV(column, types[i], row: row, to: &out.bytes)
                    }
                }
                out.bytes.append(10)
                out.flushIfLarge()
            }
        }
        out.flush()
    }
}

/// `lakectl parquet read-bench FILE`: reads every column of every row group and prints the time
/// (for Benchmarks/peers/parquet_read_bench.py).
struct ParquetReadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-bench", abstract: "Read all columns and print the elapsed time.", shouldDisplay: false)

    @Argument(help: "A Parquet file.")
    var file: String

    @Option(name: .customLong("repeat"), help: "Repetitions; the best time is printed.")
    var repetitions: Int = 1

    func run() async throws {
        var best = Double.infinity
        var rows = 0
        for _ in 0..<max(repetitions, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            let reader = try await ParquetInput.open(file)
            let batches = try await reader.readBatches()
            rows = batches.reduce(0) { $0 + $1.rowCount }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
        }
        print("rows=\(rows) seconds=\(String(format: "%.4f", best))")
    }
}

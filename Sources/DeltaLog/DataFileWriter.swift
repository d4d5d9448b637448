import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet

/// Writes column batches as Parquet data files of a table, one file per partition, into
/// Hive-style folders (`region=eu/part-00000-<uuid>.c000.zstd.parquet`), and returns the `add`
/// actions with exact sizes and statistics. Files are written before any commit references them;
/// a crash leaves orphans for vacuum, never a visible partial write.
public struct DataFileWriter: Sendable {
    public let table: DeltaTable
    /// The table's full schema (partition columns included) and partition columns.
    public let schema: Schema
    public let partitionColumns: [String]
    /// Parquet options; the default is zstd (falling back to uncompressed where this build lacks codecs).
    public var options: WriterOptions

    /// A writer for the table as of `snapshot`.
    public init(table: DeltaTable, snapshot: Snapshot, options: WriterOptions = WriterOptions()) throws {
        self.table = table
        schema = try snapshot.schema.columnarSchema()
        partitionColumns = snapshot.metadata.partitionColumns
        self.options = options
        self.options.writeStatistics = true
    }

    /// Writes `batch` (which must have every table column, in any order, with the table's types)
    /// and returns one `add` per partition written. Empty batches write nothing.
    public func write(_ batch: ColumnBatch, dataChange: Bool = true) async throws -> [AddFile] {
        if batch.rowCount == 0 { return [] }
        let aligned = try align(batch)
        let dataFields = schema.fields.filter { !partitionColumns.contains($0.name) }
        let dataIndices = dataFields.compactMap { schema.index(of: $0.name) }
        let partitionIndices = partitionColumns.compactMap { schema.index(of: $0) }

        // Group rows by their partition values.
        var groups: [[String?]: [Int]] = [:]
        var order: [[String?]] = []
        if partitionIndices.isEmpty {
            groups[[]] = Array(0..<aligned.rowCount)
            order = [[]]
        } else {
            for row in 0..<aligned.rowCount {
                let key: [String?] = partitionIndices.map { index in
                    let field = schema.fields[index]
                    let value = DeltaValueFormat.scalar(aligned.columns[index], row: row, type: field.type)
                    let text = DeltaValueFormat.partitionString(value, type: field.type)
                    return (text?.isEmpty ?? true) ? nil : text // "" is null for partitions (protocol)
                }
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(row)
            }
        }

        var adds: [AddFile] = []
        for key in order {
            guard let rows = groups[key] else { continue }
            let part = rows.count == aligned.rowCount ? aligned : BatchOps.gather(aligned, rows)
            let dataBatch = ColumnBatch(schema: Schema(dataFields), columns: dataIndices.map { part.columns[$0] }, rowCount: part.rowCount)
            var values: PartitionValues = [:]
            for (column, value) in zip(partitionColumns, key) { values[column] = .some(value) }
            adds.append(try await writeFile(dataBatch, partitionValues: values, dataChange: dataChange))
        }
        return adds
    }

    func writeFile(_ batch: ColumnBatch, partitionValues: PartitionValues, dataChange: Bool) async throws -> AddFile {
        let (bytes, codecName) = try encode(batch)
        let folder = DeltaPaths.partitionFolder(columns: partitionColumns, values: partitionValues)
        let name = "part-00000-\(UUID().uuidString.lowercased()).c000.\(codecName).parquet"
        let relative = folder + name
        try await table.store.put(table.key(relative), bytes: bytes, options: .createOnly)
        let stats = FileStats.compute(batch)
        return AddFile(path: DeltaPaths.encodeURIPath(relative), partitionValues: partitionValues, size: Int64(bytes.count),
                       modificationTime: Int64(Date().timeIntervalSince1970 * 1000), dataChange: dataChange,
                       stats: stats.jsonString(order: batch.schema.names))
    }

    func encode(_ batch: ColumnBatch) throws -> ([UInt8], String) {
        var options = self.options
        let sink = MemorySink()
        let writer: ParquetWriter
        do {
            writer = try ParquetWriter(sink: sink, schema: batch.schema, options: options)
        } catch let error as ParquetError {
            // A build without the codec: write uncompressed rather than fail.
            guard options.compression != .uncompressed else { throw error }
            options.compression = .uncompressed
            writer = try ParquetWriter(sink: sink, schema: batch.schema, options: options)
        }
        try writer.write(batch)
        _ = try writer.close()
        let name: String
        switch options.compression {
        case .zstd: name = "zstd"
        case .snappy: name = "snappy"
        case .gzip: name = "gz"
        default: name = "uncompressed"
        }
        return (sink.bytes, name)
    }

    /// Reorders the batch's columns into table order and checks names, types and nullability.
    func align(_ batch: ColumnBatch) throws -> ColumnBatch {
        var columns: [Column] = []
        for field in schema.fields {
            guard let index = batch.schema.index(of: field.name) else {
                throw DeltaLogError("the data has no column \(field.name) (table columns: \(schema.names.joined(separator: ", ")))")
            }
            let given = batch.schema.fields[index].type
            var column = batch.columns[index]
            var compatible = given == field.type
            // Wall-clock timestamps load into UTC timestamp columns unchanged (the table chose UTC).
            if case .timestamp = given, case .timestamp = field.type { compatible = true }
            if !compatible {
                switch (given, field.type) {
                case (.int8, .int16), (.int8, .int32), (.int8, .int64), (.int16, .int32), (.int16, .int64), (.int32, .int64),
                     (.float32, .float64):
                    column = try BatchOps.conform(column, to: field.type, name: field.name, file: "the data")
                default:
                    throw DeltaLogError("column \(field.name) is \(given) in the data but \(field.type) in the table")
                }
            }
            if !field.nullable, column.nullCount > 0 {
                throw DeltaLogError("column \(field.name) is not nullable but the data has \(column.nullCount) null value(s)")
            }
            columns.append(column)
        }
        if batch.schema.fields.count != schema.fields.count {
            let extra = batch.schema.names.filter { schema.index(of: $0) == nil }
            throw DeltaLogError("the data has column(s) \(extra.joined(separator: ", ")) that the table does not")
        }
        return ColumnBatch(schema: schema, columns: columns, rowCount: batch.rowCount)
    }
}

import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet

/// Reads the data files of a snapshot table row group by row group, and describes the files written
/// (``StreamingFile``). Partition columns live in the log's `partitionValues`, not in the files (as
/// Delta writers do).
struct TableFiles: Sendable {
    let table: DeltaTable
    /// The table's full schema (data and partition columns, in table order).
    let schema: Schema
    let partitionColumns: [String]
    /// Parquet writer settings for new files.
    var writerOptions = WriterOptions()

    /// The columns stored inside data files.
    var fileSchema: Schema { Schema(schema.fields.filter { !partitionColumns.contains($0.name) }) }

    /// A column repeating one partition value (its log text parsed to the column's type).
    static func constant(_ text: String?, type: DataType, count: Int, context: String) throws -> Column {
        guard let text else { return .nulls(type, count: count) }
        var builder = ColumnBuilder(type: type, capacity: count)
        var bytes = Array(text.utf8)
        if case .binary = type {
            // Partition values of binary columns are the raw bytes, not hex.
            var vb = VarBytes()
            for _ in 0..<count { vb.append(bytes) }
            return Column(.bytes(vb))
        }
        if case .timestamp = type, bytes.count > 10, bytes[10] == UInt8(ascii: "T") { bytes[10] = UInt8(ascii: " ") }
        for _ in 0..<count {
            let ok = bytes.withUnsafeBufferPointer { builder.appendText($0, options: .dms) }
            guard ok else { throw MergeError("\(context): value '\(text)' is not a \(type)") }
        }
        return builder.finish()
    }

    static func memoryBytes(_ batch: ColumnBatch) -> Int {
        batch.columns.reduce(0) { $0 + memoryBytes($1) }
    }

    // MARK: Streaming (one row group at a time)

    /// Opens a live file's footer.
    func open(_ file: AddFile) async throws -> ParquetReader {
        let key = try DeltaPaths.dataFileKey(tableRoot: table.root, logPath: file.path)
        return try await ParquetReader.open(ObjectStoreSource(store: table.store, key: key))
    }

    /// Per row group of a file: the rows (ascending, local to the group) its deletion vector deletes;
    /// empty lists when it has none.
    func deletedRows(_ file: AddFile, reader: ParquetReader) async throws -> [[Int32]] {
        let sizes = reader.metadata.rowGroups.map { Int($0.numRows) }
        guard file.deletionVector != nil else { return [[Int32]](repeating: [], count: sizes.count) }
        let rows = try await table.deletedRows(of: file, physicalRows: reader.numRows)
        return try DeletedRows.perGroup(rows, groupSizes: sizes, file: file.path)
    }

    /// The rows of a stored row group without those in `deleted` (ascending).
    static func dropping(_ deleted: [Int32], from batch: ColumnBatch) -> ColumnBatch {
        guard !deleted.isEmpty else { return batch }
        return batch.gather(DeletedRows.kept(count: batch.rowCount, dropping: deleted))
    }

    /// The key columns of row group `group` of a file: read from the file, or the file's partition
    /// value repeated when a key column is a partition column.
    /// Also returns the key columns as read from the file (nil when none is stored), so a rewrite of
    /// the row group need not decode them again.
    func keyColumns(_ names: [String], of file: AddFile, reader: ParquetReader, group: Int) async throws -> (keys: KeyColumns, stored: ColumnBatch?) {
        let rowCount = Int(reader.metadata.rowGroups[group].numRows)
        let fileNames = Set(reader.columns.map(\.name))
        let stored = names.filter { !partitionColumns.contains($0) && fileNames.contains($0) }
        let batch = stored.isEmpty ? nil : try await reader.readRowGroup(group, columns: stored)
        var columns: [Column] = []
        for name in names {
            guard let field = schema.fields.first(where: { $0.name == name }) else {
                throw MergeError.missingKeyColumn(name, context: file.path)
            }
            if partitionColumns.contains(name) {
                columns.append(try Self.constant(file.partitionValues[name] ?? nil, type: field.type, count: rowCount,
                                                 context: "\(file.path) partition \(name)"))
            } else if let batch, let c = batch.column(named: name) {
                guard c.storage.kind == field.type.storageKind else { throw typeMismatch(file, field) }
                columns.append(c)
            } else {
                columns.append(.nulls(field.type, count: rowCount))
            }
        }
        return (KeyColumns(columns), batch)
    }

    /// Row group `group` of a file in the file schema (``fileSchema``); columns added to the table
    /// after the file was written are null.
    /// `known`: columns of this row group already read (the key columns), not decoded again.
    func readStored(_ file: AddFile, reader: ParquetReader, group: Int, known: ColumnBatch? = nil) async throws -> ColumnBatch {
        let stored = fileSchema
        let rowCount = Int(reader.metadata.rowGroups[group].numRows)
        let fileNames = Set(reader.columns.map(\.name))
        let present = stored.fields.filter { fileNames.contains($0.name) && known?.column(named: $0.name) == nil }.map(\.name)
        let part = present.isEmpty && known != nil ? nil : try await reader.readRowGroup(group, columns: present)
        var columns: [Column] = []
        for field in stored.fields {
            if let c = part?.column(named: field.name) ?? known?.column(named: field.name) {
                guard c.storage.kind == field.type.storageKind, c.count == rowCount else { throw typeMismatch(file, field) }
                columns.append(c)
            } else {
                columns.append(.nulls(field.type, count: rowCount))
            }
        }
        return ColumnBatch(schema: stored, columns: columns, rowCount: rowCount)
    }

    /// The stored columns of a batch in the table schema (partition columns dropped).
    func stored(_ batch: ColumnBatch) -> ColumnBatch {
        let stored = fileSchema
        let indexes = stored.fields.compactMap { f in batch.schema.index(of: f.name) }
        return ColumnBatch(schema: stored, columns: indexes.map { batch.columns[$0] }, rowCount: batch.rowCount)
    }

    private func typeMismatch(_ file: AddFile, _ field: Field) -> MergeError {
        MergeError("\(file.path): column '\(field.name)' is not stored as \(field.type); the file does not match the table schema")
    }

    static func memoryBytes(_ column: Column) -> Int {
        switch column.storage {
        case .boolean(let v): v.count
        case .int8(let v): v.count
        case .int16(let v): v.count * 2
        case .int32(let v): v.count * 4
        case .int64(let v): v.count * 8
        case .float32(let v): v.count * 4
        case .float64(let v): v.count * 8
        case .int128(let v): v.count * 16
        case .bytes(let v): v.bytes.count + v.count * 4
        }
    }
}

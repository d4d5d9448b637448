import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet

extension DeltaTable {
    /// Reads the rows of `snapshot`'s live files as batches with the table's columns (or `columns`,
    /// in that order). Partition columns come from the log; columns a file lacks (added later) read
    /// as null. With a `predicate`, files that cannot match are skipped (file-level pruning only:
    /// rows of a kept file are returned as they are). Rows a file's deletion vector deletes are dropped.
    public func readRows(snapshot: Snapshot, columns: [String]? = nil, predicate: ScanPredicate? = nil) async throws -> [ColumnBatch] {
        var batches: [ColumnBatch] = []
        for file in try snapshot.scan(predicate) {
            batches += try await readFile(file, snapshot: snapshot, columns: columns)
        }
        return batches
    }

    /// Reads one data file of the table (see ``readRows(snapshot:columns:predicate:)``).
    public func readFile(_ file: AddFile, snapshot: Snapshot, columns: [String]? = nil) async throws -> [ColumnBatch] {
        let tableSchema = try snapshot.schema.columnarSchema()
        let wanted = columns ?? tableSchema.names
        var fields: [Field] = []
        for name in wanted {
            guard let index = tableSchema.index(of: name) else {
                throw DeltaLogError("the table has no column \(name) (columns: \(tableSchema.names.joined(separator: ", ")))")
            }
            fields.append(tableSchema.fields[index])
        }
        let partitionColumns = Set(snapshot.partitionColumns)
        let key = try DeltaPaths.dataFileKey(tableRoot: root, logPath: file.path)
        let reader: ParquetReader
        do {
            reader = try await ParquetReader.open(ObjectStoreSource(store: store, key: key))
        } catch let error as ObjectStoreError where error.code == .notFound {
            throw DeltaLogError("data file \(key) of version \(snapshot.version) is missing (vacuumed too early, or the table is damaged)")
        }
        let fileColumns = fields.filter { !partitionColumns.contains($0.name) && reader.column(named: $0.name) != nil }.map(\.name)
        var rowCounts: [Int] = []
        var fileBatches: [ColumnBatch] = []
        if fileColumns.isEmpty {
            rowCounts = reader.metadata.rowGroups.map { Int($0.numRows) }
        } else {
            fileBatches = try await reader.readBatches(columns: fileColumns)
            rowCounts = fileBatches.map(\.rowCount)
        }
        // Rows the file's deletion vector deletes are not part of the table.
        let deleted = try await DeletedRows.perGroup(deletedRows(of: file, physicalRows: Int64(rowCounts.reduce(0, +))),
                                                     groupSizes: rowCounts, file: file.path)
        var out: [ColumnBatch] = []
        for (g, physicalRows) in rowCounts.enumerated() where physicalRows > 0 {
            let dropped = deleted[g]
            let keep: [Int]? = dropped.isEmpty ? nil : DeletedRows.kept(count: physicalRows, dropping: dropped)
            let rows = keep?.count ?? physicalRows
            if rows == 0 { continue }
            var built: [Column] = []
            for field in fields {
                if partitionColumns.contains(field.name) {
                    let text = file.partitionValues[field.name] ?? nil
                    let value: ScalarValue
                    if let text, !text.isEmpty {
                        guard let parsed = DeltaValueFormat.parse(text, type: field.type) else {
                            throw DeltaLogError("partition value \(text) of \(field.name) in \(file.path) is not a valid \(field.type)")
                        }
                        value = parsed
                    } else {
                        value = .null
                    }
                    built.append(BatchOps.constant(value, type: field.type, count: rows))
                } else if fileColumns.contains(field.name), let batch = fileBatches[safe: g], let column = batch.column(named: field.name) {
                    let conformed = try BatchOps.conform(column, to: field.type, name: field.name, file: key)
                    built.append(keep.map { BatchOps.gather(conformed, $0) } ?? conformed)
                } else {
                    built.append(BatchOps.constant(.null, type: field.type, count: rows))
                }
            }
            out.append(ColumnBatch(schema: Schema(fields), columns: built, rowCount: rows))
        }
        return out
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension BatchOps {
    /// A file column as the table's type: same storage as is; narrower integers and floats widened.
    static func conform(_ column: Column, to type: DataType, name: String, file: String) throws -> Column {
        let kind = type.storageKind
        if column.storage.kind == kind { return column }
        let storage: ColumnStorage
        switch (column.storage, kind) {
        case (.int8(let v), .int16): storage = .int16(v.map { Int16($0) })
        case (.int8(let v), .int32): storage = .int32(v.map { Int32($0) })
        case (.int16(let v), .int32): storage = .int32(v.map { Int32($0) })
        case (.int8(let v), .int64): storage = .int64(v.map { Int64($0) })
        case (.int16(let v), .int64): storage = .int64(v.map { Int64($0) })
        case (.int32(let v), .int64): storage = .int64(v.map { Int64($0) })
        case (.float32(let v), .float64): storage = .float64(v.map { Double($0) })
        case (.int32(let v), .int128): storage = .int128(v.map { Int128($0) })
        case (.int64(let v), .int128): storage = .int128(v.map { Int128($0) })
        default:
            throw DeltaLogError("column \(name) in \(file) is stored as \(column.storage.kind), which does not fit the table type \(type)")
        }
        return Column(storage, validity: column.validity)
    }
}

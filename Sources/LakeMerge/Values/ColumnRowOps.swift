import LakeColumnar

// The merge's row operations, over LakeColumnar's gather/concat, plus null columns.

extension ColumnStorage {
    /// `count` placeholder slots of `kind` (for null columns).
    static func placeholders(_ kind: Kind, count: Int) -> ColumnStorage {
        switch kind {
        case .boolean: .boolean([Bool](repeating: false, count: count))
        case .int8: .int8([Int8](repeating: 0, count: count))
        case .int16: .int16([Int16](repeating: 0, count: count))
        case .int32: .int32([Int32](repeating: 0, count: count))
        case .int64: .int64([Int64](repeating: 0, count: count))
        case .float32: .float32([Float](repeating: 0, count: count))
        case .float64: .float64([Double](repeating: 0, count: count))
        case .int128: .int128([Int128](repeating: 0, count: count))
        case .bytes: .bytes(VarBytes(offsets: [Int](repeating: 0, count: count + 1), bytes: []))
        }
    }
}

extension Column {
    func selectingRows(_ rows: [Int]) -> Column { gather(rows) }

    /// A column of `count` nulls.
    static func nulls(_ type: DataType, count: Int) -> Column {
        Column(.placeholders(type.storageKind, count: count), validity: Bitmap(repeating: false, count: count))
    }

    /// `parts` one after another; `nil` when their storage kinds differ from `type`'s.
    static func concatenating(_ parts: [Column], type: DataType) -> Column? {
        try? Column.concat(parts, kind: type.storageKind)
    }
}

extension ColumnBatch {
    func selectingRows(_ rows: [Int]) -> ColumnBatch { gather(rows) }

    /// Batches of one schema (matched by position and type), one after another.
    static func concatenating(_ parts: [ColumnBatch], schema: Schema) throws -> ColumnBatch {
        if parts.count == 1, let only = parts.first, only.columns.count == schema.fields.count,
           zip(only.columns, schema.fields).allSatisfy({ $0.storage.kind == $1.type.storageKind }) {
            // One file (the usual bulk round): its columns as they are, not copied.
            return ColumnBatch(schema: schema, columns: only.columns, rowCount: only.rowCount)
        }
        var columns: [Column] = []
        for (i, field) in schema.fields.enumerated() {
            guard let col = Column.concatenating(parts.map { $0.columns[i] }, type: field.type) else {
                throw MergeError("column '\(field.name)' has a different type in different change files")
            }
            columns.append(col)
        }
        return ColumnBatch(schema: schema, columns: columns, rowCount: parts.reduce(0) { $0 + $1.rowCount })
    }
}

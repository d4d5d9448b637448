import LakeColumnar

// Row selection and concatenation over typed buffers, as the merge needs them. (Internal and
// named apart from LakeColumnar's public operations so both can coexist.)

extension ColumnStorage {
    func selectingRows(_ rows: [Int]) -> ColumnStorage {
        switch self {
        case .boolean(let v): .boolean(rows.map { v[$0] })
        case .int8(let v): .int8(rows.map { v[$0] })
        case .int16(let v): .int16(rows.map { v[$0] })
        case .int32(let v): .int32(rows.map { v[$0] })
        case .int64(let v): .int64(rows.map { v[$0] })
        case .float32(let v): .float32(rows.map { v[$0] })
        case .float64(let v): .float64(rows.map { v[$0] })
        case .int128(let v): .int128(rows.map { v[$0] })
        case .bytes(let v):
            .bytes({
                var out = VarBytes()
                var total = 0
                for r in rows { total += v.offsets[r + 1] - v.offsets[r] }
                out.reserveCapacity(values: rows.count, bytes: total)
                for r in rows { out.append(v.bytes[v.offsets[r]..<v.offsets[r + 1]]) }
                return out
            }())
        }
    }

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

    /// The buffers of `parts` (all of one kind) one after another; `nil` when kinds differ.
    static func concatenating(_ parts: [ColumnStorage], kind: Kind) -> ColumnStorage? {
        switch kind {
        case .boolean: return collect(parts) { if case .boolean(let v) = $0 { v } else { nil } }.map { .boolean($0) }
        case .int8: return collect(parts) { if case .int8(let v) = $0 { v } else { nil } }.map { .int8($0) }
        case .int16: return collect(parts) { if case .int16(let v) = $0 { v } else { nil } }.map { .int16($0) }
        case .int32: return collect(parts) { if case .int32(let v) = $0 { v } else { nil } }.map { .int32($0) }
        case .int64: return collect(parts) { if case .int64(let v) = $0 { v } else { nil } }.map { .int64($0) }
        case .float32: return collect(parts) { if case .float32(let v) = $0 { v } else { nil } }.map { .float32($0) }
        case .float64: return collect(parts) { if case .float64(let v) = $0 { v } else { nil } }.map { .float64($0) }
        case .int128: return collect(parts) { if case .int128(let v) = $0 { v } else { nil } }.map { .int128($0) }
        case .bytes:
            var out = VarBytes()
            for part in parts {
                guard case .bytes(let v) = part else { return nil }
                let base = out.bytes.count
                out.bytes.append(contentsOf: v.bytes)
                for i in 1..<v.offsets.count { out.offsets.append(base + v.offsets[i] - v.offsets[0]) }
            }
            return .bytes(out)
        }
    }

    private static func collect<T>(_ parts: [ColumnStorage], _ unwrap: (ColumnStorage) -> [T]?) -> [T]? {
        var out: [T] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts {
            guard let v = unwrap(part) else { return nil }
            out.append(contentsOf: v)
        }
        return out
    }
}

extension Column {
    func selectingRows(_ rows: [Int]) -> Column {
        let values = storage.selectingRows(rows)
        guard let validity else { return Column(values) }
        var bits = Bitmap()
        bits.reserveCapacity(rows.count)
        var nulls = 0
        for r in rows {
            let present = validity[r]
            bits.append(present)
            if !present { nulls += 1 }
        }
        return Column(values, validity: nulls == 0 ? nil : bits)
    }

    /// A column of `count` nulls.
    static func nulls(_ type: DataType, count: Int) -> Column {
        Column(.placeholders(type.storageKind, count: count), validity: Bitmap(repeating: false, count: count))
    }

    /// `parts` one after another; `nil` when their storage kinds differ from `type`'s.
    static func concatenating(_ parts: [Column], type: DataType) -> Column? {
        guard let values = ColumnStorage.concatenating(parts.map(\.storage), kind: type.storageKind) else { return nil }
        guard parts.contains(where: { $0.validity != nil }) else { return Column(values) }
        var bits = Bitmap()
        bits.reserveCapacity(values.count)
        for part in parts {
            if let v = part.validity {
                for i in 0..<part.count { bits.append(v[i]) }
            } else {
                for _ in 0..<part.count { bits.append(true) }
            }
        }
        return Column(values, validity: bits)
    }
}

extension ColumnBatch {
    func selectingRows(_ rows: [Int]) -> ColumnBatch {
        ColumnBatch(schema: schema, columns: columns.map { $0.selectingRows(rows) }, rowCount: rows.count)
    }

    /// Batches of one schema, one after another.
    static func concatenating(_ parts: [ColumnBatch], schema: Schema) throws -> ColumnBatch {
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

import LakeColumnar

/// Small column-batch operations the table layer needs (row gathering for partition splits,
/// constant partition columns for scans, projection). Internal: LakeColumnar owns the general ones.
enum BatchOps {
    /// The rows `indices` of `column`, in that order.
    static func gather(_ column: Column, _ indices: [Int]) -> Column {
        func pick<T>(_ v: [T]) -> [T] { indices.map { v[$0] } }
        let storage: ColumnStorage
        switch column.storage {
        case .boolean(let v): storage = .boolean(pick(v))
        case .int8(let v): storage = .int8(pick(v))
        case .int16(let v): storage = .int16(pick(v))
        case .int32(let v): storage = .int32(pick(v))
        case .int64(let v): storage = .int64(pick(v))
        case .float32(let v): storage = .float32(pick(v))
        case .float64(let v): storage = .float64(pick(v))
        case .int128(let v): storage = .int128(pick(v))
        case .bytes(let v):
            var out = VarBytes()
            var total = 0
            for i in indices { total += v.offsets[i + 1] - v.offsets[i] }
            out.reserveCapacity(values: indices.count, bytes: total)
            for i in indices { out.append(v[i]) }
            storage = .bytes(out)
        }
        let validity = column.validity.map { bits in Bitmap(indices.map { bits[$0] }) }
        return Column(storage, validity: validity)
    }

    static func gather(_ batch: ColumnBatch, _ indices: [Int]) -> ColumnBatch {
        ColumnBatch(schema: batch.schema, columns: batch.columns.map { gather($0, indices) }, rowCount: indices.count)
    }

    /// A column repeating one value `count` times.
    static func constant(_ value: ScalarValue, type: DataType, count: Int) -> Column {
        let isNull: Bool
        if case .null = value { isNull = true } else { isNull = false }
        let validity: Bitmap? = isNull ? Bitmap(repeating: false, count: count) : nil
        let storage: ColumnStorage
        switch (type.storageKind, value) {
        case (.boolean, .bool(let b)): storage = .boolean(Array(repeating: b, count: count))
        case (.int8, .int(let i)): storage = .int8(Array(repeating: Int8(truncatingIfNeeded: i), count: count))
        case (.int16, .int(let i)): storage = .int16(Array(repeating: Int16(truncatingIfNeeded: i), count: count))
        case (.int32, .int(let i)): storage = .int32(Array(repeating: Int32(truncatingIfNeeded: i), count: count))
        case (.int32, .date(let d)): storage = .int32(Array(repeating: d, count: count))
        case (.int64, .int(let i)), (.int64, .timestamp(let i)): storage = .int64(Array(repeating: i, count: count))
        case (.float32, .double(let d)): storage = .float32(Array(repeating: Float(d), count: count))
        case (.float64, .double(let d)): storage = .float64(Array(repeating: d, count: count))
        case (.int128, .decimal(let v, _)): storage = .int128(Array(repeating: v, count: count))
        case (.bytes, .string(let s)):
            var out = VarBytes()
            for _ in 0..<count { out.append(s) }
            storage = .bytes(out)
        case (.bytes, .binary(let b)):
            var out = VarBytes()
            for _ in 0..<count { out.append(b) }
            storage = .bytes(out)
        default:
            // Null (or a value that does not fit the type): all-null placeholder column.
            return Column(placeholder(type.storageKind, count: count), validity: Bitmap(repeating: false, count: count))
        }
        return Column(storage, validity: validity)
    }

    static func placeholder(_ kind: ColumnStorage.Kind, count: Int) -> ColumnStorage {
        switch kind {
        case .boolean: .boolean(Array(repeating: false, count: count))
        case .int8: .int8(Array(repeating: 0, count: count))
        case .int16: .int16(Array(repeating: 0, count: count))
        case .int32: .int32(Array(repeating: 0, count: count))
        case .int64: .int64(Array(repeating: 0, count: count))
        case .float32: .float32(Array(repeating: 0, count: count))
        case .float64: .float64(Array(repeating: 0, count: count))
        case .int128: .int128(Array(repeating: 0, count: count))
        case .bytes: .bytes(VarBytes(offsets: Array(repeating: 0, count: count + 1), bytes: []))
        }
    }
}

import DeltaLog
import LakeColumnar

extension Column {
    /// The value at `row` as a Delta scalar (for partition values, pruning and `--explain`).
    func scalar(at row: Int, type: DataType) -> ScalarValue {
        if isNull(row) { return .null }
        switch storage {
        case .boolean(let v): return .bool(v[row])
        case .int8(let v): return .int(Int64(v[row]))
        case .int16(let v): return .int(Int64(v[row]))
        case .int32(let v):
            if case .date = type { return .date(v[row]) }
            return .int(Int64(v[row]))
        case .int64(let v):
            if case .timestamp = type { return .timestamp(v[row]) }
            return .int(v[row])
        case .float32(let v): return .double(Double(v[row]))
        case .float64(let v): return .double(v[row])
        case .int128(let v):
            if case .decimal(_, let s) = type { return .decimal(v[row], scale: s) }
            return .decimal(v[row], scale: 0)
        case .bytes(let v):
            if case .binary = type { return .binary(Array(v[row])) }
            return .string(v.string(at: row))
        }
    }

    /// Display text of the value at `row` (`NULL` for null), as `--explain` prints and matches keys.
    func displayText(at row: Int, type: DataType) -> String {
        let value = scalar(at: row, type: type)
        if case .null = value { return "NULL" }
        if case .timestamp(let t) = value { return DeltaValueFormat.timestampPartition(t) }
        return value.description
    }
}

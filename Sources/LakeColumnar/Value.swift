/// One cell, for statistics, tests and display. Never used on hot paths (columns stay typed).
/// Integers of every width are `.int`; `decimal` carries its unscaled value and scale.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case boolean(Bool)
    case int(Int64)
    case float(Float)
    case double(Double)
    case decimal(Int128, scale: Int)
    case string(String)
    case binary([UInt8])
    /// Days since 1970-01-01.
    case date(Int32)
    /// Microseconds since 1970-01-01T00:00:00 (UTC when `utc`).
    case timestamp(Int64, utc: Bool)

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// Text as lakectl prints values: dates `YYYY-MM-DD`, timestamps ISO 8601 with microseconds
    /// (`Z` for UTC), decimals exact, binary as hex.
    public var description: String {
        switch self {
        case .null: return "null"
        case .boolean(let v): return v ? "true" : "false"
        case .int(let v): return String(v)
        case .float(let v): return ValueText.formatFloat(Double(v), single: v)
        case .double(let v): return ValueText.formatFloat(v, single: nil)
        case .decimal(let v, let scale): return ValueText.formatDecimal(v, scale: scale)
        case .string(let v): return v
        case .binary(let v): return ValueText.hex(v)
        case .date(let d): return ValueText.formatDate(d)
        case .timestamp(let t, let utc): return ValueText.formatTimestamp(t, separator: "T") + (utc ? "Z" : "")
        }
    }
}

extension Column {
    /// The cell at `row` as a ``Value`` (`type` is the column's field type).
    public func value(at row: Int, type: DataType) -> Value {
        if isNull(row) { return .null }
        switch (storage, type) {
        case (.boolean(let v), _): return .boolean(v[row])
        case (.int8(let v), _): return .int(Int64(v[row]))
        case (.int16(let v), _): return .int(Int64(v[row]))
        case (.int32(let v), .date): return .date(v[row])
        case (.int32(let v), _): return .int(Int64(v[row]))
        case (.int64(let v), .timestamp(let utc)): return .timestamp(v[row], utc: utc)
        case (.int64(let v), _): return .int(v[row])
        case (.float32(let v), _): return .float(v[row])
        case (.float64(let v), _): return .double(v[row])
        case (.int128(let v), .decimal(_, let scale)): return .decimal(v[row], scale: scale)
        case (.int128(let v), _): return .decimal(v[row], scale: 0)
        case (.bytes(let v), .string): return .string(v.string(at: row))
        case (.bytes(let v), _): return .binary(Array(v[row]))
        }
    }
}

extension ColumnBatch {
    /// Row `row` as values (tests and display only).
    public func row(_ row: Int) -> [Value] {
        zip(schema.fields, columns).map { $1.value(at: row, type: $0.type) }
    }
}

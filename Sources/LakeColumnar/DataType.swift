/// The logical types a column can have. Each maps to one ``ColumnStorage`` case.
public enum DataType: Sendable, Hashable, CustomStringConvertible {
    case boolean
    case int8, int16, int32, int64
    case float32, float64
    /// A fixed-point decimal with up to 38 digits, stored as an `Int128` unscaled value.
    case decimal(precision: Int, scale: Int)
    /// UTF-8 text.
    case string
    case binary
    /// Days since 1970-01-01, stored as `Int32`.
    case date
    /// Microseconds since 1970-01-01T00:00:00, stored as `Int64`. `utc` marks an instant (adjusted
    /// to UTC); `false` a wall-clock time without a time zone.
    case timestamp(utc: Bool)

    public var description: String {
        switch self {
        case .boolean: "boolean"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .float32: "float"
        case .float64: "double"
        case .decimal(let p, let s): "decimal(\(p),\(s))"
        case .string: "string"
        case .binary: "binary"
        case .date: "date"
        case .timestamp(let utc): utc ? "timestamp" : "timestamp_ntz"
        }
    }

    /// The storage kind values of this type live in.
    public var storageKind: ColumnStorage.Kind {
        switch self {
        case .boolean: .boolean
        case .int8: .int8
        case .int16: .int16
        case .int32, .date: .int32
        case .int64, .timestamp: .int64
        case .float32: .float32
        case .float64: .float64
        case .decimal: .int128
        case .string, .binary: .bytes
        }
    }
}

/// A named, typed column of a schema.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: DataType
    public var nullable: Bool

    public init(_ name: String, _ type: DataType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// An ordered list of fields.
public struct Schema: Sendable, Hashable {
    public var fields: [Field]

    public init(_ fields: [Field]) { self.fields = fields }

    /// The index of the field with this name, if any.
    public func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }

    public var names: [String] { fields.map(\.name) }
}

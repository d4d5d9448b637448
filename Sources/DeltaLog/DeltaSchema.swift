import LakeColumnar

/// A column type in Delta's JSON schema serialization.
public indirect enum DeltaType: Sendable, Hashable, CustomStringConvertible {
    /// `string`, `long`, `integer`, `short`, `byte`, `float`, `double`, `boolean`, `binary`, `date`,
    /// `timestamp`, `timestamp_ntz`.
    case primitive(String)
    case decimal(precision: Int, scale: Int)
    /// `struct`, `array` or `map`, kept as written (lakectl reads only flat tables).
    case complex(JSONValue)

    public var description: String {
        switch self {
        case .primitive(let name): name
        case .decimal(let p, let s): "decimal(\(p),\(s))"
        case .complex(let json): json["type"]?.stringValue ?? "complex"
        }
    }

    var json: JSONValue {
        switch self {
        case .primitive(let name): .string(name)
        case .decimal(let p, let s): .string("decimal(\(p),\(s))")
        case .complex(let json): json
        }
    }

    init(json: JSONValue) throws {
        switch json {
        case .string(let name):
            let trimmed = name.replacingOccurrences(of: " ", with: "")
            if trimmed.hasPrefix("decimal(") && trimmed.hasSuffix(")") {
                let inner = trimmed.dropFirst(8).dropLast()
                let parts = inner.split(separator: ",")
                guard parts.count == 2, let p = Int(parts[0]), let s = Int(parts[1]), (1...38).contains(p), (0...p).contains(s) else {
                    throw DeltaLogError("invalid decimal type \(name) in the table schema")
                }
                self = .decimal(precision: p, scale: s)
            } else if trimmed == "decimal" {
                self = .decimal(precision: 10, scale: 0)
            } else {
                self = .primitive(trimmed)
            }
        case .object:
            self = .complex(json)
        default:
            throw DeltaLogError("invalid type \(json.serialized) in the table schema")
        }
    }

    /// The LakeColumnar type, or a clear error for types lakectl cannot hold in a column batch.
    public func dataType() throws -> DataType {
        switch self {
        case .primitive(let name):
            switch name {
            case "boolean": return .boolean
            case "byte": return .int8
            case "short": return .int16
            case "integer": return .int32
            case "long": return .int64
            case "float": return .float32
            case "double": return .float64
            case "string": return .string
            case "binary": return .binary
            case "date": return .date
            case "timestamp": return .timestamp(utc: true)
            case "timestamp_ntz": return .timestamp(utc: false)
            default: throw DeltaLogError("unsupported column type \(name) in the table schema")
            }
        case .decimal(let p, let s): return .decimal(precision: p, scale: s)
        case .complex: throw DeltaLogError("nested column type \(description) is not supported by lakectl (flat tables only)")
        }
    }

    /// The Delta type of a LakeColumnar type.
    public init(_ type: DataType) {
        switch type {
        case .boolean: self = .primitive("boolean")
        case .int8: self = .primitive("byte")
        case .int16: self = .primitive("short")
        case .int32: self = .primitive("integer")
        case .int64: self = .primitive("long")
        case .float32: self = .primitive("float")
        case .float64: self = .primitive("double")
        case .decimal(let p, let s): self = .decimal(precision: p, scale: s)
        case .string: self = .primitive("string")
        case .binary: self = .primitive("binary")
        case .date: self = .primitive("date")
        case .timestamp(let utc): self = .primitive(utc ? "timestamp" : "timestamp_ntz")
        }
    }
}

/// One field of a Delta schema.
public struct DeltaField: Sendable, Hashable {
    public var name: String
    public var type: DeltaType
    public var nullable: Bool
    /// Field metadata (comments, generation expressions, column mapping ids), kept verbatim.
    public var metadata: JSONValue

    public init(name: String, type: DeltaType, nullable: Bool = true, metadata: JSONValue = .object([])) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.metadata = metadata
    }
}

/// A table schema in Delta's JSON form (`{"type":"struct","fields":[...]}`).
public struct DeltaSchema: Sendable, Hashable {
    public var fields: [DeltaField]

    public init(fields: [DeltaField]) { self.fields = fields }

    /// Parses a `schemaString`.
    public init(json text: String) throws {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw DeltaLogError("invalid schemaString: \(error)") }
        guard json["type"]?.stringValue == "struct", let fields = json["fields"]?.arrayValue else {
            throw DeltaLogError("schemaString is not a struct type")
        }
        self.fields = try fields.map { field in
            guard let name = field["name"]?.stringValue, let type = field["type"] else {
                throw DeltaLogError("schemaString has a field without name or type")
            }
            return DeltaField(name: name, type: try DeltaType(json: type), nullable: field["nullable"]?.boolValue ?? true,
                              metadata: field["metadata"] ?? .object([]))
        }
    }

    /// The `schemaString` text.
    public var jsonString: String {
        JSONValue.object([
            ("type", .string("struct")),
            ("fields", .array(fields.map { field in
                .object([("name", .string(field.name)), ("type", field.type.json), ("nullable", .bool(field.nullable)),
                         ("metadata", field.metadata)])
            })),
        ]).serialized
    }

    /// A Delta schema from a column-batch schema.
    /// - Parameter allowTimestampNtz: keep `timestamp(utc: false)` as `timestamp_ntz` (protocol 3/7);
    ///   otherwise such columns become UTC `timestamp`, readable by every reader-1 engine.
    public init(_ schema: Schema, allowTimestampNtz: Bool = false) throws {
        var seen = Set<String>()
        fields = try schema.fields.map { field in
            guard seen.insert(field.name.lowercased()).inserted else {
                throw DeltaLogError("column \(field.name) appears twice (Delta column names are case-insensitive)")
            }
            var type = field.type
            if case .timestamp(utc: false) = type, !allowTimestampNtz { type = .timestamp(utc: true) }
            return DeltaField(name: field.name, type: DeltaType(type), nullable: field.nullable)
        }
    }

    /// The column-batch schema; throws for nested or unknown types.
    public func columnarSchema() throws -> Schema {
        Schema(try fields.map { Field($0.name, try $0.type.dataType(), nullable: $0.nullable) })
    }

    public func field(named name: String) -> DeltaField? { fields.first { $0.name == name } }

    /// Whether any column is `timestamp_ntz` (which needs protocol 3/7 with `timestampNtz`).
    public var usesTimestampNtz: Bool { fields.contains { $0.type == .primitive("timestamp_ntz") } }
}

import Foundation

/// The `--schema FILE` JSON (issue 6) that describes a change file fully, shared by `lakectl
/// convert`, `ingest --format dms-csv` and `compact --from`:
///
/// ```json
/// {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long", "nullable": false}],
///  "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["before_id"]}
/// ```
///
/// `columns` lists every column in file order (including the op, timestamp, sequence and
/// before-image columns the other fields name). Types use Delta's names (``typeName(_:)``) and the
/// usual SQL aliases (``parseType(_:)``). `nullable` defaults to true.
public struct SchemaFile: Sendable, Hashable {
    public var columns: [Field]
    public var key: [String]
    public var op: String?
    public var timestamp: String?
    public var sequence: String?
    public var before: [String]

    public init(columns: [Field], key: [String] = [], op: String? = nil, timestamp: String? = nil,
                sequence: String? = nil, before: [String] = []) {
        self.columns = columns
        self.key = key
        self.op = op
        self.timestamp = timestamp
        self.sequence = sequence
        self.before = before
    }

    /// The schema of every column, in file order.
    public var schema: Schema { Schema(columns) }

    /// Parses a schema file's JSON; `source` (the path) names it in errors. With `requireKey` a
    /// missing or empty `key` is an error (the merge job needs it; `convert` does not).
    public static func parse(_ bytes: [UInt8], source: String, requireKey: Bool = false) throws(SchemaFileError) -> SchemaFile {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw SchemaFileError(source, "not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw SchemaFileError(source, "expected a JSON object {\"columns\": [...], ...}") }
        let known: Set<String> = ["columns", "key", "op", "timestamp", "sequence", "before"]
        for name in root.keys.sorted() where !known.contains(name) {
            throw SchemaFileError(source, "unknown field \"\(name)\" (expected columns, key, op, timestamp, sequence, before)")
        }
        guard let list = root["columns"] as? [Any], !list.isEmpty else {
            throw SchemaFileError(source, "\"columns\" must be a non-empty array of {\"name\": ..., \"type\": ..., \"nullable\": true}")
        }
        var fields: [Field] = []
        var seen = Set<String>()
        for (i, item) in list.enumerated() {
            guard let column = item as? [String: Any] else { throw SchemaFileError(source, "column \(i + 1) is not an object") }
            guard let name = column["name"] as? String, !name.isEmpty else { throw SchemaFileError(source, "column \(i + 1) has no \"name\"") }
            guard seen.insert(name).inserted else { throw SchemaFileError(source, "column '\(name)' appears twice") }
            for k in column.keys.sorted() where !["name", "type", "nullable"].contains(k) {
                throw SchemaFileError(source, "column '\(name)': unknown field \"\(k)\" (expected name, type, nullable)")
            }
            guard let typeText = column["type"] as? String else { throw SchemaFileError(source, "column '\(name)' has no \"type\"") }
            let type: DataType
            do { type = try parseType(typeText) } catch { throw SchemaFileError(source, "column '\(name)': \(error.message)") }
            var nullable = true
            if let flag = column["nullable"] {
                guard let b = flag as? Bool, CFGetTypeIDIfBool(flag) else { throw SchemaFileError(source, "column '\(name)': \"nullable\" must be true or false") }
                nullable = b
            }
            fields.append(Field(name, type, nullable: nullable))
        }
        func names(_ key: String) throws(SchemaFileError) -> [String] {
            guard let value = root[key] else { return [] }
            guard let list = value as? [String] else { throw SchemaFileError(source, "\"\(key)\" must be an array of column names") }
            for name in list where !seen.contains(name) { throw SchemaFileError(source, "\"\(key)\" names '\(name)', which is not in \"columns\"") }
            return list
        }
        func name(_ key: String) throws(SchemaFileError) -> String? {
            guard let value = root[key], !(value is NSNull) else { return nil }
            guard let name = value as? String else { throw SchemaFileError(source, "\"\(key)\" must be a column name") }
            guard seen.contains(name) else { throw SchemaFileError(source, "\"\(key)\" names '\(name)', which is not in \"columns\"") }
            return name
        }
        let file = SchemaFile(columns: fields, key: try names("key"), op: try name("op"), timestamp: try name("timestamp"),
                              sequence: try name("sequence"), before: try names("before"))
        if requireKey, file.key.isEmpty { throw SchemaFileError(source, "\"key\" must list the primary-key columns") }
        if let op = file.op, let field = fields.first(where: { $0.name == op }), field.type != .string {
            throw SchemaFileError(source, "the op column '\(op)' must have type string, not \(typeName(field.type))")
        }
        return file
    }

    public static func parse(_ text: String, source: String, requireKey: Bool = false) throws(SchemaFileError) -> SchemaFile {
        try parse(Array(text.utf8), source: source, requireKey: requireKey)
    }

    /// The JSON text of this schema file (Delta type names; parses back to an equal value).
    public func serialized() -> String {
        func quote(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
                }
            }
            return out + "\""
        }
        var parts: [String] = []
        let cols = columns.map { "{\"name\": \(quote($0.name)), \"type\": \(quote(Self.typeName($0.type))), \"nullable\": \($0.nullable)}" }
        parts.append("\"columns\": [\n    " + cols.joined(separator: ",\n    ") + "\n  ]")
        parts.append("\"key\": [" + key.map(quote).joined(separator: ", ") + "]")
        if let op { parts.append("\"op\": \(quote(op))") }
        if let timestamp { parts.append("\"timestamp\": \(quote(timestamp))") }
        if let sequence { parts.append("\"sequence\": \(quote(sequence))") }
        if !before.isEmpty { parts.append("\"before\": [" + before.map(quote).joined(separator: ", ") + "]") }
        return "{\n  " + parts.joined(separator: ",\n  ") + "\n}\n"
    }

    /// Delta's name for a type: boolean byte short integer long float double decimal(P,S) string
    /// binary date timestamp timestamp_ntz.
    public static func typeName(_ type: DataType) -> String {
        switch type {
        case .boolean: "boolean"
        case .int8: "byte"
        case .int16: "short"
        case .int32: "integer"
        case .int64: "long"
        case .float32: "float"
        case .float64: "double"
        case .decimal(let p, let s): "decimal(\(p),\(s))"
        case .string: "string"
        case .binary: "binary"
        case .date: "date"
        case .timestamp(let utc): utc ? "timestamp" : "timestamp_ntz"
        }
    }

    /// Parses a type name: Delta's names plus SQL aliases (case-insensitive): bool; tinyint;
    /// smallint, int2; int, int4; bigint, int8 (PostgreSQL's 8-byte int); real, float4;
    /// float8, double precision; numeric/number/dec(P[,S]) (decimal alone = decimal(10,0));
    /// text, varchar(N), char(N), character varying(N), nvarchar(N), uuid, json, jsonb;
    /// bytea, blob, varbinary(N); timestamptz / timestamp with time zone; datetime, timestamp
    /// without time zone.
    public static func parseType(_ text: String) throws(SchemaFileError) -> DataType {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: "  ", with: " ")
        var base = t
        var args: [Int] = []
        if let open = t.firstIndex(of: "(") {
            guard t.hasSuffix(")") else { throw SchemaFileError(nil, "type '\(text)' has an unclosed '('") }
            base = String(t[..<open]).trimmingCharacters(in: .whitespaces)
            let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
            for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
                guard let v = Int(part.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                    throw SchemaFileError(nil, "type '\(text)' has a non-numeric argument '\(part)'")
                }
                args.append(v)
            }
        }
        func noArgs(_ type: DataType) throws(SchemaFileError) -> DataType {
            guard args.isEmpty else { throw SchemaFileError(nil, "type '\(text)' takes no arguments") }
            return type
        }
        switch base {
        case "boolean", "bool": return try noArgs(.boolean)
        case "byte", "tinyint": return try noArgs(.int8)
        case "short", "smallint", "int2": return try noArgs(.int16)
        case "integer", "int", "int4": return try noArgs(.int32)
        case "long", "bigint", "int8": return try noArgs(.int64)
        case "float", "real", "float4": return try noArgs(.float32)
        case "double", "float8", "double precision": return try noArgs(.float64)
        case "decimal", "numeric", "number", "dec":
            let precision = args.first ?? 10
            let scale = args.count > 1 ? args[1] : 0
            guard args.count <= 2, (1...38).contains(precision), scale <= precision else {
                throw SchemaFileError(nil, "type '\(text)': decimal needs 1 <= precision <= 38 and 0 <= scale <= precision")
            }
            return .decimal(precision: precision, scale: scale)
        case "string", "text", "varchar", "char", "character", "character varying", "nvarchar", "nchar", "uuid", "json", "jsonb", "clob":
            guard args.count <= 1 else { throw SchemaFileError(nil, "type '\(text)' takes at most one length") }
            return .string
        case "binary", "bytea", "blob", "varbinary", "bytes":
            guard args.count <= 1 else { throw SchemaFileError(nil, "type '\(text)' takes at most one length") }
            return .binary
        case "date": return try noArgs(.date)
        case "timestamp", "timestamptz", "timestamp with time zone", "timestamp_ltz":
            guard args.count <= 1 else { throw SchemaFileError(nil, "type '\(text)' takes at most a precision") }
            return .timestamp(utc: true)
        case "timestamp_ntz", "datetime", "timestamp without time zone", "datetime2":
            guard args.count <= 1 else { throw SchemaFileError(nil, "type '\(text)' takes at most a precision") }
            return .timestamp(utc: false)
        default:
            throw SchemaFileError(nil, "unknown type '\(text)'; use a Delta type (boolean, byte, short, integer, long, float, double, decimal(P,S), string, binary, date, timestamp, timestamp_ntz) or a SQL alias")
        }
    }
}

/// `true`/`false` in JSON, not the numbers 1/0 that Foundation also bridges to Bool.
private func CFGetTypeIDIfBool(_ value: Any) -> Bool {
    if let number = value as? NSNumber { return String(cString: number.objCType) == "c" || type(of: value) == Bool.self }
    return value is Bool
}

/// A schema file problem, naming the file and (where there is one) the column.
public struct SchemaFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let source: String?
    public let message: String

    public init(_ source: String?, _ message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { source.map { "\($0): \(message)" } ?? message }
}

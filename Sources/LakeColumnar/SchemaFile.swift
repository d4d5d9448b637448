import Foundation

/// The `--schema FILE` JSON (issue 6) that describes a change file fully. This is the one parser of
/// it: `lakectl convert`/`table`, `ingest --format dms-csv`, `compact --from` and the change log's
/// `schema` object all read it here.
///
/// ```json
/// {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long", "nullable": false}],
///  "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["before_id"]}
/// ```
///
/// `columns` lists every column in file order (including the op, timestamp, sequence and
/// before-image columns the other fields name). Types use Delta's names (``typeName(_:)``) and the
/// usual SQL and AWS DMS aliases (``parseType(_:)``; the list is in docs/CHANGE_FILES.md).
/// `nullable` defaults to true. Rules checked by ``parse(_:source:requireKey:)``:
/// - column names are non-empty and unique; table columns (not op/timestamp/sequence/before) also
///   ignoring case, as Delta column names are case-insensitive;
/// - `key`, `op`, `timestamp`, `sequence` and `before` name columns of `columns`; `key` is non-empty
///   when required and lists no column twice; op, timestamp and sequence are three different
///   columns, none of them a key or before-image column;
/// - the op column is a string; `before` lists one column per key column (in key order) when both are given.
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

    /// The columns that carry row data: every column but the op, timestamp, sequence and
    /// before-image columns.
    public var dataFields: [Field] {
        let meta = Set([op, timestamp, sequence].compactMap { $0 } + before)
        return columns.filter { !meta.contains($0.name) }
    }

    /// Parses a schema file's JSON; `source` (the path) names it in errors. With `requireKey` a
    /// missing or empty `key` is an error (the merge job needs one when `--key` is not given).
    public static func parse(_ bytes: [UInt8], source: String, requireKey: Bool = false) throws(SchemaFileError) -> SchemaFile {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw SchemaFileError(source, "not valid JSON (\(error.localizedDescription))")
        }
        return try parse(jsonObject: object, source: source, requireKey: requireKey)
    }

    public static func parse(_ text: String, source: String, requireKey: Bool = false) throws(SchemaFileError) -> SchemaFile {
        try parse(Array(text.utf8), source: source, requireKey: requireKey)
    }

    /// Parses the already-decoded JSON object (as `JSONSerialization` returns it), e.g. the
    /// `schema` member of a change-log entry.
    public static func parse(jsonObject object: Any, source: String, requireKey: Bool = false) throws(SchemaFileError) -> SchemaFile {
        guard let root = object as? [String: Any] else {
            throw SchemaFileError(source, "expected a JSON object {\"columns\": [...], \"key\": [...], ...}")
        }
        let known: Set<String> = ["columns", "key", "op", "timestamp", "sequence", "before"]
        for name in root.keys.sorted() where !known.contains(name) {
            throw SchemaFileError(source, "unknown field \"\(name)\" (expected columns, key, op, timestamp, sequence, before)")
        }
        guard let list = root["columns"] as? [Any], !list.isEmpty else {
            throw SchemaFileError(source, "\"columns\" must be a non-empty array of {\"name\": ..., \"type\": ..., \"nullable\": true}")
        }
        var fields: [Field] = []
        var exactNames = Set<String>()
        var seen: [String: String] = [:]  // lowercased name → first spelling (for hints)
        for (i, item) in list.enumerated() {
            let position = "column \(i + 1)"
            guard let column = item as? [String: Any] else { throw SchemaFileError(source, "\(position) is not an object {\"name\", \"type\", \"nullable\"}") }
            guard let name = column["name"] as? String, !name.isEmpty else { throw SchemaFileError(source, "\(position) has no \"name\"") }
            guard exactNames.insert(name).inserted else { throw SchemaFileError(source, "\(position) '\(name)': the name appears twice") }
            if seen[name.lowercased()] == nil { seen[name.lowercased()] = name }
            for k in column.keys.sorted() where !["name", "type", "nullable"].contains(k) {
                throw SchemaFileError(source, "\(position) '\(name)': unknown field \"\(k)\" (expected name, type, nullable)")
            }
            guard let typeText = column["type"] as? String else { throw SchemaFileError(source, "\(position) '\(name)' has no \"type\" (\(acceptedTypeNames))") }
            let type: DataType
            do { type = try parseType(typeText) } catch { throw SchemaFileError(source, "\(position) '\(name)': \(error.message)") }
            var nullable = true
            if let flag = column["nullable"], !(flag is NSNull) {
                guard isJSONBool(flag), let b = flag as? Bool else { throw SchemaFileError(source, "\(position) '\(name)': \"nullable\" must be true or false") }
                nullable = b
            }
            fields.append(Field(name, type, nullable: nullable))
        }
        let exact = exactNames
        func check(_ field: String, _ name: String) throws(SchemaFileError) {
            guard exact.contains(name) else {
                let hint = seen[name.lowercased()].map { " (did you mean '\($0)'? names here are exact)" } ?? ""
                throw SchemaFileError(source, "\"\(field)\" names '\(name)', which is not in \"columns\"\(hint)")
            }
        }
        func names(_ field: String) throws(SchemaFileError) -> [String] {
            guard let value = root[field], !(value is NSNull) else { return [] }
            // A single name is accepted for a one-column list.
            let list: [String]
            if let one = value as? String { list = [one] } else if let many = value as? [String] { list = many } else {
                throw SchemaFileError(source, "\"\(field)\" must be an array of column names")
            }
            var unique = Set<String>()
            for name in list {
                try check(field, name)
                guard unique.insert(name).inserted else { throw SchemaFileError(source, "\"\(field)\" lists '\(name)' twice") }
            }
            return list
        }
        func name(_ field: String) throws(SchemaFileError) -> String? {
            guard let value = root[field], !(value is NSNull) else { return nil }
            guard let name = value as? String else { throw SchemaFileError(source, "\"\(field)\" must be a column name") }
            try check(field, name)
            return name
        }
        let file = SchemaFile(columns: fields, key: try names("key"), op: try name("op"), timestamp: try name("timestamp"),
                              sequence: try name("sequence"), before: try names("before"))
        try file.validateRoles(source: source, requireKey: requireKey)
        return file
    }

    /// The cross-field rules (see the type's documentation).
    private func validateRoles(source: String, requireKey: Bool) throws(SchemaFileError) {
        if requireKey, key.isEmpty {
            throw SchemaFileError(source, "\"key\" must list the primary-key columns (or pass --key)")
        }
        var roles: [String: String] = [:]
        for (role, name) in [("op", op), ("timestamp", timestamp), ("sequence", sequence)] {
            guard let name else { continue }
            if let other = roles[name] { throw SchemaFileError(source, "'\(name)' is both the \(other) and the \(role) column") }
            roles[name] = role
        }
        for name in key + before {
            if let role = roles[name] { throw SchemaFileError(source, "'\(name)' is the \(role) column, so it cannot be a key or before-image column") }
        }
        for name in before where key.contains(name) {
            throw SchemaFileError(source, "'\(name)' is in both \"key\" and \"before\"; before-image columns are separate columns holding the old key")
        }
        // Delta column names are case-insensitive: two table columns may not differ only in case
        // (an `Op` column beside a table column `op` is fine: it is not a table column).
        var dataNames: [String: String] = [:]
        for field in dataFields {
            if let other = dataNames.updateValue(field.name, forKey: field.name.lowercased()) {
                throw SchemaFileError(source, "columns '\(other)' and '\(field.name)' differ only in case; Delta column names are case-insensitive")
            }
        }
        func type(_ name: String) -> DataType? { columns.first { $0.name == name }?.type }
        if let op, let t = type(op), t != .string {
            throw SchemaFileError(source, "the op column '\(op)' must have type string, not \(Self.typeName(t))")
        }
        if !before.isEmpty {
            guard before.count == key.count || key.isEmpty else {
                throw SchemaFileError(source, "\"before\" lists \(before.count) column(s) but \"key\" has \(key.count); list one before-image column per key column, in key order")
            }
        }
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

    /// The JSON object form (for `JSONSerialization`, e.g. inside a change-log entry); parses back
    /// with ``parse(jsonObject:source:requireKey:)`` to an equal value.
    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "columns": columns.map { ["name": $0.name, "type": Self.typeName($0.type), "nullable": $0.nullable] as [String: Any] },
            "key": key,
        ]
        if let op { o["op"] = op }
        if let timestamp { o["timestamp"] = timestamp }
        if let sequence { o["sequence"] = sequence }
        if !before.isEmpty { o["before"] = before }
        return o
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
}

/// `true`/`false` in JSON, not the numbers 1/0 that Foundation also bridges to Bool.
private func isJSONBool(_ value: Any) -> Bool {
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

extension SchemaFileError: LocalizedError {
    public var errorDescription: String? { description }
}

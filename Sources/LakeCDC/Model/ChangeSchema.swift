import Foundation
import LakeColumnar

/// A table's columns and key, in the JSON form of the `--schema` file (issue 6):
/// `{"columns": [{"name", "type", "nullable"}], "key": [...], "op": ..., "timestamp": ..., "sequence": ..., "before": [...]}`.
/// The change log records each batch's schema in this form (the data columns, plus `op`,
/// `timestamp` and `sequence` naming lakectl's three leading columns).
public struct ChangeSchema: Sendable, Hashable {
    /// Every column described, in order.
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

    /// The columns that carry row data (not op, timestamp, sequence or before-images).
    public var dataColumns: [Field] {
        let special = Set([op, timestamp, sequence].compactMap { $0 } + before)
        return columns.filter { !special.contains($0.name) }
    }

    /// Parses the schema file's JSON; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws -> ChangeSchema {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw IngestError(.usage, "not a JSON object", input: source)
        }
        return try parse(object, source: source)
    }

    static func parse(_ object: [String: Any], source: String) throws -> ChangeSchema {
        guard let cols = object["columns"] as? [[String: Any]], !cols.isEmpty else {
            throw IngestError(.usage, "\"columns\" must be a non-empty array of {\"name\", \"type\"} objects", input: source)
        }
        var fields: [Field] = []
        for (i, c) in cols.enumerated() {
            guard let name = c["name"] as? String, !name.isEmpty else {
                throw IngestError(.usage, "column \(i + 1) has no \"name\"", input: source)
            }
            guard let typeName = c["type"] as? String, let type = TypeNames.parse(typeName) else {
                throw IngestError(.usage, "column \(name): unknown type \(c["type"].map { "\($0)" } ?? "(none)")", input: source)
            }
            fields.append(Field(name, type, nullable: (c["nullable"] as? Bool) ?? true))
        }
        let names = Set(fields.map(\.name))
        guard names.count == fields.count else { throw IngestError(.usage, "duplicate column names", input: source) }
        let key = (object["key"] as? [String]) ?? []
        let before = (object["before"] as? [String]) ?? []
        for k in key + before where !names.contains(k) {
            throw IngestError(.usage, "column \(k) named in key/before is not in \"columns\"", input: source)
        }
        let schema = ChangeSchema(columns: fields, key: key, op: object["op"] as? String,
                                  timestamp: object["timestamp"] as? String, sequence: object["sequence"] as? String,
                                  before: before)
        for special in [schema.op, schema.timestamp, schema.sequence].compactMap({ $0 }) where !names.contains(special) {
            throw IngestError(.usage, "column \(special) named in op/timestamp/sequence is not in \"columns\"", input: source)
        }
        return schema
    }

    /// The JSON object form.
    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "columns": columns.map { ["name": $0.name, "type": SchemaFile.typeName($0.type), "nullable": $0.nullable] as [String: Any] },
            "key": key,
        ]
        if let op { o["op"] = op }
        if let timestamp { o["timestamp"] = timestamp }
        if let sequence { o["sequence"] = sequence }
        if !before.isEmpty { o["before"] = before }
        return o
    }
}

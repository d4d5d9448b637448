import Foundation
import LakeColumnar

/// The `--schema FILE` JSON that describes a (headerless) change file fully:
///
/// ```json
/// {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long", "nullable": false}, ...],
///  "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["before_id"]}
/// ```
///
/// `columns` lists every column of the file in order, including the op, timestamp, sequence and
/// before-image columns that the other fields name; all but `columns` and `key` are optional. Types
/// use Delta's names with the usual SQL aliases (see ``parseType(_:)``).
public struct ChangeFileSchema: Sendable, Hashable {
    public var columns: [Field]
    public var key: [String]
    public var op: String?
    public var timestamp: String?
    public var sequence: String?
    public var before: [String]

    public init(columns: [Field], key: [String], op: String? = nil, timestamp: String? = nil,
                sequence: String? = nil, before: [String] = []) {
        self.columns = columns
        self.key = key
        self.op = op
        self.timestamp = timestamp
        self.sequence = sequence
        self.before = before
    }

    /// The table's columns: every column but the op, timestamp, sequence and before-image columns.
    public var dataFields: [Field] {
        let meta = Set([op, timestamp, sequence].compactMap { $0 } + before)
        return columns.filter { !meta.contains($0.name) }
    }

    /// Parses the JSON text of a schema file; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws -> ChangeFileSchema {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw MergeError("\(source): not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw MergeError("\(source): expected a JSON object") }
        guard let cols = root["columns"] as? [[String: Any]], !cols.isEmpty else {
            throw MergeError("\(source): \"columns\" must be a non-empty array of {\"name\", \"type\", \"nullable\"}")
        }
        var fields: [Field] = []
        var seen = Set<String>()
        for (i, col) in cols.enumerated() {
            guard let name = col["name"] as? String, !name.isEmpty else { throw MergeError("\(source): column \(i + 1) has no \"name\"") }
            guard seen.insert(name.lowercased()).inserted else { throw MergeError("\(source): column '\(name)' appears twice") }
            let typeName = (col["type"] as? String) ?? "string"
            guard let type = parseType(typeName) else {
                throw MergeError("\(source): column '\(name)' has unknown type '\(typeName)'; use a Delta type (long, string, decimal(10,2), timestamp, ...)")
            }
            fields.append(Field(name, type, nullable: (col["nullable"] as? Bool) ?? true))
        }
        func names(_ key: String) throws -> [String] {
            guard let v = root[key] else { return [] }
            if let s = v as? String { return [s] }
            guard let a = v as? [String] else { throw MergeError("\(source): \"\(key)\" must be an array of column names") }
            return a
        }
        func name(_ key: String) throws -> String? {
            guard let v = root[key], !(v is NSNull) else { return nil }
            guard let s = v as? String else { throw MergeError("\(source): \"\(key)\" must be a column name") }
            return s
        }
        let schema = ChangeFileSchema(columns: fields, key: try names("key"), op: try name("op"), timestamp: try name("timestamp"),
                                      sequence: try name("sequence"), before: try names("before"))
        let all = Set(fields.map(\.name))
        for n in schema.key + schema.before + [schema.op, schema.timestamp, schema.sequence].compactMap({ $0 }) where !all.contains(n) {
            throw MergeError("\(source): '\(n)' is named but not listed in \"columns\"")
        }
        if !schema.before.isEmpty, schema.before.count != schema.key.count {
            throw MergeError("\(source): \"before\" lists \(schema.before.count) columns but \"key\" has \(schema.key.count); list one before-image column per key column")
        }
        return schema
    }

    /// A type by its Delta name or a common SQL alias: `boolean`/`bool`, `byte`/`tinyint`,
    /// `short`/`smallint`, `integer`/`int`, `long`/`bigint`, `float`/`real`, `double`/`float8`,
    /// `decimal(P,S)`/`numeric(P,S)`, `string`/`text`/`varchar(N)`/`char(N)`, `binary`/`bytea`/
    /// `varbinary`, `date`, `timestamp`/`datetime`/`timestamptz`, `timestamp_ntz`.
    public static func parseType(_ text: String) -> DataType? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let base = t.split(separator: "(", maxSplits: 1).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? t
        switch base {
        case "boolean", "bool": return .boolean
        case "byte", "tinyint": return .int8
        case "short", "smallint", "int2": return .int16
        case "integer", "int", "int4": return .int32
        case "long", "bigint", "int8": return .int64
        case "float", "real", "float4": return .float32
        case "double", "float8", "double precision": return .float64
        case "string", "text", "varchar", "char", "character varying", "character", "nvarchar", "uuid", "json", "jsonb": return .string
        case "binary", "bytea", "varbinary", "blob": return .binary
        case "date": return .date
        case "timestamp", "datetime", "timestamptz": return .timestamp(utc: true)
        case "timestamp_ntz": return .timestamp(utc: false)
        case "decimal", "numeric", "number":
            guard t != base else { return .decimal(precision: 38, scale: 18) }
            let inner = t.drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }
            let parts = inner.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let p = parts.first ?? nil, (1...38).contains(p) else { return nil }
            let s = parts.count > 1 ? (parts[1] ?? -1) : 0
            guard (0...p).contains(s) else { return nil }
            return .decimal(precision: p, scale: s)
        default: return nil
        }
    }
}

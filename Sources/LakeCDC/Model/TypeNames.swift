import LakeColumnar

/// Delta-style type names (`long`, `decimal(10,2)`, ...) with the usual SQL aliases: the type
/// vocabulary of the `--schema` file and of the change log.
public enum TypeNames {
    /// The Delta name of a type.
    public static func name(of type: DataType) -> String {
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

    /// Parses a type name (case-insensitive, aliases accepted); nil when unknown.
    public static func parse(_ text: String) -> DataType? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch t {
        case "boolean", "bool": return .boolean
        case "byte", "tinyint", "int8": return .int8
        case "short", "smallint", "int16": return .int16
        case "integer", "int", "int32": return .int32
        case "long", "bigint", "int64": return .int64
        case "float", "real", "float32", "float4": return .float32
        case "double", "double precision", "float64", "float8": return .float64
        case "string", "text", "varchar", "char", "uuid", "json", "jsonb": return .string
        case "binary", "bytea", "blob", "varbinary", "bytes": return .binary
        case "date": return .date
        case "timestamp", "timestamptz", "timestamp with time zone": return .timestamp(utc: true)
        case "timestamp_ntz", "datetime", "timestamp without time zone": return .timestamp(utc: false)
        case "decimal", "numeric": return .decimal(precision: 38, scale: 18)
        default: break
        }
        for prefix in ["varchar(", "char(", "character varying(", "nvarchar(", "character("] where t.hasPrefix(prefix) && t.hasSuffix(")") {
            return .string
        }
        for prefix in ["decimal(", "numeric("] where t.hasPrefix(prefix) && t.hasSuffix(")") {
            let inner = t.dropFirst(prefix.count).dropLast()
            let parts = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let p = Int(parts.first ?? ""), (1...38).contains(p) else { return nil }
            let s = parts.count > 1 ? Int(parts[1]) : 0
            guard let s, s >= 0, s <= p, parts.count <= 2 else { return nil }
            return .decimal(precision: p, scale: s)
        }
        return nil
    }
}

import Foundation

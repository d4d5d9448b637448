import LakeColumnar

/// Type names of `lakectl ingest --schema` files and of the change log. Names are written with
/// LakeColumnar's ``SchemaFile/typeName(_:)``; parsing stays here because ingest accepts aliases
/// that differ from ``SchemaFile/parseType(_:)`` (`int8` is a 1-byte int, bare `decimal` is
/// decimal(38,18), `varchar(max)`) and the CLI must keep accepting them.
public enum TypeNames {
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

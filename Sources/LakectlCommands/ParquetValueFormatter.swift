import Foundation
import LakeColumnar

/// Text forms of column values for `lakectl parquet cat` and `meta`: JSON (one object per row)
/// and CSV. Dates are `YYYY-MM-DD`, timestamps ISO 8601 with microseconds (`Z` for UTC), decimals
/// strings, binary base64, NaN and infinities strings.
enum ParquetValueFormatter {
    /// Appends row `row` of `column` (of `type`) as a JSON value.
    static func appendJSON(_ column: Column, _ type: DataType, row: Int, to out: inout [UInt8]) {
        if column.isNull(row) {
            out.append(contentsOf: "null".utf8)
            return
        }
        switch (column.storage, type) {
        case (.boolean(let v), _): out.append(contentsOf: (v[row] ? "true" : "false").utf8)
        case (.int8(let v), _): appendInteger(Int64(v[row]), to: &out)
        case (.int16(let v), _): appendInteger(Int64(v[row]), to: &out)
        case (.int32(let v), .date): appendQuoted(formatDate(Int64(v[row])), to: &out)
        case (.int32(let v), _): appendInteger(Int64(v[row]), to: &out)
        case (.int64(let v), .timestamp(let utc)): appendQuoted(formatTimestamp(v[row], utc: utc), to: &out)
        case (.int64(let v), _): appendInteger(v[row], to: &out)
        case (.float32(let v), _): appendFloat(Double(v[row]), text: "\(v[row])", to: &out)
        case (.float64(let v), _): appendFloat(v[row], text: "\(v[row])", to: &out)
        case (.int128(let v), .decimal(_, let scale)): appendQuoted(ValueText.formatDecimal(v[row], scale: scale), to: &out)
        case (.int128(let v), _): appendQuoted(String(v[row]), to: &out)
        case (.bytes(let v), .string): appendJSONString(v[row], to: &out)
        case (.bytes(let v), _): appendQuoted(Data(v[row]).base64EncodedString(), to: &out)
        }
    }

    /// Appends row `row` as a CSV field (empty for null; quoted when needed).
    static func appendCSV(_ column: Column, _ type: DataType, row: Int, to out: inout [UInt8]) {
        if column.isNull(row) { return }
        switch (column.storage, type) {
        case (.bytes(let v), .string): appendCSVField(v[row], to: &out)
        case (.float32(let v), _): out.append(contentsOf: floatText(Double(v[row]), "\(v[row])").utf8)
        case (.float64(let v), _): out.append(contentsOf: floatText(v[row], "\(v[row])").utf8)
        default:
            var json: [UInt8] = []
            appendJSON(column, type, row: row, to: &json)
            if json.first == UInt8(ascii: "\"") {
                // Dates, timestamps, decimals and base64 need no CSV quoting.
                out.append(contentsOf: json.dropFirst().dropLast())
            } else {
                out.append(contentsOf: json)
            }
        }
    }

    static func appendCSVField<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        if !needsQuotes {
            out.append(contentsOf: bytes)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    static func floatText(_ value: Double, _ text: String) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return text
    }

    static func appendFloat(_ value: Double, text: String, to out: inout [UInt8]) {
        if value.isNaN || value.isInfinite {
            appendQuoted(floatText(value, text), to: &out)
        } else {
            out.append(contentsOf: text.utf8)
        }
    }

    static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        out.append(contentsOf: String(v).utf8)
    }

    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: s.utf8)
        out.append(UInt8(ascii: "\""))
    }

    /// A JSON string of UTF-8 bytes (invalid sequences become U+FFFD).
    static func appendJSONString<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        let text = String(decoding: bytes, as: UTF8.self)
        appendJSONString(text, to: &out)
    }

    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 10: out.append(contentsOf: "\\n".utf8)
            case 13: out.append(contentsOf: "\\r".utf8)
            case 9: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = String(b, radix: 16)
                out.append(contentsOf: ("\\u00" + (hex.count == 1 ? "0" + hex : hex)).utf8)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: Dates and times

    static func formatDate(_ days: Int64) -> String {
        var out: [UInt8] = []
        ValueText.appendDate(Int(days), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func formatTimestamp(_ micros: Int64, utc: Bool) -> String {
        ValueText.formatTimestamp(micros, separator: "T") + (utc ? "Z" : "")
    }
}

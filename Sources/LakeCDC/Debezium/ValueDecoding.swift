import Foundation
import LakeColumnar

/// How one field's JSON value is turned into a column value.
enum ValueDecoding: Sendable, Hashable {
    /// Debezium's encodings, from the envelope schema.
    case integer, floating, boolean, string, base64Bytes
    case dateDays
    case timestampMillis, timestampMicros, timestampNanos
    case zonedTimestamp
    case timeMillis, timeMicros, timeNanos
    case decimalBytes(scale: Int)
    case variableScaleDecimal
    /// Any JSON value kept as its JSON text (structs, arrays, maps, unknown logical types).
    case jsonText
    /// No schema in the event: the JSON token and the column's type decide (schema file or inferred).
    case flexible

    var label: String {
        switch self {
        case .integer: "integer"
        case .floating: "floating-point number"
        case .boolean: "boolean"
        case .string: "string"
        case .base64Bytes: "base64 bytes"
        case .dateDays: "io.debezium.time.Date (days)"
        case .timestampMillis: "timestamp in milliseconds"
        case .timestampMicros: "io.debezium.time.MicroTimestamp"
        case .timestampNanos: "io.debezium.time.NanoTimestamp"
        case .zonedTimestamp: "io.debezium.time.ZonedTimestamp (ISO-8601 text)"
        case .timeMillis, .timeMicros, .timeNanos: "time of day"
        case .decimalBytes: "org.apache.kafka.connect.data.Decimal (base64 unscaled bytes)"
        case .variableScaleDecimal: "io.debezium.data.VariableScaleDecimal ({scale, value})"
        case .jsonText: "JSON value"
        case .flexible: "value"
        }
    }
}

/// A column as an event's schema describes it.
struct SourceColumn: Sendable {
    var field: Field
    var decoding: ValueDecoding
    var nameBytes: [UInt8]

    init(_ field: Field, _ decoding: ValueDecoding) {
        self.field = field
        self.decoding = decoding
        nameBytes = Array(field.name.utf8)
    }
}

/// Decodes one value token into a column builder.
struct ValueAppender {
    var scratch: [UInt8] = []
    var scratch2: [UInt8] = []

    /// Appends token `t` to `b` (whose type is `type`). Returns false on a type mismatch.
    @inline(__always)
    mutating func append(_ v: JSONView, _ t: Int, _ decoding: ValueDecoding, _ b: ColumnBuilder) -> Bool {
        let tok = v.tokens[t]
        if tok.kind == .null {
            b.appendNull()
            return true
        }
        switch decoding {
        case .integer:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            return appendInteger(x, b)
        case .floating:
            guard tok.kind == .number || tok.kind == .string, let x = v.double(t) else { return false }
            return b.appendDouble(x)
        case .boolean:
            guard tok.kind == .trueValue || tok.kind == .falseValue else { return false }
            return b.appendBool(tok.kind == .trueValue)
        case .string:
            return appendText(v, t, b)
        case .base64Bytes:
            guard tok.kind == .string, b.kind == .bytes else { return false }
            scratch.removeAll(keepingCapacity: true)
            guard Base64.decode(v.raw(t), into: &scratch) else { return false }
            return b.appendBytes(scratch)
        case .dateDays:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            return appendDays(x, b)
        case .timestampMillis:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            let (m, o) = x.multipliedReportingOverflow(by: 1000)
            return !o && appendMicros(m, b)
        case .timestampMicros:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            return appendMicros(x, b)
        case .timestampNanos:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            return appendMicros(x / 1000 - (x % 1000 < 0 ? 1 : 0), b)
        case .zonedTimestamp:
            guard tok.kind == .string, !tok.escaped,
                  let ts = ValueText.parseTimestamp(v.raw(t), truncatingBeyondMicroseconds: true) else { return false }
            return appendMicros(ts.micros, b)
        case .timeMillis:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            let (m, o) = x.multipliedReportingOverflow(by: 1000)
            return !o && b.appendInt(m)
        case .timeMicros:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            return b.appendInt(x)
        case .timeNanos:
            guard tok.kind == .number, let x = v.int64(t) else { return false }
            return b.appendInt(x / 1000)
        case .decimalBytes(let scale):
            guard tok.kind == .string else { return false }
            scratch.removeAll(keepingCapacity: true)
            guard Base64.decode(v.raw(t), into: &scratch) else { return false }
            let unscaled = scratch.withUnsafeBufferPointer { DecimalBytes.int128(bigEndian: $0) }
            guard let unscaled else { return false }
            return appendDecimal(unscaled, scale: scale, b)
        case .variableScaleDecimal:
            guard tok.kind == .object, let st = v.member(t, "scale"), let vt = v.member(t, "value"),
                  let scale = v.int64(st), scale >= 0, scale <= 38 else { return false }
            scratch.removeAll(keepingCapacity: true)
            guard v.tokens[vt].kind == .string, Base64.decode(v.raw(vt), into: &scratch) else { return false }
            let unscaled = scratch.withUnsafeBufferPointer { DecimalBytes.int128(bigEndian: $0) }
            guard let unscaled else { return false }
            return appendDecimal(unscaled, scale: Int(scale), b)
        case .jsonText:
            if tok.kind == .string { return appendText(v, t, b) }
            return b.appendBytes(v.raw(t))
        case .flexible:
            return appendFlexible(v, t, b)
        }
    }

    @inline(__always)
    private func appendInteger(_ x: Int64, _ b: ColumnBuilder) -> Bool {
        if case .decimal(_, let s) = b.type {
            guard case .decimal(let p, _) = b.type, let r = DecimalBytes.rescale(Int128(x), by: s), ValueText.fits(r, precision: p) else { return false }
            return b.appendInt128(r)
        }
        if b.kind == .bytes { return false }
        return b.appendInt(x)
    }

    @inline(__always)
    private func appendDays(_ x: Int64, _ b: ColumnBuilder) -> Bool {
        switch b.type {
        case .date: return b.appendInt(x)
        case .timestamp:
            let (m, o) = x.multipliedReportingOverflow(by: 86_400_000_000)
            return !o && b.appendInt(m)
        default: return false
        }
    }

    @inline(__always)
    private func appendMicros(_ x: Int64, _ b: ColumnBuilder) -> Bool {
        guard case .timestamp = b.type else { return false }
        return b.appendInt(x)
    }

    @inline(__always)
    private func appendDecimal(_ unscaled: Int128, scale: Int, _ b: ColumnBuilder) -> Bool {
        guard case .decimal(let p, let s) = b.type, let r = DecimalBytes.rescale(unscaled, by: s - scale),
              ValueText.fits(r, precision: p) else { return false }
        return b.appendInt128(r)
    }

    @inline(__always)
    private mutating func appendText(_ v: JSONView, _ t: Int, _ b: ColumnBuilder) -> Bool {
        let tok = v.tokens[t]
        guard b.kind == .bytes else { return false }
        if tok.kind != .string { return b.appendBytes(v.raw(t)) }
        if !tok.escaped { return b.appendBytes(v.raw(t)) }
        scratch.removeAll(keepingCapacity: true)
        guard v.appendString(t, to: &scratch) else { return false }
        return b.appendBytes(scratch)
    }

    /// Schema-file or inferred columns: the column type decides how a token is read.
    private mutating func appendFlexible(_ v: JSONView, _ t: Int, _ b: ColumnBuilder) -> Bool {
        let tok = v.tokens[t]
        switch b.type {
        case .string:
            return appendText(v, t, b)
        case .binary:
            guard tok.kind == .string else { return false }
            scratch.removeAll(keepingCapacity: true)
            guard Base64.decode(v.raw(t), into: &scratch) else { return false }
            return b.appendBytes(scratch)
        case .boolean:
            if tok.kind == .trueValue || tok.kind == .falseValue { return b.appendBool(tok.kind == .trueValue) }
            if tok.kind == .number, let x = v.int64(t), x == 0 || x == 1 { return b.appendBool(x == 1) }
            if tok.kind == .string {
                if v.stringEquals(t, "true") || v.stringEquals(t, "t") { return b.appendBool(true) }
                if v.stringEquals(t, "false") || v.stringEquals(t, "f") { return b.appendBool(false) }
            }
            return false
        case .int8, .int16, .int32, .int64:
            guard tok.kind == .number || tok.kind == .string, let x = v.int64(t) else { return false }
            return b.appendInt(x)
        case .float32, .float64:
            guard tok.kind == .number || tok.kind == .string, let x = v.double(t) else { return false }
            return b.appendDouble(x)
        case .decimal(let p, let s):
            guard tok.kind == .number || (tok.kind == .string && !tok.escaped),
                  let x = ValueText.parseDecimal(v.raw(t), precision: p, scale: s) else { return false }
            return b.appendInt128(x)
        case .date:
            if tok.kind == .number, let x = v.int64(t) { return b.appendInt(x) }
            guard tok.kind == .string, let d = ValueText.parseDate(v.raw(t)) else { return false }
            return b.appendInt(Int64(d))
        case .timestamp:
            if tok.kind == .number, let x = v.int64(t) { return b.appendInt(x) }
            guard tok.kind == .string, !tok.escaped,
                  let ts = ValueText.parseTimestamp(v.raw(t), truncatingBeyondMicroseconds: true) else { return false }
            return b.appendInt(ts.micros)
        }
    }
}

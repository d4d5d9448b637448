import LakeColumnar

/// The row columns described by a Debezium envelope's `schema` (the `after`/`before` struct),
/// with each column's type and Debezium encoding.
struct EnvelopeSchema {
    var columns: [SourceColumn]
    var byName: [String: Int]
    /// Cached binding to a table: (table object, schema version) → column index per source column.
    var boundTable: ObjectIdentifier?
    var boundVersion = -1
    var binding: [Int] = []

    init(columns: [SourceColumn]) {
        self.columns = columns
        byName = [:]
        for (i, c) in columns.enumerated() { byName[c.field.name] = i }
    }

    /// Decodes the envelope schema object at token `root`.
    static func decode(_ v: JSONView, root: Int) throws -> EnvelopeSchema {
        guard v.tokens[root].kind == .object, let fields = v.member(root, "fields"), v.tokens[fields].kind == .array else {
            throw IngestError(.badInput, "the envelope's \"schema\" has no \"fields\" array")
        }
        var rowStruct: Int?
        for f in v.elements(fields) {
            guard let name = v.member(f, "field") else { continue }
            if v.stringEquals(name, "after") { rowStruct = f; break }
            if v.stringEquals(name, "before"), rowStruct == nil { rowStruct = f }
        }
        guard let rowStruct, let rowFields = v.member(rowStruct, "fields"), v.tokens[rowFields].kind == .array else {
            throw IngestError(.badInput, "the envelope's \"schema\" has no \"after\"/\"before\" struct with fields")
        }
        var columns: [SourceColumn] = []
        for f in v.elements(rowFields) {
            guard let nameTok = v.member(f, "field"), let name = v.string(nameTok) else {
                throw IngestError(.badInput, "a field of the envelope's row schema has no \"field\" name")
            }
            let (type, decoding) = try columnType(v, f, name: name)
            let optional = v.member(f, "optional").map { v.tokens[$0].kind == .trueValue } ?? true
            let hasDefault = v.member(f, "default") != nil
            columns.append(SourceColumn(Field(name, type, nullable: optional || hasDefault), decoding))
        }
        return EnvelopeSchema(columns: columns)
    }

    /// Maps a Kafka Connect field schema (type + logical name + parameters) to a column type.
    static func columnType(_ v: JSONView, _ f: Int, name: String) throws -> (DataType, ValueDecoding) {
        let type = v.member(f, "type").flatMap { v.string($0) } ?? ""
        let logical = v.member(f, "name").flatMap { v.string($0) } ?? ""
        switch logical {
        case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date":
            return (.date, .dateDays)
        case "io.debezium.time.Timestamp":
            return (.timestamp(utc: false), .timestampMillis)
        case "org.apache.kafka.connect.data.Timestamp":
            return (.timestamp(utc: true), .timestampMillis)
        case "io.debezium.time.MicroTimestamp":
            return (.timestamp(utc: false), .timestampMicros)
        case "io.debezium.time.NanoTimestamp":
            return (.timestamp(utc: false), .timestampNanos)
        case "io.debezium.time.ZonedTimestamp":
            return (.timestamp(utc: true), .zonedTimestamp)
        case "io.debezium.time.Time", "org.apache.kafka.connect.data.Time":
            return (.int64, .timeMillis)
        case "io.debezium.time.MicroTime":
            return (.int64, .timeMicros)
        case "io.debezium.time.NanoTime":
            return (.int64, .timeNanos)
        case "org.apache.kafka.connect.data.Decimal":
            var scale = 0
            var precision = 38
            if let params = v.member(f, "parameters") {
                if let s = v.member(params, "scale").flatMap({ v.string($0) }), let x = Int(s) { scale = x }
                if let p = v.member(params, "connect.decimal.precision").flatMap({ v.string($0) }), let x = Int(p) { precision = x }
            }
            guard scale >= 0, scale <= 38 else {
                throw IngestError(.badInput, "column \(name): decimal scale \(scale) is outside 0...38")
            }
            precision = min(max(precision, scale, 1), 38)
            return (.decimal(precision: precision, scale: scale), .decimalBytes(scale: scale))
        case "io.debezium.data.VariableScaleDecimal":
            // Spark's default for unconstrained decimals; values needing more scale are rejected.
            return (.decimal(precision: 38, scale: 18), .variableScaleDecimal)
        case "io.debezium.time.ZonedTime", "io.debezium.data.Json", "io.debezium.data.Uuid", "io.debezium.data.Enum",
             "io.debezium.data.EnumSet", "io.debezium.data.Xml", "io.debezium.data.Ltree", "io.debezium.time.Interval":
            if type == "string" { return (.string, .string) }
        case "io.debezium.time.Year":
            return (.int32, .integer)
        default:
            break
        }
        switch type {
        case "int8": return (.int8, .integer)
        case "int16": return (.int16, .integer)
        case "int32": return (.int32, .integer)
        case "int64": return (.int64, .integer)
        case "float", "float32": return (.float32, .floating)
        case "double", "float64": return (.float64, .floating)
        case "boolean": return (.boolean, .boolean)
        case "string": return (.string, .string)
        case "bytes": return (.binary, .base64Bytes)
        case "struct", "array", "map": return (.string, .jsonText)
        default:
            throw IngestError(.badInput, "column \(name): unknown Kafka Connect type \"\(type)\"")
        }
    }
}

import LakeColumnar

/// Writes ``ColumnBatch``es as CSV bytes in a ``CSVDialect``; what it writes reads back through
/// ``CSVReader`` with the same dialect to equal batches.
///
/// Spelling: NULL as the dialect's null marker (default: an empty unquoted field); strings quoted
/// only when needed (delimiter, quote, CR/LF, empty, equal to the null marker, or leading/trailing
/// space) unless `quoteAll`; integers and decimals exact; floats in the shortest text that reads
/// back to the same value (`nan`, `inf`, `-inf`); dates `YYYY-MM-DD`; timestamps
/// `yyyy-MM-dd HH:mm:ss.ffffff` (UTC ones with a `Z` suffix); booleans `true`/`false`; binary hex
/// or base64.
public struct CSVWriter: Sendable {
    public let schema: Schema
    public let dialect: CSVDialect

    public init(schema: Schema, dialect: CSVDialect = .dms) throws(CSVError) {
        try dialect.validate()
        self.schema = schema
        self.dialect = dialect
    }

    private var newline: [UInt8] { dialect.crlf ? [13, 10] : [10] }

    /// Appends the header row (column names).
    public func writeHeader(into out: inout [UInt8]) {
        for (j, field) in schema.fields.enumerated() {
            if j > 0 { out.append(dialect.delimiter) }
            appendText(Array(field.name.utf8), into: &out)
        }
        out.append(contentsOf: newline)
    }

    /// Appends every row of `batch` (its schema must be this writer's).
    public func write(_ batch: ColumnBatch, into out: inout [UInt8]) throws(CSVError) {
        guard batch.schema == schema else {
            throw CSVError.invalidDialect("batch schema [\(batch.schema.names.joined(separator: ","))] differs from the writer's [\(schema.names.joined(separator: ","))]")
        }
        let newline = self.newline
        for row in 0..<batch.rowCount {
            for j in 0..<batch.columns.count {
                if j > 0 { out.append(dialect.delimiter) }
                appendCell(batch.columns[j], row: row, type: schema.fields[j].type, into: &out)
            }
            out.append(contentsOf: newline)
        }
    }

    @inline(__always)
    private func appendCell(_ column: Column, row: Int, type: DataType, into out: inout [UInt8]) {
        if column.isNull(row) {
            if let marker = dialect.nullMarker { out.append(contentsOf: marker) }
            return
        }
        let q = dialect.quoteAll
        if q { out.append(dialect.quote) }
        switch column.storage {
        case .boolean(let v): out.append(contentsOf: v[row] ? Array("true".utf8) : Array("false".utf8))
        case .int8(let v): appendInt(Int64(v[row]), into: &out)
        case .int16(let v): appendInt(Int64(v[row]), into: &out)
        case .int32(let v):
            if case .date = type { ValueText.appendDate(Int(v[row]), to: &out) } else { appendInt(Int64(v[row]), into: &out) }
        case .int64(let v):
            if case .timestamp(let utc) = type {
                ValueText.appendTimestamp(v[row], alwaysFraction: true, to: &out)
                if utc { out.append(UInt8(ascii: "Z")) }
            } else {
                appendInt(v[row], into: &out)
            }
        case .float32(let v): out.append(contentsOf: ValueText.formatFloat(Double(v[row]), single: v[row]).utf8)
        case .float64(let v): out.append(contentsOf: ValueText.formatFloat(v[row], single: nil).utf8)
        case .int128(let v):
            let scale = if case .decimal(_, let s) = type { s } else { 0 }
            out.append(contentsOf: ValueText.formatDecimal(v[row], scale: scale).utf8)
        case .bytes(let v):
            if case .binary = type {
                if dialect.binaryEncoding == .hex { ValueText.appendHex(v[row], to: &out) } else { ValueText.appendBase64(v[row], to: &out) }
                if !q, v[row].isEmpty { out.append(dialect.quote); out.append(dialect.quote) }
            } else if q {
                appendEscaped(v[row], into: &out)
            } else {
                appendText(v[row], into: &out)
            }
        }
        if q { out.append(dialect.quote) }
    }

    /// Appends a string field, quoting it only when it needs quoting.
    private func appendText(_ value: some Collection<UInt8>, into out: inout [UInt8]) {
        if dialect.quoteAll || needsQuotes(value) {
            out.append(dialect.quote)
            appendEscaped(value, into: &out)
            out.append(dialect.quote)
        } else {
            out.append(contentsOf: value)
        }
    }

    private func needsQuotes(_ value: some Collection<UInt8>) -> Bool {
        guard let first = value.first else { return true }  // "" keeps empty apart from NULL
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { return true }
        for c in value where c == dialect.delimiter || c == dialect.quote || c == 10 || c == 13 { return true }
        if let marker = dialect.nullMarker, value.elementsEqual(marker) { return true }
        return false
    }

    private func appendEscaped(_ value: some Collection<UInt8>, into out: inout [UInt8]) {
        for c in value {
            out.append(c)
            if c == dialect.quote { out.append(c) }
        }
    }

    @inline(__always)
    private func appendInt(_ v: Int64, into out: inout [UInt8]) {
        if v == 0 { out.append(48); return }
        var magnitude = v.magnitude
        if v < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { tmp in
            var k = 20
            while magnitude > 0 {
                k -= 1
                tmp[k] = UInt8(magnitude % 10) + 48
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: tmp[k..<20]))
        }
    }
}

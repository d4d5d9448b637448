import LakeColumnar

/// The row-at-a-time parser: the fallback of the column-at-a-time fast path (``CSVBlockParser``)
/// for everything out of the ordinary: the header row, ragged rows, malformed rows and their exact
/// errors (file, line, column), bad-row collection. A struct so that the per-field work runs on
/// `inout` state (no dynamic exclusivity checks or reference counting).
struct CSVRowParser {
    let schema: Schema
    let options: CSVReadOptions
    let source: String
    let dialect: CSVDialect
    let types: [DataType]
    let nullable: [Bool]
    var badRows: [CSVBadRow] = []
    var builders: [ColumnBuilder]
    var rowsInBatch = 0
    /// The line the next row starts on (1-based; the reader adds the lines the fast path consumed).
    var line = 1
    var headerPending: Bool
    var scratch: [UInt8] = []
    var scratchBinary: [UInt8] = []
    var fieldStart: [Int] = []
    var fieldEnd: [Int] = []
    var fieldFlags: [UInt8] = []   // 0 plain, 1 quoted, 2 quoted with doubled quotes
    /// true for the delimiter, CR and LF: the bytes that end an unquoted field.
    let stops: [Bool]
    private var dateCache = CSVDateCache()
    private let decimalLimits: [Int64?]

    init(schema: Schema, options: CSVReadOptions, source: String) {
        self.schema = schema
        self.options = options
        self.source = source
        dialect = options.dialect
        types = schema.fields.map(\.type)
        nullable = schema.fields.map(\.nullable)
        headerPending = options.dialect.header
        builders = schema.fields.map { ColumnBuilder(type: $0.type, capacity: min(options.batchRows, 65_536)) }
        var table = [Bool](repeating: false, count: 256)
        table[Int(options.dialect.delimiter)] = true
        table[10] = true
        table[13] = true
        stops = table
        decimalLimits = types.map {
            if case .decimal(let p, _) = $0 { return CSVValueParsing.maxMagnitude(precision: p) }
            return nil
        }
    }

    /// The rows parsed since the last flush, as a batch (nil when there are none).
    mutating func flush() -> ColumnBatch? {
        guard rowsInBatch > 0 else { return nil }
        let columns = builders.indices.map { builders[$0].finish() }
        let batch = ColumnBatch(schema: schema, columns: columns, rowCount: rowsInBatch)
        rowsInBatch = 0
        return batch
    }

    /// The error for a row that is still incomplete after `maxRowBytes` bytes.
    func rowTooLong() -> CSVError {
        fail("a row is longer than \(options.maxRowBytes) bytes; is a quote left open? (fix the quoting or raise the limit)")
    }

    private func fail(_ message: String, column: Int? = nil, line: Int? = nil) -> CSVError {
        .malformed(file: source, line: line ?? self.line, column: column, message: message)
    }

    private enum RowResult {
        case complete(next: Int, lines: Int)
        case incomplete
    }

    /// Parses complete rows of `buf` from `start` until `maxRows` rows are in the builders (the
    /// header row, while pending, is parsed regardless); returns the position after the last row
    /// parsed and, when it stopped at an incomplete row, the buffer size worth retrying at (else 0).
    mutating func run(_ buf: UnsafeBufferPointer<UInt8>, from start: Int, final: Bool, maxRows: Int) throws -> (consumed: Int, retryAt: Int) {
        var p = start
        while p < buf.count, rowsInBatch < maxRows || headerPending {
            let result = try scanRow(buf, from: p, final: final)
            guard case .complete(let next, let lines) = result else {
                if buf.count - p > options.maxRowBytes { throw rowTooLong() }
                return (p, p + 2 * (buf.count - p) + 1)
            }
            try handleRow(buf, rowStart: p, rowEnd: next)
            line += lines
            p = next
        }
        return (p, 0)
    }

    /// Finds the fields of the row starting at `p`.
    @inline(__always)
    private mutating func scanRow(_ buf: UnsafeBufferPointer<UInt8>, from p: Int, final: Bool) throws -> RowResult {
        let n = buf.count
        let quote = dialect.quote
        let delimiter = dialect.delimiter
        var i = p
        var lines = 0
        fieldStart.removeAll(keepingCapacity: true)
        fieldEnd.removeAll(keepingCapacity: true)
        fieldFlags.removeAll(keepingCapacity: true)
        return try stops.withUnsafeBufferPointer { stop -> RowResult in
            while true {
                if i < n, buf[i] == quote {
                    i += 1
                    let s = i
                    var escaped = false
                    var embeddedLines = 0
                    while true {
                        while i < n, buf[i] != quote {
                            if buf[i] == 10 { embeddedLines += 1 }
                            i += 1
                        }
                        if i == n {
                            if final {
                                throw fail("a quoted field starting here is never closed (unterminated quote); close it with \"",
                                           column: fieldStart.count + 1)
                            }
                            return .incomplete
                        }
                        if i + 1 < n, buf[i + 1] == quote {
                            escaped = true
                            i += 2
                            continue
                        }
                        if i + 1 == n, !final { return .incomplete }
                        break
                    }
                    fieldStart.append(s)
                    fieldEnd.append(i)
                    fieldFlags.append(escaped ? 2 : 1)
                    lines += embeddedLines
                    i += 1
                    if i == n {
                        if final { return .complete(next: n, lines: lines) }
                        return .incomplete
                    }
                    let c = buf[i]
                    if c == delimiter { i += 1; continue }
                    if c == 10 { return .complete(next: i + 1, lines: lines + 1) }
                    if c == 13 {
                        if i + 1 < n { return .complete(next: buf[i + 1] == 10 ? i + 2 : i + 1, lines: lines + 1) }
                        return final ? .complete(next: n, lines: lines + 1) : .incomplete
                    }
                    throw fail("unexpected text after a closing quote; quote the whole field and double quotes inside it (\"\")",
                               column: fieldStart.count, line: line + lines)
                } else {
                    let s = i
                    while i < n, !stop[Int(buf[i])] { i += 1 }
                    fieldStart.append(s)
                    fieldEnd.append(i)
                    fieldFlags.append(0)
                    if i == n {
                        if final { return .complete(next: n, lines: lines) }
                        return .incomplete
                    }
                    let c = buf[i]
                    if c == delimiter { i += 1; continue }
                    if c == 10 { return .complete(next: i + 1, lines: lines + 1) }
                    // CR
                    if i + 1 < n { return .complete(next: buf[i + 1] == 10 ? i + 2 : i + 1, lines: lines + 1) }
                    return final ? .complete(next: n, lines: lines + 1) : .incomplete
                }
            }
        }
    }

    private mutating func handleRow(_ buf: UnsafeBufferPointer<UInt8>, rowStart: Int, rowEnd: Int) throws {
        let fieldCount = fieldStart.count
        // A blank line is no row (unless the schema has one column, where it is a NULL/empty value).
        if fieldCount == 1, fieldFlags[0] == 0, fieldStart[0] == fieldEnd[0], schema.fields.count > 1 { return }
        if headerPending {
            headerPending = false
            try checkHeader(buf)
            return
        }
        let expected = schema.fields.count
        if fieldCount != expected, !(options.allowRaggedRows) {
            let hint = fieldCount > expected ? "extra fields: unquoted delimiters in a value, or a wrong --delimiter / schema?"
                                             : "missing fields: a wrong --delimiter or schema, or a truncated row?"
            try reject(fail("row has \(fieldCount) fields, the schema has \(expected) (\(hint))"), buf, rowStart, rowEnd, convertedColumns: 0)
            return
        }
        for j in 0..<expected {
            do {
                if j < fieldCount {
                    try convert(buf, field: j, column: j)
                } else {
                    guard schema.fields[j].nullable else {
                        throw fail("column '\(schema.fields[j].name)' is missing and is not nullable", column: j + 1)
                    }
                    builders[j].appendNull()
                }
            } catch let error as CSVError {
                try reject(error, buf, rowStart, rowEnd, convertedColumns: j)
                return
            }
        }
        rowsInBatch += 1
    }

    private mutating func reject(_ error: CSVError, _ buf: UnsafeBufferPointer<UInt8>, _ rowStart: Int, _ rowEnd: Int, convertedColumns: Int) throws {
        guard options.collectBadRows else { throw error }
        for j in 0..<convertedColumns { builders[j].removeLast() }
        let text = Array(buf[rowStart..<min(rowEnd, rowStart + 4096)])
        var message = error.description
        if case .malformed(_, _, _, let m) = error { message = m }
        badRows.append(CSVBadRow(line: line, message: message, text: text))
        if badRows.count > options.maxBadRows { throw CSVError.tooManyBadRows(file: source, limit: options.maxBadRows) }
    }

    private mutating func checkHeader(_ buf: UnsafeBufferPointer<UInt8>) throws {
        var names: [String] = []
        for k in 0..<fieldStart.count { names.append(fieldString(buf, k)) }
        let expected = schema.names
        guard names == expected else {
            let firstDiff = zip(names, expected).enumerated().first { $0.element.0 != $0.element.1 }
            if let (k, pair) = firstDiff {
                throw fail("header column \(k + 1) is '\(pair.0)' but the schema says '\(pair.1)' (reorder the schema or use --no-header)", column: k + 1)
            }
            throw fail("header has \(names.count) columns, the schema has \(expected.count): \(names.joined(separator: ","))")
        }
    }

    /// Calls `body` with the field's bytes (unescaped into `scratch` when it had doubled quotes).
    @inline(__always)
    private static func withField<R>(_ buf: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ flag: UInt8, quote: UInt8,
                                     scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if flag != 2 { return try body(UnsafeBufferPointer(rebasing: buf[s..<e])) }
        scratch.removeAll(keepingCapacity: true)
        var i = s
        while i < e {
            let c = buf[i]
            scratch.append(c)
            i += c == quote ? 2 : 1
        }
        return try scratch.withUnsafeBufferPointer { try body($0) }
    }

    /// Field `k` as text (headers and error messages).
    private mutating func fieldString(_ buf: UnsafeBufferPointer<UInt8>, _ k: Int, limit: Int = Int.max) -> String {
        Self.withField(buf, fieldStart[k], fieldEnd[k], fieldFlags[k], quote: dialect.quote, scratch: &scratch) {
            String(decoding: $0.prefix(limit), as: UTF8.self)
        }
    }

    @inline(__always)
    private func isNullField(_ buf: UnsafeBufferPointer<UInt8>, _ k: Int, type: DataType) -> Bool {
        guard fieldFlags[k] == 0 else { return false }
        let s = fieldStart[k], e = fieldEnd[k]
        guard let marker = dialect.nullMarker else { return s == e }
        if s == e { return type != .string }
        guard e - s == marker.count else { return false }
        for (offset, b) in marker.enumerated() where buf[s + offset] != b { return false }
        return true
    }

    private mutating func convert(_ buf: UnsafeBufferPointer<UInt8>, field k: Int, column j: Int) throws(CSVError) {
        let type = types[j]
        if isNullField(buf, k, type: type) {
            guard nullable[j] else {
                throw fail("column '\(schema.fields[j].name)' is NULL (an empty unquoted field) but is not nullable; quote an empty string as \"\" or make the column nullable", column: j + 1)
            }
            builders[j].appendNull()
            return
        }
        let ok: Bool
        if fieldFlags[k] != 2 {
            ok = convertText(UnsafeBufferPointer(rebasing: buf[fieldStart[k]..<fieldEnd[k]]), column: j)
        } else {
            // Doubled quotes: unescape into a buffer taken out of `self` for the call.
            var local = scratch
            scratch = []
            local.removeAll(keepingCapacity: true)
            var i = fieldStart[k]
            let e = fieldEnd[k]
            while i < e {
                let c = buf[i]
                local.append(c)
                i += c == dialect.quote ? 2 : 1
            }
            ok = local.withUnsafeBufferPointer { convertText($0, column: j) }
            scratch = local
        }
        if !ok {
            let text = fieldString(buf, k, limit: 60)
            let field = schema.fields[j]
            throw fail("'\(text)' is not a valid \(SchemaFile.typeName(field.type)) for column '\(field.name)'\(hint(for: field.type))", column: j + 1)
        }
    }

    /// Converts one unescaped field into column `j`'s builder; false when it is not a valid value.
    @inline(__always)
    private mutating func convertText(_ t: UnsafeBufferPointer<UInt8>, column j: Int) -> Bool {
        // Empty text (a quoted "") is no valid number, date or timestamp; the parsers below need a
        // base address, which empty text may lack.
        let p = t.baseAddress
        switch types[j] {
        case .string:
            guard isValidUTF8(t) else { return false }
            builders[j].appendBytes(t)
        case .int64:
            guard let p, let v = CSVValueParsing.int64(p, t.count) else { return false }
            builders[j].append(v)
        case .int32:
            guard let p, let v = CSVValueParsing.int64(p, t.count), let x = Int32(exactly: v) else { return false }
            builders[j].append(x)
        case .int16:
            guard let p, let v = CSVValueParsing.int64(p, t.count), let x = Int16(exactly: v) else { return false }
            builders[j].append(x)
        case .int8:
            guard let p, let v = CSVValueParsing.int64(p, t.count), let x = Int8(exactly: v) else { return false }
            builders[j].append(x)
        case .float64:
            guard let v = ValueText.parseDouble(t) else { return false }
            builders[j].append(v)
        case .float32:
            // Straight to Float: through Double first would round twice.
            guard let v = ValueText.parseFloat(t) else { return false }
            builders[j].append(v)
        case .boolean:
            guard let v = ValueText.parseBool(t) else { return false }
            builders[j].append(v)
        case .decimal(let precision, let scale):
            guard let p, let v = CSVValueParsing.decimal(p, t.count, precision: precision, scale: scale, maxMagnitude: decimalLimits[j]) else { return false }
            builders[j].append(v)
        case .date:
            guard let p, let v = CSVValueParsing.date(p, t.count, cache: &dateCache) else { return false }
            builders[j].append(v)
        case .timestamp(let utc):
            guard let p, let v = CSVValueParsing.timestamp(p, t.count, utc: utc, cache: &dateCache) else { return false }
            builders[j].append(v)
        case .binary:
            scratchBinary.removeAll(keepingCapacity: true)
            let valid = dialect.binaryEncoding == .hex ? ValueText.parseHex(t, into: &scratchBinary)
                                                      : ValueText.parseBase64(t, into: &scratchBinary)
            guard valid else { return false }
            builders[j].appendBytes(scratchBinary)
        }
        return true
    }

    private func hint(for type: DataType) -> String {
        switch type {
        case .string: " (invalid UTF-8; convert the file to UTF-8)"
        case .date: " (expected YYYY-MM-DD)"
        case .timestamp(let utc): utc ? " (expected yyyy-MM-dd HH:mm:ss[.ffffff][Z|±HH:MM])" : " (expected yyyy-MM-dd HH:mm:ss[.ffffff] without a time zone)"
        case .decimal(let p, let s): " (at most \(p) digits, \(s) after the point)"
        case .boolean: " (expected true/false/t/f/1/0)"
        case .binary: dialect.binaryEncoding == .hex ? " (expected hex digits)" : " (expected base64)"
        default: " (check the schema type)"
        }
    }
}

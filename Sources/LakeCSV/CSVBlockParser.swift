import LakeColumnar

/// What the fast path produced for one block of bytes.
struct CSVBlockResult {
    /// One column per schema field, `rows` long.
    var columns: [Column]
    var rows: Int
    /// The position after the last row taken (where the next parse continues).
    var end: Int
    /// Line breaks consumed by the rows taken (and the blank lines among them).
    var lines: Int
    var stop: CSVBlockStop
}

/// The CSV fast path: indexes the fields of a block of rows in one pass (``CSVFieldScanner``),
/// then converts column by column straight into typed arrays allocated once at their final size
/// (no per-field `String`, no per-value append with capacity and uniqueness checks).
///
/// It never reports errors: a row it cannot take as is (wrong field count, a value that does not
/// parse, a NULL in a non-nullable column, ...) ends the block there with `.anomaly`, and the
/// caller hands that row to the row-at-a-time ``CSVRowParser``, which produces the exact error
/// (file, line, column) or collects the bad row. One instance per thread; instances share nothing.
final class CSVBlockParser {
    let schema: Schema
    let types: [DataType]
    let nullable: [Bool]
    let quote: UInt8
    let binaryEncoding: BinaryTextEncoding
    /// The NULL marker, when the dialect has one.
    let nullMarker: [UInt8]?
    let scanner: CSVFieldScanner
    /// 10^precision per decimal column (fast range check), nil where not applicable.
    private let decimalLimits: [Int64?]
    private var dateCache = CSVDateCache()
    /// Unescaped text of a field with doubled quotes.
    private var scratch: [UInt8] = []
    private var binaryScratch: [UInt8] = []

    init(schema: Schema, dialect: CSVDialect) {
        self.schema = schema
        types = schema.fields.map(\.type)
        nullable = schema.fields.map(\.nullable)
        quote = dialect.quote
        binaryEncoding = dialect.binaryEncoding
        nullMarker = dialect.nullMarker
        scanner = CSVFieldScanner(columnCount: schema.fields.count, delimiter: dialect.delimiter, quote: dialect.quote)
        decimalLimits = types.map {
            if case .decimal(let p, _) = $0 { return CSVValueParsing.maxMagnitude(precision: p) }
            return nil
        }
    }

    /// Parses the rows of `base[start..<limit]` (at most `maxRows`); see ``CSVFieldScanner/scan``.
    func parse(_ base: UnsafePointer<UInt8>, start: Int, limit: Int, final: Bool, maxRows: Int) -> CSVBlockResult {
        let scanned = scanner.scan(base, start: start, limit: limit, final: final, maxRows: maxRows)
        var taken = scanned.rows
        var columns: [Column] = []
        columns.reserveCapacity(types.count)
        for j in types.indices {
            let (column, failedAt) = convert(column: j, base, blockStart: start, rows: taken)
            if let failedAt, failedAt < taken {
                taken = failedAt
                for k in columns.indices { columns[k] = Self.prefix(columns[k], failedAt) }
            }
            columns.append(column)
        }
        if taken < scanned.rows {
            return CSVBlockResult(columns: columns, rows: taken, end: scanner.rowStarts[taken],
                                  lines: scanner.rowLines[taken], stop: .anomaly)
        }
        return CSVBlockResult(columns: columns, rows: taken, end: scanned.end, lines: scanned.lines, stop: scanned.stop)
    }

    // MARK: Columns

    /// Converts rows `0..<rows` of column `j`; on a row that does not convert, returns the rows
    /// before it and that row's index.
    private func convert(column j: Int, _ base: UnsafePointer<UInt8>, blockStart: Int, rows: Int) -> (Column, Int?) {
        switch types[j] {
        case .string:
            return convertBytes(j, base, blockStart, rows: rows, validateUTF8: true)
        case .binary:
            return convertBinary(j, base, blockStart, rows: rows)
        case .int64:
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Int64(0)) { CSVValueParsing.int64($0, $1) }
            return (Self.column(.int64(v), bits, failed ?? rows), failed)
        case .int32:
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Int32(0)) {
                CSVValueParsing.int64($0, $1).flatMap { Int32(exactly: $0) }
            }
            return (Self.column(.int32(v), bits, failed ?? rows), failed)
        case .int16:
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Int16(0)) {
                CSVValueParsing.int64($0, $1).flatMap { Int16(exactly: $0) }
            }
            return (Self.column(.int16(v), bits, failed ?? rows), failed)
        case .int8:
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Int8(0)) {
                CSVValueParsing.int64($0, $1).flatMap { Int8(exactly: $0) }
            }
            return (Self.column(.int8(v), bits, failed ?? rows), failed)
        case .float64:
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Double(0)) {
                ValueText.parseDouble(UnsafeBufferPointer(start: $0, count: $1))
            }
            return (Self.column(.float64(v), bits, failed ?? rows), failed)
        case .float32:
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Float(0)) {
                ValueText.parseFloat(UnsafeBufferPointer(start: $0, count: $1))
            }
            return (Self.column(.float32(v), bits, failed ?? rows), failed)
        case .boolean:
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: false) {
                ValueText.parseBool(UnsafeBufferPointer(start: $0, count: $1))
            }
            return (Self.column(.boolean(v), bits, failed ?? rows), failed)
        case .decimal(let p, let s):
            let limit = decimalLimits[j]
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Int128(0)) {
                CSVValueParsing.decimal($0, $1, precision: p, scale: s, maxMagnitude: limit)
            }
            return (Self.column(.int128(v), bits, failed ?? rows), failed)
        case .date:
            var cache = dateCache
            defer { dateCache = cache }
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Int32(0)) {
                CSVValueParsing.date($0, $1, cache: &cache)
            }
            return (Self.column(.int32(v), bits, failed ?? rows), failed)
        case .timestamp(let utc):
            var cache = dateCache
            defer { dateCache = cache }
            let (v, bits, failed) = convertFixed(j, base, blockStart, rows: rows, zero: Int64(0)) {
                CSVValueParsing.timestamp($0, $1, utc: utc, cache: &cache)
            }
            return (Self.column(.int64(v), bits, failed ?? rows), failed)
        }
    }

    private static func column(_ storage: ColumnStorage, _ validity: [UInt8]?, _ rows: Int) -> Column {
        Column(storage, validity: validity.map { Bitmap(bytes: $0, count: rows) })
    }

    /// Whether an unquoted field is NULL: empty (DMS), or equal to the dialect's marker (then an
    /// empty field is NULL for every type but string).
    @inline(__always)
    private func isNull(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, isString: Bool) -> Bool {
        guard let nullMarker else { return s == e }
        if s == e { return !isString }
        guard e - s == nullMarker.count else { return false }
        for k in 0..<nullMarker.count where base[s + k] != nullMarker[k] { return false }
        return true
    }

    @inline(__always)
    private static func clearBit(_ validity: inout [UInt8]?, _ r: Int, rows: Int) {
        if validity == nil { validity = [UInt8](repeating: 0xFF, count: (rows + 7) / 8) }
        validity?[r >> 3] &= ~(1 << UInt8(r & 7))
    }

    /// The text of a quoted field (without its quotes), unescaped into `scratch` when it has
    /// doubled quotes; calls `body` with it.
    @inline(__always)
    private func withQuotedText<R>(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, _ flags: UInt32,
                                   _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if flags & CSVFieldScanner.escapedFlag == 0 { return body(base + s + 1, e - s - 2) }
        scratch.removeAll(keepingCapacity: true)
        var i = s + 1
        let stop = e - 1
        while i < stop {
            let c = base[i]
            scratch.append(c)
            i += c == quote ? 2 : 1
        }
        return scratch.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return body(base + s + 1, 0) }
            return body(p, buffer.count)
        }
    }

    /// Fixed-width values: one typed array, allocated once, written in place.
    @inline(__always)
    private func convertFixed<T>(_ j: Int, _ base: UnsafePointer<UInt8>, _ blockStart: Int, rows: Int, zero: T,
                                 _ parse: (UnsafePointer<UInt8>, Int) -> T?) -> ([T], [UInt8]?, Int?) {
        let columnNullable = nullable[j]
        var validity: [UInt8]?
        var failedAt: Int?
        let values = [T](unsafeUninitializedCapacity: rows) { out, count in
            guard let out = out.baseAddress else { count = 0; return }
            var r = 0
            while r < rows {
                let (s, e, flags) = scanner.field(j, r, blockStart: blockStart)
                let value: T?
                if flags == 0 {
                    if isNull(base, s, e, isString: false) {
                        guard columnNullable else { break }
                        (out + r).initialize(to: zero)
                        Self.clearBit(&validity, r, rows: rows)
                        r += 1
                        continue
                    }
                    value = parse(base + s, e - s)
                } else {
                    value = withQuotedText(base, s, e, flags, parse)
                }
                guard let value else { break }
                (out + r).initialize(to: value)
                r += 1
            }
            if r < rows { failedAt = r }
            count = r
        }
        return (values, validity, failedAt)
    }

    /// Strings: the column's bytes allocated once (the fields' total length), each value copied
    /// with two 8-byte moves when short; UTF-8 checked over the whole column (ASCII fast path).
    private func convertBytes(_ j: Int, _ base: UnsafePointer<UInt8>, _ blockStart: Int, rows: Int,
                              validateUTF8: Bool) -> (Column, Int?) {
        let columnNullable = nullable[j]
        var total = 0
        for r in 0..<rows {
            let (s, e, _) = scanner.field(j, r, blockStart: blockStart)
            total += e - s
        }
        var validity: [UInt8]?
        var failedAt: Int?
        var offsets: [Int] = []
        var written = 0
        let quote = self.quote
        var bytes = [UInt8](unsafeUninitializedCapacity: total + 16) { dst, byteCount in
            byteCount = 0
            guard let out = dst.baseAddress else { return }
            offsets = [Int](unsafeUninitializedCapacity: rows + 1) { offsetBuffer, offsetCount in
                offsetCount = 0
                guard let off = offsetBuffer.baseAddress else { return }
                off.initialize(to: 0)
                var pos = 0
                var r = 0
                while r < rows {
                    let (s, e, flags) = scanner.field(j, r, blockStart: blockStart)
                    if flags == 0 {
                        if isNull(base, s, e, isString: true) {
                            guard columnNullable else { break }
                            Self.clearBit(&validity, r, rows: rows)
                        } else {
                            Self.copy(base + s, e - s, to: out + pos)
                            pos += e - s
                        }
                    } else if flags & CSVFieldScanner.escapedFlag == 0 {
                        Self.copy(base + s + 1, e - s - 2, to: out + pos)
                        pos += e - s - 2
                    } else {
                        var i = s + 1
                        let stop = e - 1
                        while i < stop {
                            let c = base[i]
                            (out + pos).initialize(to: c)
                            pos += 1
                            i += c == quote ? 2 : 1
                        }
                    }
                    (off + r + 1).initialize(to: pos)
                    r += 1
                }
                if r < rows { failedAt = r }
                offsetCount = r + 1
                written = pos
            }
            byteCount = written
        }
        var taken = failedAt ?? rows
        if validateUTF8, !Self.isASCII(bytes) {
            let firstBad: Int? = bytes.withUnsafeBufferPointer { all in
                for r in 0..<taken where !isValidUTF8(UnsafeBufferPointer(rebasing: all[offsets[r]..<offsets[r + 1]])) { return r }
                return nil
            }
            if let firstBad {
                taken = firstBad
                failedAt = firstBad
                offsets.removeLast(offsets.count - taken - 1)
                bytes.removeLast(bytes.count - offsets[taken])
            }
        }
        return (Column(.bytes(VarBytes(offsets: offsets, bytes: bytes)), validity: validity.map { Bitmap(bytes: $0, count: taken) }), failedAt)
    }

    /// Copies `n` bytes; short values as two unaligned 8-byte moves (the input buffer and the
    /// destination both have 16 bytes of slack).
    @inline(__always)
    private static func copy(_ src: UnsafePointer<UInt8>, _ n: Int, to dst: UnsafeMutablePointer<UInt8>) {
        if n <= 16 {
            let a = UnsafeRawPointer(src).loadUnaligned(as: UInt64.self)
            let b = UnsafeRawPointer(src + 8).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(dst).storeBytes(of: a, as: UInt64.self)
            UnsafeMutableRawPointer(dst + 8).storeBytes(of: b, as: UInt64.self)
        } else {
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: n)
        }
    }

    private static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var acc: UInt64 = 0
            var i = 0
            let n = raw.count
            while i + 8 <= n { acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
            while i < n { acc |= UInt64(raw[i]); i += 1 }
            return acc & 0x8080_8080_8080_8080 == 0
        }
    }

    /// Binary (hex or base64 text): rare in change files, so value by value.
    private func convertBinary(_ j: Int, _ base: UnsafePointer<UInt8>, _ blockStart: Int, rows: Int) -> (Column, Int?) {
        var values = VarBytes()
        values.reserveCapacity(values: rows, bytes: 0)
        var validity: [UInt8]?
        var r = 0
        var decoded = binaryScratch
        defer { binaryScratch = decoded }
        while r < rows {
            let (s, e, flags) = scanner.field(j, r, blockStart: blockStart)
            if flags == 0, isNull(base, s, e, isString: false) {
                guard nullable[j] else { break }
                Self.clearBit(&validity, r, rows: rows)
                values.appendEmpty()
                r += 1
                continue
            }
            decoded.removeAll(keepingCapacity: true)
            let encoding = binaryEncoding
            let ok: Bool
            if flags == 0 {
                let text = UnsafeBufferPointer(start: base + s, count: e - s)
                ok = encoding == .hex ? ValueText.parseHex(text, into: &decoded) : ValueText.parseBase64(text, into: &decoded)
            } else {
                ok = withQuotedText(base, s, e, flags) { p, n in
                    let text = UnsafeBufferPointer(start: p, count: n)
                    return encoding == .hex ? ValueText.parseHex(text, into: &decoded) : ValueText.parseBase64(text, into: &decoded)
                }
            }
            guard ok else { break }
            values.append(decoded)
            r += 1
        }
        let column = Column(.bytes(values), validity: validity.map { Bitmap(bytes: $0, count: r) })
        return (column, r < rows ? r : nil)
    }

    /// The first `n` rows of a column (used when a later column stops early).
    static func prefix(_ column: Column, _ n: Int) -> Column {
        guard column.count > n else { return column }
        let storage: ColumnStorage
        switch column.storage {
        case .boolean(let v): storage = .boolean(Array(v.prefix(n)))
        case .int8(let v): storage = .int8(Array(v.prefix(n)))
        case .int16(let v): storage = .int16(Array(v.prefix(n)))
        case .int32(let v): storage = .int32(Array(v.prefix(n)))
        case .int64(let v): storage = .int64(Array(v.prefix(n)))
        case .float32(let v): storage = .float32(Array(v.prefix(n)))
        case .float64(let v): storage = .float64(Array(v.prefix(n)))
        case .int128(let v): storage = .int128(Array(v.prefix(n)))
        case .bytes(let v):
            let offsets = Array(v.offsets.prefix(n + 1))
            storage = .bytes(VarBytes(offsets: offsets, bytes: Array(v.bytes.prefix(offsets[n]))))
        }
        let validity = column.validity.map { Bitmap(bytes: $0.bytes, count: n) }
        return Column(storage, validity: validity.flatMap { $0.nonzeroBitCount == n ? nil : $0 })
    }
}

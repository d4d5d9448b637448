/// Splits CSV text in the AWS DMS dialect into records of fields: `,` between fields, `\n` (or
/// `\r\n`) between records, RFC 4180 quoting (`"…"` with `""` for a quote). An **unquoted empty
/// field is NULL**; a quoted empty field (`""`) is the empty string.
struct DMSCSVRecords {
    struct Field {
        /// Byte range into the text, or into ``DMSCSVRecords/scratch`` when ``unescaped``.
        var start: Int
        var end: Int
        var isNull: Bool
        var unescaped: Bool
    }

    let text: [UInt8]
    private(set) var position = 0
    /// Unescaped values of quoted fields with doubled quotes.
    private(set) var scratch: [UInt8] = []
    private(set) var fields: [Field] = []
    /// 1-based line number of the record last read (for messages).
    private(set) var line = 0
    private var nextLine = 1
    let delimiter: UInt8

    init(text: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) {
        self.text = text
        self.delimiter = delimiter
        // A UTF-8 byte-order mark is not data.
        if text.count >= 3, text[0] == 0xEF, text[1] == 0xBB, text[2] == 0xBF { position = 3 }
    }

    /// Reads the next record into ``fields``; `false` at the end. Blank lines are skipped.
    /// - Throws: ``MergeError`` for an unterminated quote or text after a closing quote.
    mutating func next(source: String) throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
        let n = text.count
        while position < n, text[position] == UInt8(ascii: "\n") || text[position] == UInt8(ascii: "\r") {
            if text[position] == UInt8(ascii: "\n") { nextLine += 1 }
            position += 1
        }
        guard position < n else { return false }
        line = nextLine
        var i = position
        while true {
            if i < n, text[i] == UInt8(ascii: "\"") {
                // Quoted field.
                i += 1
                let start = i
                var hasEscapes = false
                var closed = false
                while i < n {
                    if text[i] == UInt8(ascii: "\"") {
                        if i + 1 < n, text[i + 1] == UInt8(ascii: "\"") {
                            hasEscapes = true
                            i += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if text[i] == UInt8(ascii: "\n") { nextLine += 1 }
                    i += 1
                }
                guard closed else { throw MergeError("\(source): line \(line): a quoted field is never closed") }
                let end = i
                i += 1
                if hasEscapes {
                    let s = scratch.count
                    var j = start
                    while j < end {
                        scratch.append(text[j])
                        j += text[j] == UInt8(ascii: "\"") ? 2 : 1
                    }
                    fields.append(Field(start: s, end: scratch.count, isNull: false, unescaped: true))
                } else {
                    fields.append(Field(start: start, end: end, isNull: false, unescaped: false))
                }
                if i < n, text[i] == UInt8(ascii: "\r") { i += 1 }
                guard i >= n || text[i] == delimiter || text[i] == UInt8(ascii: "\n") else {
                    throw MergeError("\(source): line \(line): unexpected text after a closing quote")
                }
            } else {
                let start = i
                while i < n, text[i] != delimiter, text[i] != UInt8(ascii: "\n") { i += 1 }
                var end = i
                if end > start, text[end - 1] == UInt8(ascii: "\r"), i >= n || text[i] == UInt8(ascii: "\n") { end -= 1 }
                fields.append(Field(start: start, end: end, isNull: end == start, unescaped: false))
            }
            if i < n, text[i] == delimiter {
                i += 1
                continue
            }
            if i < n { nextLine += 1 }
            position = i + 1
            return true
        }
    }

    /// Calls `body` with the bytes of field `index` of the current record.
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let f = fields[index]
        let buffer = f.unescaped ? scratch : text
        return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[f.start..<f.end])) }
    }

    func string(_ index: Int) -> String { withField(index) { String(decoding: $0, as: UTF8.self) } }
}

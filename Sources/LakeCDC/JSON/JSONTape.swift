/// A flat "tape" of JSON tokens over a byte buffer, reused from event to event so decoding an
/// event allocates nothing once the tape has grown to its working size.
///
/// Layout: every value is one token; an object's token is followed by its members as alternating
/// key and value tokens, an array's by its elements. ``JSONToken/next`` is the index of the first
/// token after the whole value, so a container is skipped in O(1).
public struct JSONToken: Sendable {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, trueValue, falseValue, null
    }

    public var kind: Kind
    /// Strings: set when the text holds a backslash escape (it must be unescaped before use).
    public var escaped: Bool
    /// Byte range of the value in the buffer: strings without their quotes; containers from the
    /// opening to one past the closing bracket.
    public var start: Int
    public var end: Int
    /// Index of the token following this value (past every nested token).
    public var next: Int
}

/// Why a JSON text could not be scanned.
public struct JSONScanError: Error, Sendable, Equatable {
    public var message: String
    /// Offset of the offending byte, relative to the start of the scanned text.
    public var offset: Int
    /// The text ended before the value did (more input may complete it).
    public var truncated: Bool
}

/// Scans one JSON value from raw bytes into a ``JSONToken`` tape (RFC 8259; no comments, no
/// trailing commas). Validation is structural: strings are checked for escapes and control
/// characters, numbers for their grammar; UTF-8 is passed through.
public struct JSONScanner {
    public var tokens: [JSONToken] = []
    /// Nesting limit, so hostile input cannot recurse deeply.
    public var maxDepth = 256

    public init() {
        tokens.reserveCapacity(256)
    }

    /// Scans the value starting at `from` (after optional whitespace) in `buf`, replacing the tape.
    /// Returns the offset just past the value.
    public mutating func scan(_ buf: UnsafeBufferPointer<UInt8>, from: Int) throws(JSONScanError) -> Int {
        tokens.removeAll(keepingCapacity: true)
        var pos = from
        return try scanValue(buf, &pos, depth: 0)
    }

    @inline(__always)
    static func skipWhitespace(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int) {
        while pos < buf.count {
            let c = buf[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    private func fail(_ message: String, _ pos: Int, truncated: Bool = false) -> JSONScanError {
        JSONScanError(message: message, offset: pos, truncated: truncated)
    }

    private mutating func scanValue(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, depth: Int) throws(JSONScanError) -> Int {
        Self.skipWhitespace(buf, &pos)
        guard pos < buf.count else { throw fail("unexpected end of JSON", pos, truncated: true) }
        let c = buf[pos]
        switch c {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw fail("JSON nested deeper than \(maxDepth) levels", pos) }
            let index = tokens.count
            tokens.append(JSONToken(kind: .object, escaped: false, start: pos, end: pos, next: 0))
            pos += 1
            Self.skipWhitespace(buf, &pos)
            guard pos < buf.count else { throw fail("unexpected end of JSON in an object", pos, truncated: true) }
            if buf[pos] == UInt8(ascii: "}") {
                pos += 1
            } else {
                while true {
                    Self.skipWhitespace(buf, &pos)
                    guard pos < buf.count else { throw fail("unexpected end of JSON in an object", pos, truncated: true) }
                    guard buf[pos] == UInt8(ascii: "\"") else { throw fail("expected a quoted member name", pos) }
                    try scanString(buf, &pos)
                    Self.skipWhitespace(buf, &pos)
                    guard pos < buf.count else { throw fail("unexpected end of JSON in an object", pos, truncated: true) }
                    guard buf[pos] == UInt8(ascii: ":") else { throw fail("expected ':' after a member name", pos) }
                    pos += 1
                    _ = try scanValue(buf, &pos, depth: depth + 1)
                    Self.skipWhitespace(buf, &pos)
                    guard pos < buf.count else { throw fail("unexpected end of JSON in an object", pos, truncated: true) }
                    let d = buf[pos]
                    pos += 1
                    if d == UInt8(ascii: ",") { continue }
                    if d == UInt8(ascii: "}") { break }
                    throw fail("expected ',' or '}' in an object", pos - 1)
                }
            }
            tokens[index].end = pos
            tokens[index].next = tokens.count
            return pos
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw fail("JSON nested deeper than \(maxDepth) levels", pos) }
            let index = tokens.count
            tokens.append(JSONToken(kind: .array, escaped: false, start: pos, end: pos, next: 0))
            pos += 1
            Self.skipWhitespace(buf, &pos)
            guard pos < buf.count else { throw fail("unexpected end of JSON in an array", pos, truncated: true) }
            if buf[pos] == UInt8(ascii: "]") {
                pos += 1
            } else {
                while true {
                    _ = try scanValue(buf, &pos, depth: depth + 1)
                    Self.skipWhitespace(buf, &pos)
                    guard pos < buf.count else { throw fail("unexpected end of JSON in an array", pos, truncated: true) }
                    let d = buf[pos]
                    pos += 1
                    if d == UInt8(ascii: ",") { continue }
                    if d == UInt8(ascii: "]") { break }
                    throw fail("expected ',' or ']' in an array", pos - 1)
                }
            }
            tokens[index].end = pos
            tokens[index].next = tokens.count
            return pos
        case UInt8(ascii: "\""):
            try scanString(buf, &pos)
            return pos
        case UInt8(ascii: "t"):
            try literal(buf, &pos, "true", .trueValue)
            return pos
        case UInt8(ascii: "f"):
            try literal(buf, &pos, "false", .falseValue)
            return pos
        case UInt8(ascii: "n"):
            try literal(buf, &pos, "null", .null)
            return pos
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber(buf, &pos)
            return pos
        default:
            throw fail("unexpected character '\(Self.printable(c))'", pos)
        }
    }

    static func printable(_ c: UInt8) -> String {
        (0x20..<0x7F).contains(c) ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }

    private mutating func literal(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, _ word: StaticString, _ kind: JSONToken.Kind) throws(JSONScanError) {
        let n = word.utf8CodeUnitCount
        let start = pos
        for i in 0..<n {
            guard pos + i < buf.count else { throw fail("unexpected end of JSON", pos + i, truncated: true) }
            guard buf[pos + i] == word.utf8Start[i] else { throw fail("invalid literal (expected \(word))", pos) }
        }
        pos += n
        tokens.append(JSONToken(kind: kind, escaped: false, start: start, end: pos, next: tokens.count + 1))
    }

    private mutating func scanString(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int) throws(JSONScanError) {
        let start = pos + 1
        var p = start
        var escaped = false
        let n = buf.count
        while true {
            guard p < n else { throw fail("unterminated string", start - 1, truncated: true) }
            let c = buf[p]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                escaped = true
                guard p + 1 < n else { throw fail("unterminated string", start - 1, truncated: true) }
                p += 2
                continue
            }
            if c < 0x20 { throw fail("control character in a string", p) }
            p += 1
        }
        tokens.append(JSONToken(kind: .string, escaped: escaped, start: start, end: p, next: tokens.count + 1))
        pos = p + 1
    }

    private mutating func scanNumber(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int) throws(JSONScanError) {
        let start = pos
        var p = pos
        let n = buf.count
        @inline(__always) func isDigit(_ p: Int) -> Bool { p < n && buf[p] >= 0x30 && buf[p] <= 0x39 }
        if p < n, buf[p] == UInt8(ascii: "-") { p += 1 }
        guard isDigit(p) else { throw fail("invalid number", start, truncated: p >= n) }
        if buf[p] == UInt8(ascii: "0") { p += 1 } else { while isDigit(p) { p += 1 } }
        if p < n, buf[p] == UInt8(ascii: ".") {
            p += 1
            guard isDigit(p) else { throw fail("invalid number", start, truncated: p >= n) }
            while isDigit(p) { p += 1 }
        }
        if p < n, buf[p] == UInt8(ascii: "e") || buf[p] == UInt8(ascii: "E") {
            p += 1
            if p < n, buf[p] == UInt8(ascii: "+") || buf[p] == UInt8(ascii: "-") { p += 1 }
            guard isDigit(p) else { throw fail("invalid number", start, truncated: p >= n) }
            while isDigit(p) { p += 1 }
        }
        // A number running into the end of the buffer may continue in the next chunk.
        if p >= n { throw fail("unexpected end of JSON in a number", start, truncated: true) }
        tokens.append(JSONToken(kind: .number, escaped: false, start: start, end: p, next: tokens.count + 1))
        pos = p
    }

    /// Finds the end of the JSON value starting at `from` without building tokens (used to skip an
    /// envelope's schema quickly). Returns nil when the buffer ends first or the value is malformed.
    public static func skipValue(_ buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var p = from
        skipWhitespace(buf, &p)
        guard p < buf.count else { return nil }
        var depth = 0
        let n = buf.count
        repeat {
            guard p < n else { return nil }
            let c = buf[p]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1; p += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1; p += 1
            case UInt8(ascii: "\""):
                p += 1
                while true {
                    guard p < n else { return nil }
                    let d = buf[p]
                    if d == UInt8(ascii: "\"") { p += 1; break }
                    p += d == UInt8(ascii: "\\") ? 2 : 1
                }
            default:
                p += 1
                if depth == 0 {
                    // A scalar at top level: run to the next delimiter.
                    while p < n, buf[p] != UInt8(ascii: ","), buf[p] != UInt8(ascii: "}"), buf[p] != UInt8(ascii: "]"),
                          buf[p] > 0x20 { p += 1 }
                    return p
                }
            }
        } while depth > 0
        return p
    }
}

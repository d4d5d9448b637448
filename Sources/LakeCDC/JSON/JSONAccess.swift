import LakeColumnar
import Foundation

/// Read helpers over a scanned tape and its buffer.
struct JSONView {
    let buf: UnsafeBufferPointer<UInt8>
    let tokens: UnsafeBufferPointer<JSONToken>

    /// The value token of member `name` in the object at `object`, if present.
    @inline(__always)
    func member(_ object: Int, _ name: StaticString) -> Int? {
        let tok = tokens[object]
        guard tok.kind == .object else { return nil }
        var j = object + 1
        let nameLen = name.utf8CodeUnitCount
        while j < tok.next {
            let key = tokens[j]
            if key.end - key.start == nameLen && !key.escaped
                && memcmp(buf.baseAddress! + key.start, name.utf8Start, nameLen) == 0 {
                return j + 1
            }
            j = tokens[j + 1].next
        }
        return nil
    }

    /// Members of the object at `object`, as (key token, value token) pairs.
    func members(_ object: Int) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        let tok = tokens[object]
        guard tok.kind == .object else { return out }
        var j = object + 1
        while j < tok.next {
            out.append((j, j + 1))
            j = tokens[j + 1].next
        }
        return out
    }

    /// Elements of the array at `array`.
    func elements(_ array: Int) -> [Int] {
        var out: [Int] = []
        let tok = tokens[array]
        guard tok.kind == .array else { return out }
        var j = array + 1
        while j < tok.next {
            out.append(j)
            j = tokens[j].next
        }
        return out
    }

    @inline(__always)
    func isNull(_ t: Int) -> Bool { tokens[t].kind == .null }

    /// The raw bytes of a token.
    @inline(__always)
    func raw(_ t: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: buf[tokens[t].start..<tokens[t].end])
    }

    /// Whether the string token `t` equals `s` (no escapes).
    @inline(__always)
    func stringEquals(_ t: Int, _ s: StaticString) -> Bool {
        let tok = tokens[t]
        return tok.kind == .string && !tok.escaped && tok.end - tok.start == s.utf8CodeUnitCount
            && memcmp(buf.baseAddress! + tok.start, s.utf8Start, s.utf8CodeUnitCount) == 0
    }

    /// Appends the decoded UTF-8 of string token `t` to `out`. Returns false on a bad escape.
    @inline(__always)
    func appendString(_ t: Int, to out: inout [UInt8]) -> Bool {
        let tok = tokens[t]
        if !tok.escaped {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[tok.start..<tok.end]))
            return true
        }
        return JSONView.unescape(UnsafeBufferPointer(rebasing: buf[tok.start..<tok.end]), into: &out)
    }

    /// The decoded string of token `t` (strings only; numbers and literals give their text).
    func string(_ t: Int) -> String? {
        let tok = tokens[t]
        if tok.kind != .string {
            return tok.kind == .object || tok.kind == .array || tok.kind == .null ? nil : String(decoding: raw(t), as: UTF8.self)
        }
        var bytes: [UInt8] = []
        guard appendString(t, to: &bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func unescape(_ s: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            guard i + 1 < n else { return false }
            let e = s[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let u = hex4(s, i) else { return false }
                i += 4
                var scalar = u
                if (0xD800..<0xDC00).contains(u) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard i + 6 <= n, s[i] == UInt8(ascii: "\\"), s[i + 1] == UInt8(ascii: "u"),
                          let low = hex4(s, i + 2), (0xDC00..<0xE000).contains(low) else { return false }
                    i += 6
                    scalar = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(u) {
                    return false
                }
                appendUTF8(scalar, &out)
            default:
                return false
            }
        }
        return true
    }

    private static func hex4(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32? {
        guard i + 4 <= s.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = s[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    private static func appendUTF8(_ v: UInt32, _ out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// An integer token (or a string holding one) as Int64; nil if it is not an integer in range.
    @inline(__always)
    func int64(_ t: Int) -> Int64? {
        let tok = tokens[t]
        guard tok.kind == .number || tok.kind == .string else { return nil }
        return TextNumbers.parseInt64(UnsafeBufferPointer(rebasing: buf[tok.start..<tok.end]))
    }

    /// A numeric token (or a string holding a number, or "NaN"/"Infinity") as Double.
    @inline(__always)
    func double(_ t: Int) -> Double? {
        let tok = tokens[t]
        guard tok.kind == .number || tok.kind == .string else { return nil }
        return TextNumbers.parseDouble(UnsafeBufferPointer(rebasing: buf[tok.start..<tok.end]))
    }
}

/// Number parsing straight from bytes.
enum TextNumbers {
    /// A decimal integer with an optional sign; nil on overflow or any other character.
    @inline(__always)
    static func parseInt64(_ s: UnsafeBufferPointer<UInt8>) -> Int64? { ValueText.parseInt64(s) }

    static func parseDouble(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = s.count
        guard n > 0, n < 400 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { tmp -> Double? in
            for i in 0..<n { tmp[i] = CChar(bitPattern: s[i]) }
            tmp[n] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(tmp.baseAddress!, &end)
            guard let end, end == tmp.baseAddress! + n else { return nil }
            return v
        }
    }
}

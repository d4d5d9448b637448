#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How binary values are spelled in text (CSV).
public enum BinaryTextEncoding: String, Sendable, Hashable, CaseIterable {
    /// Lowercase hex digits; reading also accepts uppercase and a `\x` or `0x` prefix.
    case hex
    /// RFC 4648 base64 with padding.
    case base64
}

/// Parsing and formatting of typed values as text, on raw UTF-8 bytes (CSV fields). Parsers return
/// nil when the text is not a valid value of the type; they never trap.
public enum ValueText {
    // MARK: Integers

    /// A decimal integer with an optional sign; nil on overflow or any other character.
    @inline(__always)
    public static func parseInt64(_ t: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let n = t.count
        guard n > 0 else { return nil }
        var negative = false
        if t[0] == UInt8(ascii: "-") || t[0] == UInt8(ascii: "+") { negative = t[0] == UInt8(ascii: "-"); i = 1 }
        guard i < n else { return nil }
        var v: UInt64 = 0
        while i < n {
            let d = t[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        if negative {
            guard v <= UInt64(Int64.max) + 1 else { return nil }
            return v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)
        }
        guard v <= UInt64(Int64.max) else { return nil }
        return Int64(v)
    }

    public static func parseBool(_ t: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch t.count {
        case 1:
            switch t[0] {
            case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "1"): return true
            case UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "0"): return false
            default: return nil
            }
        case 4: return matchesLower(t, "true") ? true : nil
        case 5: return matchesLower(t, "false") ? false : nil
        default: return nil
        }
    }

    private static func matchesLower(_ t: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard t.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for i in 0..<t.count where t[i] | 0x20 != w[i] { return false }
        return true
    }

    // MARK: Floats

    /// A decimal or scientific number, or NaN/Infinity spelled `nan`, `inf`, `infinity` (any case,
    /// optional sign). Hex floats and surrounding spaces are rejected.
    public static func parseDouble(_ t: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = t.count
        guard n > 0, n < 400 else { return nil }
        // Clinger's fast path: at most 15 significant digits and a power of ten up to 22 are exact
        // doubles, so one multiplication or division rounds correctly (what strtod returns).
        if let (m, k, negative) = decimalParts(t, maxDigits: 15), k >= -22, k <= 22 {
            let v = k < 0 ? Double(m) / exactPowersOfTen[-k] : Double(m) * exactPowersOfTen[k]
            return negative ? -v : v
        }
        // strtod accepts things we do not (leading spaces, hex floats, "nan(...)"): pre-check.
        for c in t {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                continue
            default: return nil
            }
        }
        let first = t[0] == UInt8(ascii: "+") || t[0] == UInt8(ascii: "-") ? 1 : 0
        guard first < n else { return nil }
        let lead = t[first] | 0x20
        if lead == UInt8(ascii: "n") || lead == UInt8(ascii: "i") {
            let body = UnsafeBufferPointer(rebasing: t[first...])
            let negative = t[0] == UInt8(ascii: "-")
            if matchesLower(body, "nan") { return .nan }
            if matchesLower(body, "inf") || matchesLower(body, "infinity") { return negative ? -.infinity : .infinity }
            return nil
        }
        if n > 1, t[first] == UInt8(ascii: "0"), first + 1 < n, t[first + 1] | 0x20 == UInt8(ascii: "x") { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
            guard let base = buf.baseAddress else { return nil }
            for i in 0..<n { base[i] = CChar(bitPattern: t[i]) }
            base[n] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(base, &end)
            guard let end, end == base + n else { return nil }
            return v
        }
    }

    /// 10^0 ... 10^22, each exactly representable as a Double.
    static let exactPowersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }

    /// A plain decimal number `[+-]digits[.digits][(e|E)[+-]digits]` as `m × 10^k` with at most
    /// `maxDigits` significant digits in `m`; nil for anything else (then the full parser decides).
    @inline(__always)
    static func decimalParts(_ t: UnsafeBufferPointer<UInt8>, maxDigits: Int) -> (m: UInt64, k: Int, negative: Bool)? {
        guard let parts = scanDecimal(t, maxDigits: maxDigits, as: UInt64.self) else { return nil }
        return (parts.mantissa, parts.exponent - parts.fractionDigits, parts.negative)
    }

    /// The pieces of `[+-]digits[.digits][(e|E)[+-]digits]`: the digits as one integer (at most
    /// `maxDigits` significant ones, which `Mantissa` must hold), how many of them follow the dot,
    /// and the exponent (below 100,000 in magnitude); nil for anything else.
    @inline(__always)
    static func scanDecimal<Mantissa: FixedWidthInteger>(_ t: UnsafeBufferPointer<UInt8>, maxDigits: Int, as: Mantissa.Type)
        -> (mantissa: Mantissa, fractionDigits: Int, exponent: Int, negative: Bool)? {
        let n = t.count
        var i = 0
        var negative = false
        if n > 0, t[0] == UInt8(ascii: "-") || t[0] == UInt8(ascii: "+") { negative = t[0] == UInt8(ascii: "-"); i = 1 }
        var m: Mantissa = 0
        var significant = 0
        var fractionDigits = 0
        var sawDot = false
        var sawDigit = false
        while i < n {
            let c = t[i]
            let d = c &- 48
            if d < 10 {
                if significant > 0 || d != 0 { significant += 1 }
                guard significant <= maxDigits else { return nil }
                m = m &* 10 &+ Mantissa(d)
                sawDigit = true
                if sawDot { fractionDigits += 1 }
            } else if c == UInt8(ascii: "."), !sawDot {
                sawDot = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if i < n {
            guard t[i] | 0x20 == UInt8(ascii: "e") else { return nil }
            i += 1
            var exponentNegative = false
            if i < n, t[i] == UInt8(ascii: "-") || t[i] == UInt8(ascii: "+") { exponentNegative = t[i] == UInt8(ascii: "-"); i += 1 }
            guard i < n else { return nil }
            while i < n {
                let d = t[i] &- 48
                guard d < 10, exponent < 10_000 else { return nil }
                exponent = exponent * 10 + Int(d)
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        return (m, fractionDigits, exponent, negative)
    }

    /// Shortest text that reads back to the same value: `nan`, `inf`, `-inf` for the specials.
    public static func formatFloat(_ v: Double, single: Float?) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return single.map { $0.description } ?? v.description
    }

    // MARK: Decimals

    /// Whether `v` has at most `precision` digits.
    public static func fits(_ v: Int128, precision: Int) -> Bool {
        guard precision < 39 else { return true }
        guard precision >= 0 else { return false }
        let limit = powersOfTen[precision]
        return v > -limit && v < limit
    }

    /// 10^0 ... 10^38 (10^38 < Int128.max).
    static let powersOfTen: [Int128] = {
        var table: [Int128] = [1]
        for _ in 1...38 { table.append(table[table.count - 1] * 10) }
        return table
    }()

    /// `v` (with `from` fractional digits) with `to` fractional digits; nil if that loses digits or overflows.
    public static func rescale(_ v: Int128, from: Int, to: Int) -> Int128? {
        var v = v
        if to >= from {
            for _ in 0..<(to - from) {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                guard !o else { return nil }
                v = m
            }
        } else {
            for _ in 0..<(from - to) {
                guard v % 10 == 0 else { return nil }
                v /= 10
            }
        }
        return v
    }

    /// An exact decimal: optional sign, digits, optional fraction, optional exponent. Returns the
    /// unscaled value at `scale`; nil when it needs more than `scale` fractional digits (non-zero
    /// digits would be lost) or more than `precision` digits.
    public static func parseDecimal(_ t: UnsafeBufferPointer<UInt8>, precision: Int, scale: Int) -> Int128? {
        // 38 digits stay below 10^38 < Int128.max.
        guard let parts = scanDecimal(t, maxDigits: 38, as: Int128.self), abs(parts.exponent) < 100,
              let scaled = rescale(parts.mantissa, from: parts.fractionDigits - parts.exponent, to: scale),
              fits(scaled, precision: precision) else { return nil }
        return parts.negative ? -scaled : scaled
    }

    /// Exact text of a decimal: `-12.30` for (-1230, scale 2).
    public static func formatDecimal(_ v: Int128, scale: Int) -> String {
        var magnitude = v.magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(magnitude % 10) + 48)
            magnitude /= 10
        } while magnitude > 0
        while digits.count <= scale { digits.append(48) }
        var out: [UInt8] = v < 0 ? [UInt8(ascii: "-")] : []
        for (k, d) in digits.reversed().enumerated() {
            if scale > 0, k == digits.count - scale { out.append(UInt8(ascii: ".")) }
            out.append(d)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Dates and timestamps

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    @inline(__always)
    private static func fixed(_ t: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int? {
        guard at + count <= t.count else { return nil }
        var v = 0
        for i in at..<(at + count) {
            let d = t[i] &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    private static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD` → days since 1970-01-01.
    public static func parseDate(_ t: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard t.count == 10 else { return nil }
        return parseDatePrefix(t).map { Int32($0) }
    }

    private static func parseDatePrefix(_ t: UnsafeBufferPointer<UInt8>) -> Int? {
        guard t.count >= 10, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"),
              let y = fixed(t, 0, 4), let m = fixed(t, 5, 2), let d = fixed(t, 8, 2),
              (1...12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return nil }
        return daysFromCivil(year: y, month: m, day: d)
    }

    /// `yyyy-MM-dd[( |T)HH:mm[:ss[.f…]]][Z|±HH[:MM]]` → microseconds since the epoch (converted to
    /// UTC when an offset is given; `hadZone` tells whether one was). Fraction digits beyond
    /// microseconds (up to 9 digits in all) must be zero unless `truncatingBeyondMicroseconds`.
    public static func parseTimestamp(_ t: UnsafeBufferPointer<UInt8>) -> (micros: Int64, hadZone: Bool)? {
        parseTimestamp(t, truncatingBeyondMicroseconds: false)
    }

    /// ``parseTimestamp(_:)``, with digits beyond microseconds truncated when
    /// `truncatingBeyondMicroseconds` (rejected unless zero otherwise).
    public static func parseTimestamp(_ t: UnsafeBufferPointer<UInt8>, truncatingBeyondMicroseconds: Bool) -> (micros: Int64, hadZone: Bool)? {
        guard let days = parseDatePrefix(t) else { return nil }
        var micros = Int64(days) * 86_400_000_000
        let n = t.count
        if n == 10 { return (micros, false) }
        guard t[10] == UInt8(ascii: " ") || t[10] == UInt8(ascii: "T") || t[10] == UInt8(ascii: "t"),
              let hh = fixed(t, 11, 2), t.count > 13, t[13] == UInt8(ascii: ":"), let mm = fixed(t, 14, 2),
              hh < 24, mm < 60 else { return nil }
        var i = 16
        var ss = 0
        if i < n, t[i] == UInt8(ascii: ":") {
            guard let s = fixed(t, i + 1, 2), s < 60 else { return nil }
            ss = s
            i += 3
        }
        micros += Int64(hh * 3600 + mm * 60 + ss) * 1_000_000
        if i < n, t[i] == UInt8(ascii: ".") {
            i += 1
            var frac: Int64 = 0
            var count = 0
            while i < n, t[i] &- 48 < 10 {
                if count < 6 { frac = frac * 10 + Int64(t[i] &- 48) } else if t[i] != 48, !truncatingBeyondMicroseconds { return nil }
                count += 1
                i += 1
            }
            guard count > 0, count <= 9 else { return nil }
            if count < 6 { for _ in count..<6 { frac *= 10 } }
            micros += frac
        }
        if i == n { return (micros, false) }
        if t[i] == UInt8(ascii: "Z") || t[i] == UInt8(ascii: "z") {
            return i + 1 == n ? (micros, true) : nil
        }
        guard t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = t[i] == UInt8(ascii: "-") ? -1 : 1
        guard let oh = fixed(t, i + 1, 2), oh < 24 else { return nil }
        var j = i + 3
        var om = 0
        if j < n, t[j] == UInt8(ascii: ":") { j += 1 }
        if j < n {
            guard let m = fixed(t, j, 2), m < 60 else { return nil }
            om = m
            j += 2
        }
        guard j == n else { return nil }
        micros -= sign * Int64(oh * 3600 + om * 60) * 1_000_000
        return (micros, true)
    }

    public static func formatDate(_ days: Int32) -> String {
        var out: [UInt8] = []
        appendDate(Int(days), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func appendPadded(_ v: Int, width: Int, to out: inout [UInt8]) {
        var digits = width
        var divisor = 1
        while digits > 1 { divisor *= 10; digits -= 1 }
        var x = v
        if x >= divisor * 10 { out.append(contentsOf: String(x).utf8); return }
        while divisor > 0 {
            out.append(UInt8(x / divisor) + 48)
            x %= divisor
            divisor /= 10
        }
    }

    public static func appendDate(_ days: Int, to out: inout [UInt8]) {
        let (y, m, d) = civilFromDays(days)
        if y < 0 { out.append(UInt8(ascii: "-")) }
        appendPadded(abs(y), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2, to: &out)
    }

    /// `yyyy-MM-dd HH:mm:ss[.ffffff]` (the fraction only when non-zero; 6 digits) with the given
    /// date/time separator.
    public static func appendTimestamp(_ micros: Int64, separator: UInt8 = UInt8(ascii: " "), alwaysFraction: Bool = false, to out: inout [UInt8]) {
        let perDay: Int64 = 86_400_000_000
        var days = micros / perDay
        var rest = micros % perDay
        if rest < 0 { rest += perDay; days -= 1 }
        appendDate(Int(days), to: &out)
        out.append(separator)
        let seconds = Int(rest / 1_000_000)
        appendPadded(seconds / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(seconds / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(seconds % 60, width: 2, to: &out)
        let frac = Int(rest % 1_000_000)
        if frac != 0 || alwaysFraction {
            out.append(UInt8(ascii: "."))
            appendPadded(frac, width: 6, to: &out)
        }
    }

    public static func formatTimestamp(_ micros: Int64, separator: Character = " ") -> String {
        var out: [UInt8] = []
        appendTimestamp(micros, separator: separator.asciiValue ?? UInt8(ascii: " "), alwaysFraction: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Binary

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func appendHex(_ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + bytes.count * 2)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 15)])
        }
    }

    /// Hex digits (optionally after `\x` or `0x`), appended to `out`; false if not valid hex.
    public static func parseHex(_ t: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var i = 0
        if t.count >= 2, t[0] == UInt8(ascii: "\\") || t[0] == UInt8(ascii: "0"), t[1] | 0x20 == UInt8(ascii: "x") { i = 2 }
        guard (t.count - i) % 2 == 0 else { return false }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        while i < t.count {
            guard let hi = nibble(t[i]), let lo = nibble(t[i + 1]) else { return false }
            out.append(hi << 4 | lo)
            i += 2
        }
        return true
    }

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let base64Decode: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in base64Alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    public static func appendBase64(_ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        let b = Array(bytes)
        var i = 0
        while i + 3 <= b.count {
            let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
            for s in [18, 12, 6, 0] { out.append(base64Alphabet[Int((v >> UInt32(s)) & 63)]) }
            i += 3
        }
        let rest = b.count - i
        if rest > 0 {
            let v = UInt32(b[i]) << 16 | (rest == 2 ? UInt32(b[i + 1]) << 8 : 0)
            out.append(base64Alphabet[Int((v >> 18) & 63)])
            out.append(base64Alphabet[Int((v >> 12) & 63)])
            out.append(rest == 2 ? base64Alphabet[Int((v >> 6) & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
    }

    /// Base64 (standard or URL alphabet, padding optional), appended to `out`; false if invalid.
    public static func parseBase64(_ t: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var n = t.count
        while n > 0, t[n - 1] == UInt8(ascii: "=") { n -= 1 }
        guard t.count - n <= 2, n % 4 != 1 else { return false }
        var acc: UInt32 = 0
        var bits = 0
        for i in 0..<n {
            let v = base64Decode[Int(t[i])]
            guard v != 0xFF else { return false }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return true
    }
}

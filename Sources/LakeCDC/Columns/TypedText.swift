import LakeColumnar

/// Text forms of dates, timestamps and decimals as the CDC decoders accept them, and the decimal
/// text of change files. Calendar math and date/timestamp formatting are LakeColumnar's
/// ``ValueText``. The parsers stay: what ingest accepts differs from ``ValueText``'s parsers (day
/// 1-31 in any month, decimals without a precision bound) and changing it would change the CLI.
enum TypedText {
    @inline(__always)
    private static func digits(_ s: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        guard i + n <= s.count else { return nil }
        var v = 0
        for k in 0..<n {
            let d = Int(s[i + k]) - 48
            guard d >= 0, d <= 9 else { return nil }
            v = v * 10 + d
        }
        return v
    }

    /// `YYYY-MM-DD` → days since the epoch.
    static func parseDate(_ s: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard s.count == 10, let y = digits(s, 0, 4), s[4] == 0x2D, let m = digits(s, 5, 2), s[7] == 0x2D,
              let d = digits(s, 8, 2), (1...12).contains(m), (1...31).contains(d) else { return nil }
        return Int32(ValueText.daysFromCivil(year: y, month: m, day: d))
    }

    /// `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]` (or a bare date) → microseconds since the
    /// epoch, shifted to UTC by any offset. `hadZone` tells whether an offset or `Z` was present.
    static func parseTimestamp(_ s: UnsafeBufferPointer<UInt8>) -> (micros: Int64, hadZone: Bool)? {
        guard s.count >= 10, let y = digits(s, 0, 4), s[4] == 0x2D, let mo = digits(s, 5, 2), s[7] == 0x2D,
              let d = digits(s, 8, 2), (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var micros = Int64(ValueText.daysFromCivil(year: y, month: mo, day: d)) * 86_400_000_000
        var i = 10
        if i == s.count { return (micros, false) }
        guard s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "t") else { return nil }
        i += 1
        guard let h = digits(s, i, 2), i + 2 < s.count, s[i + 2] == 0x3A, let mi = digits(s, i + 3, 2),
              h < 24, mi < 60 else { return nil }
        i += 5
        var sec = 0
        if i < s.count, s[i] == 0x3A {
            guard let ss = digits(s, i + 1, 2), ss <= 60 else { return nil }
            sec = ss
            i += 3
        }
        var frac: Int64 = 0
        if i < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",") {
            i += 1
            var n = 0
            while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
                if n < 6 { frac = frac * 10 + Int64(s[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            if n < 6 { for _ in n..<6 { frac *= 10 } }
        }
        micros += Int64(h * 3600 + mi * 60 + sec) * 1_000_000 + frac
        if i == s.count { return (micros, false) }
        if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
            return i + 1 == s.count ? (micros, true) : nil
        }
        guard s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = s[i] == UInt8(ascii: "+") ? 1 : -1
        i += 1
        guard let oh = digits(s, i, 2) else { return nil }
        i += 2
        var om = 0
        if i < s.count, s[i] == 0x3A { i += 1 }
        if i < s.count {
            guard let m = digits(s, i, 2) else { return nil }
            om = m
            i += 2
        }
        guard i == s.count, oh <= 18, om < 60 else { return nil }
        micros -= sign * Int64(oh * 3600 + om * 60) * 1_000_000
        return (micros, true)
    }

    /// A decimal number's text (`-12.345`, `1e3`, `+3.2e+01`) → unscaled value at `scale`;
    /// nil when malformed, when digits would be lost, or when it overflows 38 digits.
    static func parseDecimal(_ s: UnsafeBufferPointer<UInt8>, scale: Int) -> Int128? {
        var i = 0
        let n = s.count
        guard n > 0 else { return nil }
        var negative = false
        if s[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if s[0] == UInt8(ascii: "+") { i = 1 }
        var mantissa: Int128 = 0
        var digitsSeen = 0
        var fracDigits = 0
        var inFraction = false
        var significant = 0
        while i < n {
            let c = s[i]
            if c >= 0x30, c <= 0x39 {
                if significant > 0 || c != 0x30 { significant += 1 }
                guard significant <= 38 else { return nil }
                mantissa = mantissa * 10 + Int128(c - 0x30)
                digitsSeen += 1
                if inFraction { fracDigits += 1 }
            } else if c == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else {
                break
            }
            i += 1
        }
        guard digitsSeen > 0 else { return nil }
        var exponent = 0
        if i < n {
            guard s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var expNegative = false
            if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { expNegative = s[i] == UInt8(ascii: "-"); i += 1 }
            guard i < n else { return nil }
            while i < n {
                let d = Int(s[i]) - 48
                guard d >= 0, d <= 9, exponent < 1000 else { return nil }
                exponent = exponent * 10 + d
                i += 1
            }
            if expNegative { exponent = -exponent }
        }
        // value = mantissa * 10^(exponent - fracDigits); want value * 10^scale.
        let shift = exponent - fracDigits + scale
        guard let v = rescale(mantissa, by: shift) else { return nil }
        return negative ? -v : v
    }

    static let maxDecimal: Int128 = {
        var v: Int128 = 1
        for _ in 0..<38 { v *= 10 }
        return v - 1
    }()

    /// `v * 10^shift`; a negative shift must divide exactly.
    static func rescale(_ v: Int128, by shift: Int) -> Int128? {
        var v = v
        if shift >= 0 {
            for _ in 0..<shift {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                guard !o, m.magnitude <= maxDecimal.magnitude else { return nil }
                v = m
            }
        } else {
            for _ in 0..<(-shift) {
                guard v % 10 == 0 else { return nil }
                v /= 10
            }
        }
        return v
    }

    /// A big-endian two's-complement integer (Kafka Connect Decimal's bytes) → Int128.
    static func int128(bigEndian b: UnsafeBufferPointer<UInt8>) -> Int128? {
        guard !b.isEmpty else { return 0 }
        var start = 0
        // Sign-extension bytes beyond 16 are allowed if redundant.
        while b.count - start > 16 {
            let expected: UInt8 = (b[start + 1] & 0x80) != 0 ? 0xFF : 0
            guard b[start] == expected else { return nil }
            start += 1
        }
        var v: Int128 = (b[start] & 0x80) != 0 ? -1 : 0
        for i in start..<b.count { v = (v << 8) | Int128(b[i]) }
        return v
    }

    // MARK: Formatting

    static func appendDecimal(_ v: Int128, scale: Int, _ out: inout [UInt8]) {
        let digits = Array(String(v.magnitude).utf8)
        if v < 0 { out.append(UInt8(ascii: "-")) }
        if scale <= 0 {
            out.append(contentsOf: digits)
            return
        }
        if digits.count <= scale {
            out.append(0x30); out.append(UInt8(ascii: "."))
            for _ in 0..<(scale - digits.count) { out.append(0x30) }
            out.append(contentsOf: digits)
        } else {
            out.append(contentsOf: digits[0..<(digits.count - scale)])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[(digits.count - scale)...])
        }
    }
}

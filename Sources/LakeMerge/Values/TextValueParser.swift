import LakeColumnar

/// Parses the text form of a value (as DMS and lakectl's CSV files write it) into a typed slot.
/// Every function returns `nil` for text that is not a value of the type; callers name the file,
/// row and column in the error.
enum TextValueParser {
    static func int64(_ t: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if i < t.count, t[i] == UInt8(ascii: "-") || t[i] == UInt8(ascii: "+") {
            negative = t[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < t.count else { return nil }
        var v: Int64 = 0
        while i < t.count {
            let d = t[i] &- 0x30
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        return v
    }

    static func double(_ t: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !t.isEmpty, t.count < 400 else { return nil }
        let s = String(decoding: t, as: UTF8.self)
        switch s.lowercased() {
        case "nan": return .nan
        case "inf", "infinity", "+inf", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return Double(s)
        }
    }

    static func boolean(_ t: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch String(decoding: t, as: UTF8.self).lowercased() {
        case "true", "t", "1", "yes", "y": return true
        case "false", "f", "0", "no", "n": return false
        default: return nil
        }
    }

    /// `[-+]digits[.digits]` to an unscaled value of `scale` digits; more fraction digits than the
    /// scale are accepted only when they are zeros (no silent rounding).
    static func decimal(_ t: UnsafeBufferPointer<UInt8>, precision: Int, scale: Int) -> Int128? {
        var i = 0
        var negative = false
        if i < t.count, t[i] == UInt8(ascii: "-") || t[i] == UInt8(ascii: "+") {
            negative = t[i] == UInt8(ascii: "-")
            i += 1
        }
        var v: Int128 = 0
        var digits = 0
        var fraction = -1
        var sawDigit = false
        while i < t.count {
            let c = t[i]
            if c == UInt8(ascii: ".") {
                guard fraction < 0 else { return nil }
                fraction = 0
            } else {
                let d = c &- 0x30
                guard d < 10 else { return nil }
                sawDigit = true
                if fraction >= 0 {
                    if fraction >= scale {
                        guard d == 0 else { return nil }
                        i += 1
                        continue
                    }
                    fraction += 1
                }
                v = v * 10 + Int128(d)
                if v != 0 { digits += 1 }
                guard digits <= 38 else { return nil }
            }
            i += 1
        }
        guard sawDigit else { return nil }
        for _ in max(fraction, 0)..<scale { v *= 10 }
        var limit: Int128 = 1
        for _ in 0..<precision { limit *= 10 }
        guard v < limit else { return nil }
        return negative ? -v : v
    }

    private static func fixedDigits(_ t: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int64? {
        guard start + count <= t.count else { return nil }
        var v: Int64 = 0
        for i in start..<(start + count) {
            let d = t[i] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int64(d)
        }
        return v
    }

    /// `yyyy-MM-dd` (a trailing ` 00:00:00` time, as Oracle DATE values carry, is accepted).
    static func date(_ t: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard t.count >= 10, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"),
              let y = fixedDigits(t, 0, 4), let m = fixedDigits(t, 5, 2), let d = fixedDigits(t, 8, 2),
              (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        if t.count > 10 {
            guard let micros = timestamp(t), micros % 86_400_000_000 == 0 else { return nil }
        }
        return Int32(ValueText.daysFromCivil(year: Int(y), month: Int(m), day: Int(d)))
    }

    /// `yyyy-MM-dd[ T]HH:mm:ss[.f…]` with an optional `Z` or `±HH:MM` offset, to microseconds since
    /// the epoch (UTC). Digits beyond microseconds are truncated.
    static func timestamp(_ t: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard t.count >= 10, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"),
              let y = fixedDigits(t, 0, 4), let mo = fixedDigits(t, 5, 2), let d = fixedDigits(t, 8, 2),
              (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var micros = Int64(ValueText.daysFromCivil(year: Int(y), month: Int(mo), day: Int(d))) * 86_400_000_000
        if t.count == 10 { return micros }
        guard t.count >= 19, t[10] == UInt8(ascii: " ") || t[10] == UInt8(ascii: "T"),
              t[13] == UInt8(ascii: ":"), t[16] == UInt8(ascii: ":"),
              let h = fixedDigits(t, 11, 2), let mi = fixedDigits(t, 14, 2), let s = fixedDigits(t, 17, 2),
              h < 24, mi < 60, s < 61
        else { return nil }
        micros += ((h * 60 + mi) * 60 + s) * 1_000_000
        var i = 19
        if i < t.count, t[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000
            let start = i
            while i < t.count, t[i] &- 0x30 < 10 {
                micros += Int64(t[i] &- 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        if i < t.count {
            if t[i] == UInt8(ascii: "Z"), i + 1 == t.count { return micros }
            guard t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-"), t.count - i == 6, t[i + 3] == UInt8(ascii: ":"),
                  let oh = fixedDigits(t, i + 1, 2), let om = fixedDigits(t, i + 4, 2)
            else { return nil }
            let offset = (oh * 60 + om) * 60_000_000
            return t[i] == UInt8(ascii: "+") ? micros - offset : micros + offset
        }
        return micros
    }

    /// Hex text (optionally `\x`-prefixed, as PostgreSQL writes bytea) to bytes.
    static func hexBytes(_ t: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var start = 0
        if t.count >= 2, t[0] == UInt8(ascii: "\\"), t[1] == UInt8(ascii: "x") { start = 2 }
        guard (t.count - start) % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x37
            case 0x61...0x66: c - 0x57
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((t.count - start) / 2)
        var i = start
        while i < t.count {
            guard let hi = nibble(t[i]), let lo = nibble(t[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

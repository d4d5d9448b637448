import LakeColumnar

/// Text → value conversions of CSV fields, shared by the column-at-a-time fast path and the
/// row-at-a-time parser so both accept exactly the same text.
///
/// Each has a fast path for the common spelling (short integers, plain decimals, `yyyy-MM-dd
/// HH:mm:ss[.ffffff]` timestamps with the date part remembered from the previous value) and
/// otherwise defers to ``ValueText``, which decides every other case. A fast path only accepts
/// text that ``ValueText`` accepts with the same value.
enum CSVValueParsing {
    /// A decimal integer with an optional sign.
    @inline(__always)
    static func int64(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        // Up to 18 characters cannot overflow Int64: plain accumulation, no overflow checks.
        if n > 0, n <= 18 {
            var i = 0
            let negative = p[0] == UInt8(ascii: "-")
            if negative || p[0] == UInt8(ascii: "+") { i = 1 }
            guard i < n else { return nil }
            var v: Int64 = 0
            while i < n {
                let d = p[i] &- 48
                guard d < 10 else { return nil }
                v = v &* 10 &+ Int64(d)
                i += 1
            }
            return negative ? -v : v
        }
        return ValueText.parseInt64(UnsafeBufferPointer(start: p, count: n))
    }

    /// An exact decimal at `scale`; `maxMagnitude` is 10^precision when precision ≤ 18, else nil.
    @inline(__always)
    static func decimal(_ p: UnsafePointer<UInt8>, _ n: Int, precision: Int, scale: Int, maxMagnitude: Int64?) -> Int128? {
        // Fast path: [sign] digits [. digits], few enough digits that Int64 holds the scaled value.
        var i = 0
        var negative = false
        if n > 0, p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") { negative = p[0] == UInt8(ascii: "-"); i = 1 }
        var v: Int64 = 0
        let intStart = i
        while i < n, p[i] &- 48 < 10 { v = v &* 10 &+ Int64(p[i] &- 48); i += 1 }
        let intDigits = i - intStart
        var fracDigits = 0
        var dot = false
        if i < n, p[i] == UInt8(ascii: ".") {
            dot = true
            i += 1
            let fracStart = i
            while i < n, p[i] &- 48 < 10 { v = v &* 10 &+ Int64(p[i] &- 48); i += 1 }
            fracDigits = i - fracStart
        }
        if i == n, intDigits > 0, !dot || fracDigits > 0, fracDigits <= scale, intDigits + scale <= 18 {
            var scaled = v
            var k = fracDigits
            while k < scale { scaled &*= 10; k += 1 }
            if let maxMagnitude, scaled >= maxMagnitude { return nil }
            return Int128(negative ? -scaled : scaled)
        }
        return ValueText.parseDecimal(UnsafeBufferPointer(start: p, count: n), precision: precision, scale: scale)
    }

    /// 10^precision when it fits Int64's fast path (precision ≤ 18).
    static func maxMagnitude(precision: Int) -> Int64? {
        guard precision <= 18 else { return nil }
        var m: Int64 = 1
        for _ in 0..<precision { m *= 10 }
        return m
    }

    /// A timestamp in microseconds; with `utc` false a zone offset is rejected.
    @inline(__always)
    static func timestamp(_ p: UnsafePointer<UInt8>, _ n: Int, utc: Bool, cache: inout CSVDateCache) -> Int64? {
        if n >= 19, n <= 26, let days = cache.days(p),
           p[10] == UInt8(ascii: " ") || p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: "t"),
           p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":") {
            let h1 = p[11] &- 48, h2 = p[12] &- 48, m1 = p[14] &- 48, m2 = p[15] &- 48, s1 = p[17] &- 48, s2 = p[18] &- 48
            if h1 < 10, h2 < 10, m1 < 10, m2 < 10, s1 < 10, s2 < 10 {
                let hh = Int64(h1) * 10 + Int64(h2), mm = Int64(m1) * 10 + Int64(m2), ss = Int64(s1) * 10 + Int64(s2)
                if hh < 24, mm < 60, ss < 60 {
                    let base = days * 86_400_000_000 + (hh * 3600 + mm * 60 + ss) * 1_000_000
                    if n == 19 { return base }
                    if n >= 21, p[19] == UInt8(ascii: ".") {
                        var frac: Int64 = 0
                        var i = 20
                        var digitsOK = true
                        while i < n {
                            let d = p[i] &- 48
                            if d >= 10 { digitsOK = false; break }
                            frac = frac * 10 + Int64(d)
                            i += 1
                        }
                        if digitsOK {
                            var k = n - 20
                            while k < 6 { frac *= 10; k += 1 }
                            return base + frac
                        }
                    }
                }
            }
        }
        guard let ts = ValueText.parseTimestamp(UnsafeBufferPointer(start: p, count: n)), utc || !ts.hadZone else { return nil }
        return ts.micros
    }

    /// A date (days since 1970-01-01): `YYYY-MM-DD`, or an Oracle DATE through DMS
    /// (`1994-06-07 00:00:00`, midnight without a zone).
    @inline(__always)
    static func date(_ p: UnsafePointer<UInt8>, _ n: Int, cache: inout CSVDateCache) -> Int32? {
        if n == 10, let days = cache.days(p) { return Int32(truncatingIfNeeded: days) }
        let t = UnsafeBufferPointer(start: p, count: n)
        if let v = ValueText.parseDate(t) { return v }
        guard let ts = ValueText.parseTimestamp(t), !ts.hadZone, ts.micros % 86_400_000_000 == 0,
              let days = Int32(exactly: ts.micros / 86_400_000_000) else { return nil }
        return days
    }
}

/// The last `yyyy-MM-dd` seen and its day number: change rows arrive in time order, so most
/// timestamps and dates repeat the previous value's date and skip the calendar arithmetic.
struct CSVDateCache {
    private var word: UInt64 = 0
    private var tail: UInt16 = 0
    private var cached: Int64 = 0
    private var valid = false

    /// Days of the valid date in `p[0..<10]`, or nil when it is not one (the caller then lets
    /// ``ValueText`` decide). `p` must have 10 readable bytes.
    @inline(__always)
    mutating func days(_ p: UnsafePointer<UInt8>) -> Int64? {
        let raw = UnsafeRawPointer(p)
        let w = raw.loadUnaligned(as: UInt64.self)
        let t = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        if valid, w == word, t == tail { return cached }
        guard p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-") else { return nil }
        var y = 0
        for i in 0..<4 {
            let d = p[i] &- 48
            guard d < 10 else { return nil }
            y = y * 10 + Int(d)
        }
        let m1 = p[5] &- 48, m2 = p[6] &- 48, d1 = p[8] &- 48, d2 = p[9] &- 48
        guard m1 < 10, m2 < 10, d1 < 10, d2 < 10 else { return nil }
        let m = Int(m1) * 10 + Int(m2), d = Int(d1) * 10 + Int(d2)
        guard m >= 1, m <= 12, d >= 1, d <= Self.daysInMonth(y, m) else { return nil }
        cached = Int64(ValueText.daysFromCivil(year: y, month: m, day: d))
        word = w
        tail = t
        valid = true
        return cached
    }

    private static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Whether `t` is valid UTF-8 (ASCII fast path).
@inline(__always)
func isValidUTF8(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
    var high: UInt8 = 0
    for b in t { high |= b }
    if high < 0x80 { return true }
    var iterator = t.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

import Foundation
import LakeColumnar

/// One typed value: a predicate literal, a partition value or a statistic. Dates are days since
/// 1970-01-01, timestamps microseconds since the epoch, decimals an unscaled integer plus scale.
public enum ScalarValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case decimal(Int128, scale: Int)
    case string(String)
    case binary([UInt8])
    case date(Int32)
    case timestamp(Int64)

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .decimal(let v, let s): DeltaValueFormat.decimal(v, scale: s)
        case .string(let s): s
        case .binary(let b): b.map { String(format: "%02x", $0) }.joined()
        case .date(let d): DeltaValueFormat.date(d)
        case .timestamp(let t): DeltaValueFormat.timestampISO(t)
        }
    }

    /// Orders two values of compatible kinds; `nil` when they cannot be compared (then nothing is pruned).
    public static func compare(_ a: ScalarValue, _ b: ScalarValue) -> Int? {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case let (.bool(x), .bool(y)): return cmp(x ? 1 : 0, y ? 1 : 0)
        case let (.int(x), .int(y)): return cmp(x, y)
        case let (.double(x), .double(y)): return x.isNaN || y.isNaN ? nil : cmp(x, y)
        case let (.int(x), .double(y)): return y.isNaN ? nil : cmp(Double(x), y)
        case let (.double(x), .int(y)): return x.isNaN ? nil : cmp(x, Double(y))
        case let (.decimal(x, sx), .decimal(y, sy)):
            guard let (lx, ly) = DeltaValueFormat.rescale(x, sx, y, sy) else { return nil }
            return cmp(lx, ly)
        case let (.decimal(x, sx), .int(y)):
            guard let (lx, ly) = DeltaValueFormat.rescale(x, sx, Int128(y), 0) else { return nil }
            return cmp(lx, ly)
        case let (.int(x), .decimal(y, sy)):
            guard let (lx, ly) = DeltaValueFormat.rescale(Int128(x), 0, y, sy) else { return nil }
            return cmp(lx, ly)
        case let (.string(x), .string(y)):
            // Byte-wise UTF-8 order, the order Parquet and Delta statistics use.
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : (x == y ? 0 : 1)
        case let (.binary(x), .binary(y)): return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        case let (.date(x), .date(y)): return cmp(x, y)
        case let (.timestamp(x), .timestamp(y)): return cmp(x, y)
        default: return nil
        }
    }
}

/// Text forms of values as the Delta protocol writes them.
public enum DeltaValueFormat {
    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(abs(v))
        let padded = s.count < width ? String(repeating: "0", count: width - s.count) + s : s
        return v < 0 ? "-" + padded : padded
    }

    /// `YYYY-MM-DD`.
    public static func date(_ days: Int32) -> String {
        ValueText.formatDate(days)
    }

    static func splitMicros(_ micros: Int64) -> (days: Int64, secondOfDay: Int64, micro: Int64) {
        let perDay: Int64 = 86_400_000_000
        var days = micros / perDay
        var rest = micros % perDay
        if rest < 0 { rest += perDay; days -= 1 }
        return (days, rest / 1_000_000, rest % 1_000_000)
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`, the partition-value form of timestamps.
    public static func timestampPartition(_ micros: Int64) -> String {
        var out: [UInt8] = []
        ValueText.appendTimestamp(micros, separator: UInt8(ascii: " "), alwaysFraction: false, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, ISO 8601 in UTC with microseconds.
    public static func timestampISO(_ micros: Int64) -> String {
        ValueText.formatTimestamp(micros, separator: "T") + "Z"
    }

    /// The statistics form of a timestamp: milliseconds, truncated (readers widen maxima by 999 µs).
    /// UTC timestamps end in `Z`; `timestamp_ntz` uses delta-rs' `YYYY-MM-DD HH:MM:SS.fff`.
    public static func timestampStat(_ micros: Int64, utc: Bool) -> String {
        var millis = micros / 1000
        if micros % 1000 < 0 { millis -= 1 }
        let (days, sod, micro) = splitMicros(millis * 1000)
        let date = ValueText.formatDate(Int32(clamping: days))
        let time = "\(pad(sod / 3600, 2)):\(pad(sod / 60 % 60, 2)):\(pad(sod % 60, 2)).\(pad(micro / 1000, 3))"
        return utc ? "\(date)T\(time)Z" : "\(date) \(time)"
    }

    /// Parses `YYYY-MM-DD`.
    public static func parseDate(_ text: String) -> Int32? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        var sign: Int64 = 1
        var p = parts[...]
        if text.hasPrefix("-") { sign = -1; p = p.dropFirst() }
        // Years beyond ±10 million are outside Int32 days anyway (and would overflow the arithmetic).
        guard p.count == 3, let y = Int(p[p.startIndex]), y <= 10_000_000, let m = Int(p[p.startIndex + 1]),
              let d = Int(p[p.startIndex + 2]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        return Int32(exactly: ValueText.daysFromCivil(year: Int(sign) * y, month: m, day: d))
    }

    /// Parses `YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}][Z|+HH:MM]` into microseconds since the epoch.
    public static func parseTimestamp(_ text: String) -> Int64? {
        var s = Substring(text)
        var offsetSeconds: Int64 = 0
        if s.hasSuffix("Z") { s = s.dropLast() } else if s.count > 6 {
            let tail = s.suffix(6)
            if (tail.first == "+" || tail.first == "-"), tail.dropFirst().count == 5, tail[tail.index(tail.startIndex, offsetBy: 3)] == ":" {
                let h = Int64(tail.dropFirst().prefix(2)) ?? 0
                let mi = Int64(tail.suffix(2)) ?? 0
                offsetSeconds = (h * 3600 + mi * 60) * (tail.first == "+" ? 1 : -1)
                s = s.dropLast(6)
            }
        }
        guard let sep = s.firstIndex(where: { $0 == " " || $0 == "T" }) else {
            return parseDate(String(s)).map { Int64($0) * 86_400_000_000 }
        }
        guard let days = parseDate(String(s[..<sep])) else { return nil }
        let time = s[s.index(after: sep)...]
        let hms = time.split(separator: ":", omittingEmptySubsequences: false)
        guard hms.count == 3, let h = Int64(hms[0]), let mi = Int64(hms[1]) else { return nil }
        let secParts = hms[2].split(separator: ".", omittingEmptySubsequences: false)
        guard let sec = Int64(secParts[0]) else { return nil }
        var micros: Int64 = 0
        if secParts.count == 2 {
            let frac = secParts[1].prefix(6)
            guard let f = Int64(frac), frac.allSatisfy(\.isNumber) else { return nil }
            micros = f * Int64(pow(10.0, Double(6 - frac.count)))
        }
        return (Int64(days) * 86400 + h * 3600 + mi * 60 + sec - offsetSeconds) * 1_000_000 + micros
    }

    /// An unscaled decimal as text with `scale` fraction digits (`-12.30`).
    public static func decimal(_ unscaled: Int128, scale: Int) -> String {
        ValueText.formatDecimal(unscaled, scale: scale)
    }

    /// Parses decimal text (`-12.3`, `1.5E+2`) into an unscaled value at `scale`; `nil` when it does
    /// not fit or would lose digits.
    public static func parseDecimal(_ text: String, scale: Int) -> Int128? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let ex = Int(s[s.index(after: e)...].replacingOccurrences(of: "+", with: "")) else { return nil }
            exponent = ex
            s = s[..<e]
        }
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        var intPart = s
        var frac: Substring = ""
        if let dot = s.firstIndex(of: ".") { intPart = s[..<dot]; frac = s[s.index(after: dot)...] }
        var all = String(intPart) + String(frac)
        var fracDigits = frac.count - exponent
        guard !all.isEmpty, all.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        // Bring to `scale` fraction digits.
        while fracDigits > scale {
            guard all.last == "0" else { return nil }
            all.removeLast()
            fracDigits -= 1
        }
        if fracDigits < scale { all += String(repeating: "0", count: scale - fracDigits) }
        let trimmed = all.drop { $0 == "0" }
        guard trimmed.count <= 38 else { return nil }
        guard let v = Int128(trimmed.isEmpty ? "0" : String(trimmed)) else { return nil }
        return negative ? -v : v
    }

    static func rescale(_ a: Int128, _ sa: Int, _ b: Int128, _ sb: Int) -> (Int128, Int128)? {
        var a = a, b = b
        if sa < sb {
            for _ in 0..<(sb - sa) { let (r, o) = a.multipliedReportingOverflow(by: 10); if o { return nil }; a = r }
        } else if sb < sa {
            for _ in 0..<(sa - sb) { let (r, o) = b.multipliedReportingOverflow(by: 10); if o { return nil }; b = r }
        }
        return (a, b)
    }

    /// The partition-value text of a value per the protocol's "Partition Value Serialization".
    public static func partitionString(_ value: ScalarValue, type: DataType) -> String? {
        switch value {
        case .null: return nil
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if case .float32 = type { return String(Float(d)) }
            return String(d)
        case .decimal(let v, let s): return decimal(v, scale: s)
        case .string(let s): return s
        case .binary(let b): return String(decoding: b, as: UTF8.self)
        case .date(let d): return date(d)
        case .timestamp(let t):
            if case .timestamp(utc: true) = type { return timestampISO(t) }
            return timestampPartition(t)
        }
    }

    /// Parses a partition value (or a JSON statistic's text) of a column type; `nil` input is `.null`.
    public static func parse(_ text: String?, type: DataType) -> ScalarValue? {
        guard let text else { return .null }
        switch type {
        case .boolean:
            switch text.lowercased() { case "true": return .bool(true); case "false": return .bool(false); default: return nil }
        case .int8, .int16, .int32, .int64: return Int64(text).map { .int($0) }
        case .float32, .float64:
            switch text {
            case "NaN": return .double(.nan)
            case "Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            default: return Double(text).map { .double($0) }
            }
        case .decimal(_, let s): return parseDecimal(text, scale: s).map { .decimal($0, scale: s) }
        case .string: return .string(text)
        case .binary: return .binary(Array(text.utf8))
        case .date: return parseDate(text).map { .date($0) }
        case .timestamp: return parseTimestamp(text).map { .timestamp($0) }
        }
    }

    /// A statistic from its JSON value.
    static func parseStat(_ json: JSONValue, type: DataType) -> ScalarValue? {
        switch json {
        case .null: return nil
        case .number(let n): return parse(n, type: type)
        case .string(let s): return parse(s, type: type)
        case .bool(let b): return .bool(b)
        default: return nil
        }
    }

    /// Reads row `row` of a column as a scalar.
    public static func scalar(_ column: Column, row: Int, type: DataType) -> ScalarValue {
        if column.isNull(row) { return .null }
        switch column.storage {
        case .boolean(let v): return .bool(v[row])
        case .int8(let v): return .int(Int64(v[row]))
        case .int16(let v): return .int(Int64(v[row]))
        case .int32(let v):
            if case .date = type { return .date(v[row]) }
            return .int(Int64(v[row]))
        case .int64(let v):
            if case .timestamp = type { return .timestamp(v[row]) }
            return .int(v[row])
        case .float32(let v): return .double(Double(v[row]))
        case .float64(let v): return .double(v[row])
        case .int128(let v):
            if case .decimal(_, let s) = type { return .decimal(v[row], scale: s) }
            return .decimal(v[row], scale: 0)
        case .bytes(let v):
            if case .binary = type { return .binary(Array(v[row])) }
            return .string(v.string(at: row))
        }
    }
}

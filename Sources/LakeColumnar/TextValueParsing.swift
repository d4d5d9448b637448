#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How text values are read besides the fixed rules of ``ValueText/parse(_:as:options:into:)``.
public struct TextValueOptions: Sendable, Hashable {
    /// How binary values are spelled.
    public var binary: BinaryTextEncoding
    /// Timestamp digits beyond microseconds: truncated (`true`) or rejected unless zero (`false`).
    public var truncateBeyondMicroseconds: Bool

    public init(binary: BinaryTextEncoding = .hex, truncateBeyondMicroseconds: Bool = false) {
        self.binary = binary
        self.truncateBeyondMicroseconds = truncateBeyondMicroseconds
    }

    /// AWS DMS CSV: binary as hex, sub-microsecond digits truncated.
    public static let dms = TextValueOptions(binary: .hex, truncateBeyondMicroseconds: true)
}

/// Receives values parsed by ``ValueText/parse(_:as:options:into:)``: the typed appends of a column
/// builder. Each method is called only for the storage kind of the type being parsed (see
/// ``DataType/storageKind``); string bytes are valid UTF-8.
public protocol TypedValueSink {
    mutating func appendParsed(_ v: Bool)
    mutating func appendParsed(_ v: Int8)
    mutating func appendParsed(_ v: Int16)
    mutating func appendParsed(_ v: Int32)
    mutating func appendParsed(_ v: Int64)
    mutating func appendParsed(_ v: Float)
    mutating func appendParsed(_ v: Double)
    mutating func appendParsed(_ v: Int128)
    mutating func appendParsed(bytes: UnsafeBufferPointer<UInt8>)
}

extension ColumnBuilder: TypedValueSink {
    @inline(__always) public mutating func appendParsed(_ v: Bool) { append(v) }
    @inline(__always) public mutating func appendParsed(_ v: Int8) { append(v) }
    @inline(__always) public mutating func appendParsed(_ v: Int16) { append(v) }
    @inline(__always) public mutating func appendParsed(_ v: Int32) { append(v) }
    @inline(__always) public mutating func appendParsed(_ v: Int64) { append(v) }
    @inline(__always) public mutating func appendParsed(_ v: Float) { append(v) }
    @inline(__always) public mutating func appendParsed(_ v: Double) { append(v) }
    @inline(__always) public mutating func appendParsed(_ v: Int128) { append(v) }
    @inline(__always) public mutating func appendParsed(bytes: UnsafeBufferPointer<UInt8>) { appendBytes(bytes) }

    /// Parses `text` as a value of this column's type (``ValueText/parse(_:as:options:into:)``)
    /// and appends it; `false` (nothing appended) when it is not one, so the caller can name the
    /// file, row and column.
    @inline(__always)
    public mutating func appendText(_ text: UnsafeBufferPointer<UInt8>, options: TextValueOptions = TextValueOptions()) -> Bool {
        ValueText.parse(text, as: type, options: options, into: &self)
    }
}

extension ValueText {
    /// The one text → typed value path of lakectl (CSV, DMS CSV, schemaless events): parses the
    /// text of one non-null value as `type` and hands it to `sink`; `false` (nothing appended)
    /// when the text is not a value of the type. The rules:
    /// - integers: optional sign and decimal digits, in the type's range;
    /// - float/double: decimal or scientific (`+3.23800011e+01`), `nan`, `inf`, `infinity`; a
    ///   float is read as a `Float` directly (no double rounding);
    /// - boolean: `true`/`false`/`t`/`f`/`1`/`0`, any case;
    /// - decimal(P,S): exact; at most P digits, and no non-zero digit beyond S (never rounded);
    /// - date: `yyyy-MM-dd`, or a timestamp at midnight without a zone (Oracle DATE via DMS);
    /// - timestamp: `yyyy-MM-dd[( |T)HH:mm[:ss[.ffffff]]][Z|±HH[:MM]]`, shifted to UTC by the
    ///   offset; a timestamp_ntz takes no offset;
    /// - string: valid UTF-8, as is; binary: hex (optionally `\x`/`0x`-prefixed) or base64.
    @inline(__always)
    public static func parse<Sink: TypedValueSink>(_ t: UnsafeBufferPointer<UInt8>, as type: DataType,
                                                   options: TextValueOptions = TextValueOptions(), into sink: inout Sink) -> Bool {
        switch type {
        case .string:
            guard isValidUTF8(t) else { return false }
            sink.appendParsed(bytes: t)
        case .int64:
            guard let v = parseInt64(t) else { return false }
            sink.appendParsed(v)
        case .int32:
            guard let v = parseInt64(t), let x = Int32(exactly: v) else { return false }
            sink.appendParsed(x)
        case .int16:
            guard let v = parseInt64(t), let x = Int16(exactly: v) else { return false }
            sink.appendParsed(x)
        case .int8:
            guard let v = parseInt64(t), let x = Int8(exactly: v) else { return false }
            sink.appendParsed(x)
        case .float64:
            guard let v = parseDouble(t) else { return false }
            sink.appendParsed(v)
        case .float32:
            guard let v = parseFloat(t) else { return false }
            sink.appendParsed(v)
        case .boolean:
            guard let v = parseBool(t) else { return false }
            sink.appendParsed(v)
        case .decimal(let p, let s):
            guard let v = parseDecimal(t, precision: p, scale: s) else { return false }
            sink.appendParsed(v)
        case .date:
            guard let v = parseDateOrMidnight(t) else { return false }
            sink.appendParsed(v)
        case .timestamp(let utc):
            guard let ts = parseTimestamp(t, truncatingBeyondMicroseconds: options.truncateBeyondMicroseconds),
                  utc || !ts.hadZone else { return false }
            sink.appendParsed(ts.micros)
        case .binary:
            var scratch: [UInt8] = []
            scratch.reserveCapacity(t.count / 2 + 3)
            let valid = options.binary == .hex ? parseHex(t, into: &scratch) : parseBase64(t, into: &scratch)
            guard valid else { return false }
            scratch.withUnsafeBufferPointer { sink.appendParsed(bytes: $0) }
        }
        return true
    }

    /// `yyyy-MM-dd`, or a zone-less timestamp at midnight (`1994-06-07 00:00:00`, as DMS writes
    /// Oracle DATE values) → days since 1970-01-01.
    public static func parseDateOrMidnight(_ t: UnsafeBufferPointer<UInt8>) -> Int32? {
        if let v = parseDate(t) { return v }
        guard t.count > 10, let ts = parseTimestamp(t), !ts.hadZone, ts.micros % 86_400_000_000 == 0 else { return nil }
        return Int32(exactly: ts.micros / 86_400_000_000)
    }

    /// Like ``parseDouble(_:)`` but read as a `Float` directly (`strtof`), so the value is the
    /// float nearest the text, not the float nearest the double nearest the text.
    public static func parseFloat(_ t: UnsafeBufferPointer<UInt8>) -> Float? {
        let n = t.count
        guard n > 0, n < 400 else { return nil }
        // Clinger's fast path for Float: up to 7 significant digits and 10^10 are exact floats.
        if let (m, k, negative) = decimalParts(t, maxDigits: 7), k >= -10, k <= 10 {
            let p = Float(exactPowersOfTen[abs(k)])
            let v = k < 0 ? Float(m) / p : Float(m) * p
            return negative ? -v : v
        }
        for c in t {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"):
                continue
            default:
                // nan/inf spellings and rejections: the double parser's rules.
                return parseDouble(t).map { Float($0) }
            }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Float? in
            guard let base = buf.baseAddress else { return nil }
            for i in 0..<n { base[i] = CChar(bitPattern: t[i]) }
            base[n] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtof(base, &end)
            guard let end, end == base + n else { return nil }
            return v
        }
    }

    /// Whether `t` is valid UTF-8 (ASCII fast path; overlongs, surrogates and truncated sequences
    /// are invalid).
    @inline(__always)
    public static func isValidUTF8(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for b in t { high |= b }
        return high < 0x80 || String(validating: t, as: UTF8.self) != nil
    }

    /// Appends the exact text of a decimal (as ``formatDecimal(_:scale:)``: `-12.30` for (-1230,
    /// scale 2)) to `out`.
    public static func appendDecimal(_ v: Int128, scale: Int, to out: inout [UInt8]) {
        // At most 39 digits, plus leading zeros up to the scale.
        let capacity = max(40, scale + 1)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { digits in
            var magnitude = v.magnitude
            var count = 0
            repeat {
                digits[count] = UInt8(magnitude % 10) + 48
                magnitude /= 10
                count += 1
            } while magnitude > 0
            while count <= scale { digits[count] = 48; count += 1 }
            if v < 0 { out.append(UInt8(ascii: "-")) }
            for k in stride(from: count - 1, through: 0, by: -1) {
                out.append(digits[k])
                if k == scale, scale > 0 { out.append(UInt8(ascii: ".")) }
            }
        }
    }
}

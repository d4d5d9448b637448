import ArgumentParser
import Foundation
import LakeColumnar

/// Reads a JSON Lines file as batches of `batchRows` rows under a given schema. Each line is one
/// JSON object; a missing key or `null` is a null. Errors name the file, line and column.
struct JSONLinesBatchSource: TableBatchSource {
    let path: String
    let schema: Schema
    let batchRows: Int
    private let data: [UInt8]
    private var position: Int
    private var lineNumber = 0

    init(path: String, schema: Schema, batchRows: Int = 65_536) throws {
        self.path = path
        self.schema = schema
        self.batchRows = batchRows
        do { data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ConvertError("cannot read \(path): \(error.localizedDescription)")
        }
        position = data.startIndex
    }

    mutating func next() throws -> ColumnBatch? {
        guard position < data.endIndex else { return nil }
        var builders = schema.fields.map { ColumnBuilder(type: $0.type) }
        var rows = 0
        while rows < batchRows, position < data.endIndex {
            let end = data[position...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            let line = data[position..<end]
            position = end < data.endIndex ? end + 1 : end
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let object: [String: FlatJSONValue]
            do {
                object = try line.withUnsafeBufferPointer { try FlatJSONParser.parseObject($0) }
            } catch let failure as FlatJSONParser.Failure {
                throw ConvertError("\(path):\(lineNumber): invalid JSON: \(failure.message)")
            }
            for (i, field) in schema.fields.enumerated() {
                guard let value = object[field.name], !value.isNull else {
                    guard field.nullable else { throw ConvertError("\(path):\(lineNumber): column \(field.name) is not nullable but has no value") }
                    builders[i].appendNull()
                    continue
                }
                do {
                    try builders[i].append(value)
                } catch let error as ValueParseError {
                    throw ConvertError("\(path):\(lineNumber): column \(field.name): \(error.message)")
                }
            }
            rows += 1
        }
        if rows == 0 { return nil }
        return ColumnBatch(schema: schema, columns: builders.indices.map { builders[$0].finish() }, rowCount: rows)
    }
}

struct ValueParseError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Appends loosely typed (JSON) values to LakeColumnar's typed column builder.
extension ColumnBuilder {
    mutating func append(_ value: FlatJSONValue) throws {
        switch type {
        case .boolean:
            guard case .bool(let b) = value else { throw ValueParseError("expected true or false, got \(value)") }
            append(b)
        case .int8: append(Int8(try Self.integer(value, Int64(Int8.min)...Int64(Int8.max))))
        case .int16: append(Int16(try Self.integer(value, Int64(Int16.min)...Int64(Int16.max))))
        case .int32: append(Int32(try Self.integer(value, Int64(Int32.min)...Int64(Int32.max))))
        case .date:
            guard case .string(let s) = value, let d = TextValues.parseDate(s) else { throw ValueParseError("expected a date YYYY-MM-DD, got \(value)") }
            append(d)
        case .int64: append(try Self.integer(value, Int64.min...Int64.max))
        case .timestamp(let utc):
            guard case .string(let s) = value, let t = TextValues.parseTimestamp(s, utc: utc) else {
                throw ValueParseError("expected an ISO 8601 timestamp, got \(value)")
            }
            append(t)
        case .float32: append(Float(try Self.double(value)))
        case .float64: append(try Self.double(value))
        case .decimal(let p, let s):
            let text: String
            switch value {
            case .string(let t), .number(let t): text = t
            default: throw ValueParseError("expected a decimal string, got \(value)")
            }
            guard let x = TextValues.parseDecimal(text, precision: p, scale: s) else {
                throw ValueParseError("\(text) is not a decimal(\(p),\(s))")
            }
            append(x)
        case .string:
            guard case .string(let s) = value else { throw ValueParseError("expected a string, got \(value)") }
            append(s)
        case .binary:
            guard case .string(let s) = value, let d = Data(base64Encoded: s) else { throw ValueParseError("expected base64 binary, got \(value)") }
            appendBytes(d)
        }
    }

    private static func integer(_ value: FlatJSONValue, _ range: ClosedRange<Int64>) throws -> Int64 {
        var result: Int64?
        switch value {
        case .number(let t), .string(let t): result = Int64(t)
        default: result = nil
        }
        guard let x = result, range.contains(x) else { throw ValueParseError("expected an integer in \(range), got \(value)") }
        return x
    }

    private static func double(_ value: FlatJSONValue) throws -> Double {
        switch value {
        case .string(let s):
            switch s {
            case "NaN", "nan": return .nan
            case "Infinity", "inf", "+Infinity": return .infinity
            case "-Infinity", "-inf": return -.infinity
            default:
                guard let d = Double(s) else { throw ValueParseError("expected a number, got \(s)") }
                return d
            }
        case .number(let t):
            guard let d = Double(t) else { throw ValueParseError("expected a number, got \(t)") }
            return d
        default:
            throw ValueParseError("expected a number, got \(value)")
        }
    }
}

extension FlatJSONValue: CustomStringConvertible {
    var isNull: Bool { if case .null = self { true } else { false } }
    var description: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .number(let t): t
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }
}

/// Parsing and formatting of the text forms of dates, timestamps and decimals.
enum TextValues {
    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Parses `[-]YYYY-MM-DD` (4+ digit years).
    static func parseDateParts(_ s: Substring) -> (Int, Int, Int)? {
        var text = s
        var negative = false
        if text.first == "-" { negative = true; text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count >= 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y0 = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        let y = negative ? -y0 : y0
        guard (1...12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return nil }
        return (y, m, d)
    }

    static func parseDate(_ s: String) -> Int32? {
        guard let (y, m, d) = parseDateParts(Substring(s)) else { return nil }
        return Int32(exactly: ValueText.daysFromCivil(year: y, month: m, day: d))
    }

    /// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]][Z|±HH:MM]` into microseconds since the epoch.
    /// A zone offset is applied (the result is UTC); without one the wall-clock time is taken as is.
    static func parseTimestamp(_ s: String, utc: Bool) -> Int64? {
        guard let sep = s.firstIndex(where: { $0 == "T" || $0 == " " || $0 == "t" }) else {
            // A bare date is midnight.
            guard let (y, m, d) = parseDateParts(Substring(s)) else { return nil }
            return Int64(ValueText.daysFromCivil(year: y, month: m, day: d)) * 86_400_000_000
        }
        guard let (y, m, d) = parseDateParts(s[s.startIndex..<sep]) else { return nil }
        var rest = s[s.index(after: sep)...]
        var offsetSeconds = 0
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            rest = rest.dropLast()
        } else if let signIndex = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = rest[rest.index(after: signIndex)...].replacingOccurrences(of: ":", with: "")
            guard zone.count == 4 || zone.count == 2, let hhmm = Int(zone) else { return nil }
            let (zh, zm) = zone.count == 4 ? (hhmm / 100, hhmm % 100) : (hhmm, 0)
            guard zh <= 23, zm <= 59 else { return nil }
            offsetSeconds = (zh * 3600 + zm * 60) * (rest[signIndex] == "-" ? -1 : 1)
            rest = rest[rest.startIndex..<signIndex]
        }
        let timeParts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard timeParts.count == 2 || timeParts.count == 3, timeParts[0].count == 2, timeParts[1].count == 2,
              let hh = Int(timeParts[0]), let mm = Int(timeParts[1]), hh <= 23, mm <= 59 else { return nil }
        var ss = 0, micros = 0
        if timeParts.count == 3 {
            let secondParts = timeParts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard secondParts.count <= 2, secondParts[0].count == 2, let sec = Int(secondParts[0]), sec <= 59 else { return nil }
            ss = sec
            if secondParts.count == 2 {
                let frac = secondParts[1]
                guard !frac.isEmpty, frac.count <= 9, frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
                let digits = String(frac.prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0)
                guard let f = Int(digits) else { return nil }
                micros = f
            }
        }
        let days = Int64(ValueText.daysFromCivil(year: y, month: m, day: d))
        let seconds = days * 86_400 + Int64(hh * 3600 + mm * 60 + ss) - Int64(offsetSeconds)
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        let (result, overflow2) = scaled.addingReportingOverflow(Int64(micros))
        return overflow2 ? nil : result
    }

    /// Parses a decimal string (`-123.45`, `1e3` not accepted) into its unscaled value at `scale`.
    /// Extra fractional digits must be zeros; the value must fit `precision` digits.
    static func parseDecimal(_ s: String, precision: Int, scale: Int) -> Int128? {
        var text = Substring(s.trimmingCharacters(in: .whitespaces))
        var negative = false
        if text.first == "-" { negative = true; text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let intPart = parts[0]
        var fracPart = parts.count == 2 ? parts[1] : ""
        guard !(intPart.isEmpty && fracPart.isEmpty), intPart.allSatisfy({ $0.isASCII && $0.isNumber }),
              fracPart.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if fracPart.count > scale {
            guard fracPart.dropFirst(scale).allSatisfy({ $0 == "0" }) else { return nil }
            fracPart = fracPart.prefix(scale)
        }
        let digits = intPart + fracPart + String(repeating: "0", count: scale - fracPart.count)
        var value: Int128 = 0
        for c in digits {
            guard let d = c.wholeNumberValue else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int128(d))
            guard !o1, !o2 else { return nil }
            value = a
        }
        var maxValue: Int128 = 1
        for _ in 0..<precision { maxValue *= 10 }
        guard value < maxValue else { return nil }
        return negative ? -value : value
    }
}

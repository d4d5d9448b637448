import Testing

@testable import LakeColumnar

/// The one text → typed value path (`ValueText.parse`) that the DMS CSV readers of ingest and
/// compact share.
@Suite struct TextValueParsingTests {
    private func varBytes(_ values: [[UInt8]]) -> VarBytes {
        var v = VarBytes()
        for x in values { v.append(x) }
        return v
    }

    private func column(_ type: DataType, _ texts: [String], options: TextValueOptions = .dms) -> (Column?, failed: [String]) {
        var builder = ColumnBuilder(type: type)
        var failed: [String] = []
        for text in texts {
            let ok = Array(text.utf8).withUnsafeBufferPointer { builder.appendText($0, options: options) }
            if !ok { failed.append(text) }
        }
        return (failed.isEmpty ? builder.finish() : nil, failed)
    }

    @Test func everyTypeFromDMSText() {
        #expect(column(.boolean, ["t", "f", "true", "FALSE", "1", "0"]).0?.storage == .boolean([true, false, true, false, true, false]))
        #expect(column(.boolean, ["yes", "2", ""]).failed == ["yes", "2", ""])
        #expect(column(.int8, ["-128", "127"]).0?.storage == .int8([-128, 127]))
        #expect(column(.int8, ["128"]).failed == ["128"])
        #expect(column(.int16, ["+32767"]).0?.storage == .int16([32767]))
        #expect(column(.int32, ["-2147483648"]).0?.storage == .int32([Int32.min]))
        #expect(column(.int64, ["9223372036854775807", "1.0", " 1"]).failed == ["1.0", " 1"])
        #expect(column(.float64, ["+3.23800011e+01", "nan", "-inf"]).0.map { c -> Bool in
            guard case .float64(let v) = c.storage else { return false }
            return v[0] == 32.3800011 && v[1].isNaN && v[2] == -.infinity
        } == true)
        #expect(column(.decimal(precision: 10, scale: 2), ["8300.00", "-0.5", "1e2"]).0?.storage == .int128([830000, -50, 10000]))
        #expect(column(.decimal(precision: 4, scale: 2), ["1.234", "100.00"]).failed == ["1.234", "100.00"])
        #expect(column(.date, ["1996-07-04", "1994-06-07 00:00:00"]).0?.storage == .int32([9681, 8923]))
        #expect(column(.date, ["1994-06-07 10:00:00", "2024-02-30"]).failed.count == 2)
        let micros: Int64 = 1_718_188_227_362_108
        #expect(column(.timestamp(utc: true), ["2024-06-12 10:30:27.362108", "2024-06-12T12:30:27.362108+02:00",
                                               "2024-06-12 10:30:27.362108999Z"]).0?.storage == .int64([micros, micros, micros]))
        // A wall-clock column takes no offset; without truncation, nanoseconds must be zero.
        #expect(column(.timestamp(utc: false), ["2024-06-12 10:30:27Z"]).failed.count == 1)
        #expect(column(.timestamp(utc: true), ["2024-06-12 10:30:27.0000001"], options: TextValueOptions()).failed.count == 1)
        #expect(column(.binary, ["\\xdeAD", "00ff"]).0?.storage == .bytes(varBytes([[0xDE, 0xAD], [0x00, 0xFF]])))
        #expect(column(.binary, ["abc"]).failed == ["abc"])
        #expect(column(.string, ["Münster", ""]).0?.storage == .bytes(varBytes([Array("Münster".utf8), []])))
        let invalid: [UInt8] = [0xC3, 0x28]
        var b = ColumnBuilder(type: .string)
        #expect(!invalid.withUnsafeBufferPointer { b.appendText($0) } && b.count == 0)
    }

    /// A float column reads the text as a Float directly: the old path (parse a Double, then
    /// narrow) rounds twice and gets this halfway case wrong.
    @Test func floatsAreNotRoundedTwice() throws {
        let text = "1.00000005960464477550"
        let direct = try #require(Array(text.utf8).withUnsafeBufferPointer(ValueText.parseFloat))
        #expect(direct == Float(bitPattern: 0x3F80_0001))
        let viaDouble = try #require(Array(text.utf8).withUnsafeBufferPointer(ValueText.parseDouble))
        #expect(Float(viaDouble) == 1.0)
        // The shortest round-trip text of a Float is what scan prints: DMS's "+1.16100006e+01" is
        // the float above 11.61, printed 11.610001 (as pyarrow prints it), while "11.61" prints 11.61.
        #expect(Array("+1.16100006e+01".utf8).withUnsafeBufferPointer(ValueText.parseFloat)?.description == "11.610001")
        #expect(Array("11.61".utf8).withUnsafeBufferPointer(ValueText.parseFloat)?.description == "11.61")
    }

    @Test func builderPayloadValidityAndRelease() {
        var b = ColumnBuilder(type: .string)
        #expect(!b.lastIsValid)
        b.append("abc")
        #expect(b.lastIsValid && b.payloadBytes == 3)
        b.appendNull()
        #expect(!b.lastIsValid)
        _ = b.finish(keepingCapacity: false)
        #expect(b.count == 0 && b.payloadBytes == 0)
        var d = ColumnBuilder(type: .decimal(precision: 5, scale: 2))
        d.append(Int128(5))
        #expect(d.payloadBytes == 16)
        var out: [UInt8] = []
        ValueText.appendDecimal(-1230, scale: 2, to: &out)
        ValueText.appendDecimal(5, scale: 0, to: &out)
        ValueText.appendDecimal(-5, scale: 3, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "-12.305-0.005")
    }

    /// The fast path for plain decimals agrees bit for bit with the C library's correctly rounded
    /// parsers (Swift's `Double(String)`/`Float(String)`), on random texts near its limits.
    @Test func fastPathAgreesWithCorrectlyRoundedParsing() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...18, using: &rng)
            var mantissa = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
            if Bool.random(using: &rng) { mantissa.insert(".", at: mantissa.index(mantissa.startIndex, offsetBy: Int.random(in: 0...digits, using: &rng))) }
            var text = (Bool.random(using: &rng) ? "-" : "") + mantissa
            if Int.random(in: 0..<3, using: &rng) == 0 { text += "e\(Int.random(in: -30...30, using: &rng))" }
            let bytes = Array(text.utf8)
            let d = bytes.withUnsafeBufferPointer(ValueText.parseDouble)
            let f = bytes.withUnsafeBufferPointer(ValueText.parseFloat)
            if let want = Double(text) {
                #expect(d?.bitPattern == want.bitPattern, "\(text)")
            } else {
                #expect(d == nil, "\(text)")
            }
            if let want = Float(text) { #expect(f?.bitPattern == want.bitPattern, "\(text)") }
        }
    }
}

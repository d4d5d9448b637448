import Foundation
import LakeColumnar
import Testing
@testable import LakeCDC

@Suite struct JSONScannerTests {
    func scan(_ text: String) throws(JSONScanError) -> (JSONScanner, Int) {
        var s = JSONScanner()
        let bytes = Array(text.utf8)
        let end = try bytes.withUnsafeBufferPointer { b throws(JSONScanError) in try s.scan(b, from: 0) }
        return (s, end)
    }

    @Test func nestedValuesAndSkip() throws {
        let text = #"{"a": [1, -2.5e3, "x\"y", true, false, null], "b": {"c": {}}, "d": []} "#
        let (s, end) = try scan(text)
        #expect(end == text.utf8.count - 1)
        #expect(s.tokens[0].kind == .object)
        #expect(s.tokens[0].next == s.tokens.count)
        let bytes = Array(text.utf8)
        let skipped = bytes.withUnsafeBufferPointer { JSONScanner.skipValue($0, from: 0) }
        #expect(skipped == end)
    }

    @Test func malformedAndTruncated() {
        for bad in [#"{"a" 1}"#, #"{"a": tru}"#, #"[1,]"#, "{\"a\": \"\u{01}\"}", "{\"a\": 01x}"] {
            #expect(throws: JSONScanError.self) { try scan(bad) }
        }
        do {
            _ = try scan(#"{"a": [1, 2"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.truncated)
        }
    }

    @Test func unescape() {
        var out: [UInt8] = []
        let ok = Array(#"a\"b\\c\n\u00e9\ud83d\ude00"#.utf8).withUnsafeBufferPointer { JSONView.unescape($0, into: &out) }
        #expect(ok)
        #expect(String(decoding: out, as: UTF8.self) == "a\"b\\c\né😀")
    }
}

@Suite struct ValueTextTests {
    @Test func seqTextOrdersLikeValues() {
        let values = [ChangeSeq(major: 0, minor: 5, index: 1), ChangeSeq(major: 1, minor: 0, index: 0),
                      ChangeSeq(major: 1, minor: 0, index: 7), ChangeSeq(major: 0xFFFF_FFFF_FFFF, minor: 3, index: 2)]
        let texts = values.map(\.description)
        #expect(texts == texts.sorted())
        #expect(values == values.sorted())
        for v in values { #expect(ChangeSeq(v.description) == v) }
        #expect(ChangeSeq("nonsense") == nil)
    }

    @Test func timestampsDatesDecimals() {
        func ts(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBufferPointer { ValueText.parseTimestamp($0, truncatingBeyondMicroseconds: true)?.micros } }
        #expect(ts("1970-01-01T00:00:00Z") == 0)
        #expect(ts("2024-06-12 10:30:27.362108") == 1_718_188_227_362_108)
        #expect(ts("2024-06-12T12:30:27.362108+02:00") == 1_718_188_227_362_108)
        #expect(ts("2024-13-01") == nil)
        func dec(_ s: String, _ scale: Int) -> Int128? { Array(s.utf8).withUnsafeBufferPointer { ValueText.parseDecimal($0, precision: 38, scale: scale) } }
        #expect(dec("-12.34", 2) == -1234)
        #expect(dec("+3.23800011e+01", 8) == 3_238_000_110)
        #expect(dec("1.234", 2) == nil)
        var out: [UInt8] = []
        ValueText.appendDecimal(-5, scale: 3, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "-0.005")
        #expect(ValueText.civilFromDays(ValueText.daysFromCivil(year: 2000, month: 2, day: 29)) == (2000, 2, 29))
        let be: [UInt8] = [0xFF, 0x85]  // -123
        #expect(be.withUnsafeBufferPointer { DecimalBytes.int128(bigEndian: $0) } == -123)
    }
}

@Suite struct BatchStateMachineTests {
    @Test func limitsTimerAndCommit() throws {
        var m = BatchStateMachine(policy: BatchPolicy(maxRows: 3, maxBytes: 1000, maxAge: 5), nextNumber: 7)
        #expect(m.trigger(now: 100) == nil)
        #expect(m.deadline == nil)
        try m.buffered(rows: 1, bytes: 10, now: 100)
        #expect(m.deadline == 105)
        #expect(m.trigger(now: 104.9) == nil)
        #expect(m.trigger(now: 105) == .age)
        try m.buffered(rows: 2, bytes: 20, now: 101)
        #expect(m.trigger(now: 101) == .rows)
        #expect(try m.startFlush(.rows))
        #expect(throws: BatchStateMachine.TransitionError.self) { try m.buffered(rows: 1, bytes: 1, now: 102) }
        #expect(try m.filesWritten() == 7)
        try m.committed()
        #expect(m.phase == .empty)
        #expect(m.nextNumber == 8)
        #expect(try m.startFlush(.endOfInput) == false)
    }

    @Test func bytesAndLostCommit() throws {
        var m = BatchStateMachine(policy: BatchPolicy(maxRows: 100, maxBytes: 50, maxAge: 60), nextNumber: 0)
        try m.buffered(rows: 1, bytes: 60, now: 0)
        #expect(m.trigger(now: 0) == .bytes)
        _ = try m.startFlush(.bytes)
        _ = try m.filesWritten()
        try m.commitLost()
        #expect(m.phase == .lost(number: 0))
        #expect(throws: BatchStateMachine.TransitionError.self) { try m.committed() }
    }
}

@Suite struct SchemaEvolutionTests {
    let t = TableID(schema: "s", table: "t")

    @Test func widenAndAdd() throws {
        let merged = try SchemaEvolution.merge(current: [Field("a", .int32), Field("b", .float32)],
                                               incoming: [Field("a", .int64), Field("b", .float32), Field("c", .string)], table: t)
        #expect(merged == [Field("a", .int64), Field("b", .float32), Field("c", .string)])
        // A narrower incoming type fits the existing column: no change.
        let same = try SchemaEvolution.merge(current: [Field("a", .int64)], incoming: [Field("a", .int16)], table: t)
        #expect(same == [Field("a", .int64)])
    }

    @Test func incompatibleNamesTheColumn() {
        do {
            _ = try SchemaEvolution.merge(current: [Field("price", .int64)], incoming: [Field("price", .string)], table: t)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("price"))
        }
    }
}

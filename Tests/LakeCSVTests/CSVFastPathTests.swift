import Foundation
import LakeTesting
import Testing
import LakeColumnar
@testable import LakeCSV

// The fast path (field index + column-at-a-time conversion, several threads on speculative
// blocks) must give exactly what the row-at-a-time parser gives: values, errors, bad rows.
// These inputs are large enough (hundreds of KiB per batch) for the reader to split them across
// threads, and full of what makes the split hard: quoted line breaks, doubled quotes, CRLF.

private extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

private let bigSchema = Schema([
    Field("op", .string), Field("ts", .timestamp(utc: false)), Field("id", .int64, nullable: false),
    Field("small", .int32), Field("amount", .decimal(precision: 12, scale: 2)), Field("note", .string),
    Field("day", .date), Field("ratio", .float64), Field("flag", .boolean), Field("blob", .binary),
    Field("big", .decimal(precision: 38, scale: 4)), Field("tsz", .timestamp(utc: true)),
])

/// `rows` rows of `bigSchema` in `dialect`, with the awkward cases mixed in at random.
private func generate(rows: Int, seed: UInt64, dialect: CSVDialect = .dms, lineEnd: String = "\n") -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    let d = String(UnicodeScalar(dialect.delimiter))
    let q = String(UnicodeScalar(dialect.quote))
    let null = dialect.nullMarker.map { String(decoding: $0, as: UTF8.self) } ?? ""
    var out = ""
    if dialect.header { out += bigSchema.names.joined(separator: d) + lineEnd }
    let notes = ["plain", "with\(d)delimiter", "line\nbreak", "cr\r\nlf", "say \(q)hi\(q)", "", "ünïcödé 日本", "trailing space "]
    for i in 0..<rows {
        var fields: [String] = []
        fields.append(["I", "U", "D"][rng.below(3)])
        let second = 1_718_188_225 + i
        let frac = rng.below(1_000_000)
        fields.append(rng.below(20) == 0 ? null : "2024-06-\(12 + second % 3 / 2) 1\(second % 10):\(10 + second % 50):\(10 + second % 50).\(String(frac).leftPad(6))")
        fields.append(String(i * 7 - 1000))
        fields.append(rng.below(10) == 0 ? null : String(rng.below(200_000) - 100_000))
        fields.append(rng.below(10) == 0 ? null : "\(rng.below(2) == 0 ? "-" : "")\(rng.below(100_000)).\(String(rng.below(100)).leftPad(2))")
        let note = notes[rng.below(notes.count)]
        if note.contains(d) || note.contains("\n") || note.contains("\r") || note.contains(q) || note.isEmpty || rng.below(8) == 0 {
            fields.append(q + note.replacingOccurrences(of: q, with: q + q) + q)
        } else {
            fields.append(note)
        }
        fields.append(rng.below(15) == 0 ? null : ["2024-01-31", "1999-12-31", "2024-02-29", "1994-06-07 00:00:00"][rng.below(4)])
        fields.append(rng.below(10) == 0 ? null : ["1.5", "-0.25", "1e10", "-inf", "3"][rng.below(5)])
        fields.append(rng.below(10) == 0 ? null : ["true", "f", "1", "FALSE"][rng.below(4)])
        fields.append(rng.below(10) == 0 ? null : (dialect.binaryEncoding == .hex ? ["00ff", "", "\\xdead"][rng.below(3)] : ["AAE=", ""][rng.below(2)]))
        fields.append(rng.below(10) == 0 ? null : "12345678901234567890123456789012.\(rng.below(10_000))")
        fields.append(rng.below(10) == 0 ? null : ["2024-06-12 10:30:25Z", "2024-06-12T10:30:25.5+02:00", "2024-06-12 10:30"][rng.below(3)])
        out += fields.joined(separator: d) + lineEnd
    }
    return Array(out.utf8)
}

private extension String {
    func leftPad(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

/// The reference: the row-at-a-time parser over the whole input in one call.
private func oracle(_ bytes: [UInt8], _ schema: Schema, _ options: CSVReadOptions) -> Result<(ColumnBatch, [CSVBadRow]), CSVError> {
    var parser = CSVRowParser(schema: schema, options: options, source: "big.csv")
    do {
        try bytes.withUnsafeBufferPointer { buf in
            var p = 0
            if buf.count >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { p = 3 }
            _ = try parser.run(buf, from: p, final: true, maxRows: Int.max)
        }
    } catch let error as CSVError {
        return .failure(error)
    } catch {
        Issue.record("unexpected \(error)")
    }
    let batch = parser.flush() ?? ColumnBatch(schema: schema, columns: schema.fields.map { Column(.empty($0.type.storageKind)) }, rowCount: 0)
    return .success((batch, parser.badRows))
}

/// Speculative blocks taken and discarded by all readers of `fast`, per test (tests run in parallel).
private final class SpeculationCount: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: (taken: Int, discarded: Int)] = [:]
    func add(_ key: String, _ taken: Int, _ discarded: Int) {
        lock.withLock { counts[key, default: (0, 0)] = (counts[key, default: (0, 0)].taken + taken, counts[key, default: (0, 0)].discarded + discarded) }
    }
    func get(_ key: String) -> (taken: Int, discarded: Int) { lock.withLock { counts[key, default: (0, 0)] } }
}
private let speculation = SpeculationCount()

/// The reader fed in `chunk`-byte pieces.
private func fast(_ bytes: [UInt8], _ schema: Schema, _ options: CSVReadOptions, chunk: Int, key: String) -> Result<(ColumnBatch, [CSVBadRow]), CSVError> {
    do {
        let reader = try CSVReader(schema: schema, options: options, source: "big.csv")
        defer { speculation.add(key, reader.speculativeBlocksTaken, reader.speculativeBlocksDiscarded) }
        var batches: [ColumnBatch] = []
        var at = 0
        while at < bytes.count {
            let end = min(bytes.count, at + chunk)
            try reader.feed(Array(bytes[at..<end])) { batches.append($0) }
            at = end
        }
        try reader.finish { batches.append($0) }
        #expect(batches.allSatisfy { $0.rowCount <= options.batchRows && $0.rowCount > 0 })
        #expect(reader.rowsRead == batches.reduce(0) { $0 + $1.rowCount })
        return .success((try ColumnBatch.concat(batches, schema: schema), reader.badRows))
    } catch let error as CSVError {
        return .failure(error)
    } catch {
        Issue.record("unexpected \(error)")
        return .failure(.invalidDialect("unexpected"))
    }
}

/// Where two batches differ, briefly (nil when equal).
private func firstDifference(_ got: ColumnBatch, _ expected: ColumnBatch) -> String? {
    if got == expected { return nil }
    if got.rowCount != expected.rowCount { return "\(got.rowCount) rows, expected \(expected.rowCount)" }
    for r in 0..<got.rowCount where got.row(r) != expected.row(r) {
        return "row \(r): \(got.row(r)) expected \(expected.row(r))"
    }
    for (j, (a, b)) in zip(got.columns, expected.columns).enumerated() where a != b {
        return "column \(j) differs in representation: validity \(a.validity == nil) vs \(b.validity == nil)"
    }
    return "batches differ"
}

private func expectSame(_ bytes: [UInt8], _ schema: Schema, _ options: CSVReadOptions, chunks: [Int] = [1 << 20, 65_537],
                        key: String = #function, sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = oracle(bytes, schema, options)
    for threads in [1, 2, 3] {
        for chunk in chunks {
            var o = options
            o.threads = threads
            let got = fast(bytes, schema, o, chunk: chunk, key: key)
            switch (expected, got) {
            case (.success(let e), .success(let g)):
                if let difference = firstDifference(g.0, e.0) {
                    Issue.record("threads \(threads) chunk \(chunk): \(difference)", sourceLocation: sourceLocation)
                }
                #expect(g.1 == e.1, "threads \(threads) chunk \(chunk)", sourceLocation: sourceLocation)
            case (.failure(let e), .failure(let g)):
                #expect(g.description == e.description, "threads \(threads) chunk \(chunk)", sourceLocation: sourceLocation)
            default:
                Issue.record("threads \(threads) chunk \(chunk): expected \(expected), got \(got)", sourceLocation: sourceLocation)
            }
        }
    }
}

@Test func fastPathMatchesRowParserOnTrickyData() throws {
    let bytes = generate(rows: 12_000, seed: 1)
    let options = CSVReadOptions(batchRows: 2_500)
    guard case .success(let (batch, _)) = oracle(bytes, bigSchema, options) else {
        Issue.record("the generated data does not parse")
        return
    }
    #expect(batch.rowCount == 12_000)
    expectSame(bytes, bigSchema, options)
    #expect(speculation.get(#function).taken > 10)
}

@Test func fastPathMatchesRowParserInOtherDialects() {
    var tabs = CSVDialect(delimiter: 9, nullMarker: Array("\\N".utf8), header: true, binaryEncoding: .base64)
    expectSame(generate(rows: 8_000, seed: 2, dialect: tabs, lineEnd: "\r\n"), bigSchema, CSVReadOptions(dialect: tabs, batchRows: 2_000))
    tabs.quote = UInt8(ascii: "'")
    tabs.nullMarker = Array("NULL".utf8)
    expectSame(generate(rows: 8_000, seed: 3, dialect: tabs), bigSchema, CSVReadOptions(dialect: tabs, batchRows: 2_000))
    // A BOM and CR-only line ends.
    let crOnly = [0xEF, 0xBB, 0xBF] + generate(rows: 8_000, seed: 4, lineEnd: "\r")
    expectSame(crOnly, bigSchema, CSVReadOptions(batchRows: 2_000))
    #expect(speculation.get(#function).taken > 10)
}

@Test func errorsDeepInsideABigFileNameTheRightLine() {
    let good = generate(rows: 9_000, seed: 5)
    // A bad value, a missing field, text after a closing quote, an unterminated quote at the end,
    // each after thousands of rows with embedded line breaks.
    let cuts: [(String, String)] = [
        ("I,2024-06-12 10:30:25,1,2,not-a-number,x,,,,,,\n", "not a valid decimal"),
        ("I,2024-06-12 10:30:25,1,2\n", "fields"),
        ("I,2024-06-12 10:30:25,1,2,3.00,\"x\"y,,,,,,\n", "closing quote"),
        ("I,2024-06-12 10:30:25,,2,3.00,x,,,,,,\n", "not nullable"),
        ("I,2024-06-12 10:30:25,1,2,3.00,\"open", "unterminated"),
    ]
    for (bad, fragment) in cuts {
        let rowsBefore = 7_000
        var bytes = generate(rows: rowsBefore, seed: 6)
        bytes += Array(bad.utf8)
        if !bad.hasSuffix("open") { bytes += good }
        let expected = oracle(bytes, bigSchema, CSVReadOptions(batchRows: 2_000))
        guard case .failure(let error) = expected else {
            Issue.record("oracle accepted \(bad)")
            continue
        }
        #expect(error.description.contains(fragment), "\(error)")
        expectSame(bytes, bigSchema, CSVReadOptions(batchRows: 2_000), chunks: [1 << 20])
    }
    #expect(speculation.get(#function).taken > 0)
}

@Test func badRowsAndRaggedRowsInABigFile() {
    var bytes: [UInt8] = []
    for k in 0..<6 {
        bytes += generate(rows: 1_500 + k * 97, seed: 10 + UInt64(k))
        bytes += Array(["I,x,1\n", "U,2024-06-12 10:30:25,2,3,4.00,n,2024-13-01,,,,,\n", "\n\n", "D,,3,,,,,,,,,,extra\n", "U,,4,,,,,,,,,\n"][k % 5].utf8)
    }
    var collect = CSVReadOptions(batchRows: 2_000)
    collect.collectBadRows = true
    expectSame(bytes, bigSchema, collect)
    var ragged = CSVReadOptions(batchRows: 2_000)
    ragged.allowRaggedRows = true
    ragged.collectBadRows = true
    expectSame(bytes, bigSchema, ragged)
    #expect(speculation.get(#function).taken > 0)
}

@Test func speculativeSplitsInsideQuotedLineBreaksAreNotTaken() {
    // Every row's note holds many line breaks, so most guessed block starts fall inside a quote.
    let schema = Schema([Field("id", .int64), Field("note", .string)])
    var text = ""
    for i in 0..<40_000 { text += "\(i),\"\(String(repeating: "a\n", count: i % 7))\(i % 3 == 0 ? "\"\"" : "")\"\n" }
    expectSame(Array(text.utf8), schema, CSVReadOptions(batchRows: 100_000), chunks: [1 << 20, 4_093])
    let counts = speculation.get(#function)
    #expect(counts.taken > 0 && counts.discarded > 0, "\(counts)")
}

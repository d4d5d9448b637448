import Foundation
import LakeColumnar
import LakeObjectStore
import Testing
@testable import LakeCDC

/// End-to-end ingest runs against the in-memory store, with CSV change files (readable here
/// without a Parquet reader).
@Suite struct IngestTests {
    static func event(id: Int, op: String, name: String?, lsn: Int, table: String = "orders", extra: String = "") -> String {
        let row = name.map { #"{"id":\#(id),"name":"\#($0)"\#(extra)}"# } ?? #"{"id":\#(id)}"#
        let before = op == "d" ? row : "null"
        let after = op == "d" ? "null" : row
        return #"{"before":\#(before),"after":\#(after),"source":{"db":"shop","schema":"public","table":"\#(table)","lsn":\#(lsn),"ts_ms":\#(1_700_000_000_000 + lsn)},"op":"\#(op)","ts_ms":1}"#
    }

    static func write(_ lines: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "cdc-\(UUID().uuidString).json"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func run(_ store: InMemoryStore, _ path: String, key: [String] = [], maxRows: Int = 1_000_000,
                    onError: OnError = .fail) async throws -> IngestSummary {
        let options = IngestOptions(lakeDescription: "memory://", key: key,
                                    writer: ChangeWriterOptions(format: .csv, compression: .none, policy: BatchPolicy(maxRows: maxRows)),
                                    onError: onError, inputs: [path])
        return try await IngestRunner(store: store, options: options, encoder: ChangeFileEncoding.encode).run()
    }

    static func committedRows(_ store: InMemoryStore, _ table: TableID) async throws -> [String] {
        var rows: [String] = []
        for e in try await ChangeLog(store: store, table: table).entries() {
            for f in e.files {
                let text = String(decoding: try await store.get(f.path), as: UTF8.self)
                rows += text.split(separator: "\n").dropFirst().map(String.init)
            }
        }
        return rows
    }

    @Test func replayLandsNothingTwice() async throws {
        let store = InMemoryStore()
        let lines = (0..<10).map { Self.event(id: $0, op: $0 < 5 ? "c" : "u", name: "n\($0)", lsn: 100 + $0 * 8) }
        let path = try Self.write(lines)
        let first = try await Self.run(store, path, maxRows: 3)
        #expect(first.rowsCommitted == 10)
        #expect(first.batches == 4)
        let second = try await Self.run(store, path, maxRows: 3)
        #expect(second.rowsCommitted == 0)
        #expect(second.eventsSkipped == 10)
        let table = TableID(schema: "public", table: "orders")
        let rows = try await Self.committedRows(store, table)
        #expect(rows.count == 10)
        let seqs = rows.map { $0.split(separator: ",")[2] }
        #expect(seqs == seqs.sorted())
        // A longer input later: only the new tail lands.
        let more = try Self.write(lines + [Self.event(id: 3, op: "d", name: "n3", lsn: 500)])
        let third = try await Self.run(store, more)
        #expect(third.rowsCommitted == 1)
        let entries = try await ChangeLog(store: store, table: table).entries(after: 2)
        #expect(entries.map(\.number) == [3, 4])
        #expect(entries.last?.files.first?.rows == 1)
    }

    @Test func badInputNamesLineAndCommitsNothingMore() async throws {
        let store = InMemoryStore()
        let good = (0..<3).map { Self.event(id: $0, op: "c", name: "x", lsn: 10 + $0) }
        let cases = [
            ("{\"op\":\"c\",", "malformed JSON"),
            (Self.event(id: 9, op: "z", name: "x", lsn: 50), "unknown op"),
            (#"{"before":null,"after":{"id":"abc","name":"x"},"source":{"schema":"public","table":"orders","lsn":60,"ts_ms":1700000000060},"op":"c"}"#, "type mismatch"),
        ]
        for (bad, expected) in cases {
            let path = try Self.write(good + [bad] + [Self.event(id: 4, op: "c", name: "y", lsn: 70)])
            do {
                _ = try await Self.run(store, path)
                Issue.record("expected an error for \(bad)")
            } catch let e as IngestError {
                #expect(e.line == 4)
                #expect(e.message.contains(expected), "\(e)")
            }
        }
        #expect(try await ChangeLog(store: store, table: TableID(schema: "public", table: "orders")).numbers().isEmpty)
        // Missing key column.
        let path = try Self.write(good + [#"{"before":null,"after":{"name":"x"},"source":{"schema":"public","table":"orders","lsn":90,"ts_ms":1700000000090},"op":"c"}"#])
        await #expect(throws: IngestError.self) { try await Self.run(store, path, key: ["id"]) }
        // Quarantine: the bad one aside, the rest committed.
        let q = try Self.write(good + ["{not json", Self.event(id: 4, op: "c", name: "y", lsn: 95)])
        let summary = try await Self.run(store, q, onError: .quarantine)
        #expect(summary.quarantined == 1)
        #expect(summary.rowsCommitted == 4)
        let qfile = try #require(summary.quarantineFile)
        #expect(String(decoding: try await store.get(qfile), as: UTF8.self).contains("\"line\":4"))
    }

    @Test func schemaWideningGoesToANewFile() async throws {
        let store = InMemoryStore()
        let a = Self.event(id: 1, op: "c", name: "a", lsn: 1)
        let b = Self.event(id: 2, op: "c", name: "b", lsn: 2, extra: #","score":1.5"#)
        let other = Self.event(id: 1, op: "c", name: "o", lsn: 3, table: "other")
        let path = try Self.write([a, "null", other, #"{"schema":null,"payload":null}"#, b])
        let s = try await Self.run(store, path)
        #expect(s.rowsCommitted == 3)
        let entries = try await ChangeLog(store: store, table: TableID(schema: "public", table: "orders")).entries()
        #expect(entries.count == 2)
        #expect(entries[1].schema.dataFields.map(\.name) == ["id", "name", "score"])
        // The other table was not flushed by the schema change: one file.
        #expect(try await ChangeLog(store: store, table: TableID(schema: "public", table: "other")).entries().count == 1)
        // Incompatible: a string in the (now double) score column.
        let c = Self.event(id: 3, op: "c", name: "c", lsn: 9, extra: #","score":"high""#)
        await #expect(throws: IngestError.self) { try await Self.run(store, try Self.write([c])) }
    }

    @Test func secondWriterLosesTheCommitRace() async throws {
        let store = InMemoryStore()
        let table = TableID(schema: "s", table: "t")
        let log = ChangeLog(store: store, table: table)
        let entry = ChangeLogEntry(number: 0, table: table, files: [], schema: SchemaFile(columns: [Field("a", .int64)]),
                                   rows: 0, firstSeq: nil, lastSeq: nil, position: .zero, truncate: false,
                                   committedAt: "", writer: "test")
        try await log.commit(entry)
        do {
            try await log.commit(entry)
            Issue.record("expected a conflict")
        } catch let e as IngestError {
            #expect(e.kind == .concurrentWriter)
        }
        #expect(try await log.lastEntry() == entry)
        #expect(try await ChangeLog.tables(in: store) == [table])
    }

    @Test func truncateIsACommittedMarker() async throws {
        let store = InMemoryStore()
        let a = Self.event(id: 1, op: "c", name: "a", lsn: 1)
        let t = #"{"source":{"schema":"public","table":"orders","lsn":5,"ts_ms":1700000000005},"op":"t","ts_ms":1}"#
        let b = Self.event(id: 2, op: "c", name: "b", lsn: 9)
        let path = try Self.write([a, t, b])
        let s = try await Self.run(store, path)
        #expect(s.rowsCommitted == 2)
        let entries = try await ChangeLog(store: store, table: TableID(schema: "public", table: "orders")).entries()
        #expect(entries.map(\.truncate) == [false, true, false])
        #expect(entries[1].files.isEmpty)
        // Replaying drops the truncate too.
        let again = try await Self.run(store, path)
        #expect(again.eventsSkipped == 3)
    }

    @Test func csvDistinguishesNullFromEmpty() {
        let schema = Schema([Field("s", .string), Field("b", .binary)])
        var strings = VarBytes()
        strings.append(""); strings.appendEmpty(); strings.append("a,b")
        var bins = VarBytes()
        bins.append([UInt8]()); bins.appendEmpty(); bins.append([0xAB])
        let batch = ColumnBatch(schema: schema, columns: [
            Column(.bytes(strings), validity: Bitmap([true, false, true])),
            Column(.bytes(bins), validity: Bitmap([true, false, true])),
        ], rowCount: 3)
        let text = String(decoding: DMSCSVEncoder.encode(batch), as: UTF8.self)
        #expect(text == "s,b\n\"\",\"\"\n,\n\"a,b\",ab\n")
    }
}

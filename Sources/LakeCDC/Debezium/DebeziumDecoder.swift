import Foundation
import LakeColumnar

/// Decodes Debezium JSON change events (with or without the `{"schema", "payload"}` envelope)
/// straight into table buffers.
///
/// The envelope's schema is usually identical from event to event and larger than the payload,
/// so it is recognised by comparing its bytes with the previous one and skipped, and decoded only
/// when it changes.
struct DebeziumDecoder {
    var scanner = JSONScanner()
    private var schemaScanner = JSONScanner()
    private var envelopes: [EnvelopeSchema] = []
    private var envelopeIndex: [[UInt8]: Int] = [:]
    private var lastEnvelopeBytes: [UInt8] = []
    private var lastEnvelope = -1
    private var appender = ValueAppender()
    /// Schemaless events: per table, the inferred/declared binding by name.
    let tableOverride: TableID?
    /// The `--schema` file's data columns, for events without an envelope.
    let declared: [Field]?
    private var tableKeyScratch: [UInt8] = []
    private var lastTableKey: [UInt8] = []
    private var lastTable: TableBuffer?

    init(tableOverride: TableID?, declared: [Field]?) {
        self.tableOverride = tableOverride
        self.declared = declared
    }

    private static let schemaPrefix: StaticString = "{\"schema\":"

    /// Decodes the event starting at `from` (after whitespace); returns where it ends.
    /// - Throws: ``JSONScanError`` (possibly `truncated`: more input needed) or ``IngestError``.
    mutating func decode(_ buf: UnsafeBufferPointer<UInt8>, from: Int, registry: TableRegistry) throws -> (Int, DecodeOutcome) {
        var pos = from
        JSONScanner.skipWhitespace(buf, &pos)
        let start = pos
        // Fast path: `{"schema":<same bytes as last time>,"payload":{...}}`.
        let prefixLen = Self.schemaPrefix.utf8CodeUnitCount
        if buf.count - pos >= prefixLen, memcmp(buf.baseAddress! + pos, Self.schemaPrefix.utf8Start, prefixLen) == 0 {
            let schemaStart = pos + prefixLen
            var envelope = -1
            var schemaEnd = -1
            let l = lastEnvelopeBytes.count
            if l > 0, buf.count - schemaStart > l,
               lastEnvelopeBytes.withUnsafeBufferPointer({ memcmp(buf.baseAddress! + schemaStart, $0.baseAddress!, l) }) == 0 {
                envelope = lastEnvelope
                schemaEnd = schemaStart + l
            } else if schemaStart < buf.count, buf[schemaStart] == UInt8(ascii: "{"),
                      let end = JSONScanner.skipValue(buf, from: schemaStart) {
                let bytes = Array(buf[schemaStart..<end])
                envelope = try envelopeFor(bytes)
                schemaEnd = end
            }
            if envelope >= 0 {
                var p = schemaEnd
                if Self.expect(buf, &p, UInt8(ascii: ",")), Self.expectKey(buf, &p, "\"payload\""),
                   Self.expect(buf, &p, UInt8(ascii: ":")) {
                    let end = try scanner.scan(buf, from: p)
                    var q = end
                    if Self.expect(buf, &q, UInt8(ascii: "}")) {
                        let outcome = try scanner.tokens.withUnsafeBufferPointer { toks in
                            try decodePayload(JSONView(buf: buf, tokens: toks), root: 0, envelope: envelope, registry: registry)
                        }
                        return (q, outcome)
                    }
                }
            }
        }
        // General path: scan the whole value.
        let end = try scanner.scan(buf, from: start)
        let tokens = scanner.tokens
        return try tokens.withUnsafeBufferPointer { toks in
            let v = JSONView(buf: buf, tokens: toks)
            if toks[0].kind == .null { return (end, .skipped) }  // a Kafka tombstone exported as `null`
            guard toks[0].kind == .object else { throw IngestError(.badInput, "an event must be a JSON object") }
            var root = 0
            var envelope = -1
            if let payload = v.member(0, "payload") {
                guard toks[payload].kind == .object else {
                    if toks[payload].kind == .null { return (end, .skipped) }  // a tombstone
                    throw IngestError(.badInput, "\"payload\" must be an object")
                }
                root = payload
                if let schema = v.member(0, "schema"), toks[schema].kind == .object {
                    envelope = try envelopeFor(Array(v.raw(schema)))
                }
            }
            return (end, try decodePayload(v, root: root, envelope: envelope, registry: registry))
        }
    }

    @inline(__always)
    private static func expect(_ buf: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ c: UInt8) -> Bool {
        JSONScanner.skipWhitespace(buf, &p)
        guard p < buf.count, buf[p] == c else { return false }
        p += 1
        return true
    }

    @inline(__always)
    private static func expectKey(_ buf: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ key: StaticString) -> Bool {
        JSONScanner.skipWhitespace(buf, &p)
        let n = key.utf8CodeUnitCount
        guard buf.count - p >= n, memcmp(buf.baseAddress! + p, key.utf8Start, n) == 0 else { return false }
        p += n
        return true
    }

    private mutating func envelopeFor(_ bytes: [UInt8]) throws -> Int {
        if let i = envelopeIndex[bytes] {
            lastEnvelope = i
            lastEnvelopeBytes = bytes
            return i
        }
        let end: Int
        do {
            end = try bytes.withUnsafeBufferPointer { try schemaScanner.scan($0, from: 0) }
        } catch {
            throw IngestError(.badInput, "malformed envelope schema: \((error as? JSONScanError)?.message ?? "\(error)")")
        }
        _ = end
        let env = try bytes.withUnsafeBufferPointer { b in
            try schemaScanner.tokens.withUnsafeBufferPointer { t in
                try EnvelopeSchema.decode(JSONView(buf: b, tokens: t), root: 0)
            }
        }
        envelopes.append(env)
        let i = envelopes.count - 1
        envelopeIndex[bytes] = i
        lastEnvelope = i
        lastEnvelopeBytes = bytes
        return i
    }

    // MARK: Payload

    private mutating func decodePayload(_ v: JSONView, root: Int, envelope: Int, registry: TableRegistry) throws -> DecodeOutcome {
        guard let opTok = v.member(root, "op") else {
            throw IngestError(.badInput, "the event has no \"op\" (is this Debezium JSON? see --format)")
        }
        let op: UInt8
        if v.stringEquals(opTok, "c") || v.stringEquals(opTok, "r") { op = UInt8(ascii: "I") }
        else if v.stringEquals(opTok, "u") { op = UInt8(ascii: "U") }
        else if v.stringEquals(opTok, "d") { op = UInt8(ascii: "D") }
        else if v.stringEquals(opTok, "t") { op = UInt8(ascii: "T") }
        else if v.stringEquals(opTok, "m") { return .skipped }
        else {
            throw IngestError(.badInput, "unknown op \(v.string(opTok).map { "\"\($0)\"" } ?? "value") (expected c, r, u, d, t or m)")
        }
        let source = v.member(root, "source")
        if let source, v.tokens[source].kind != .object {
            throw IngestError(.badInput, "\"source\" must be an object")
        }
        // The table.
        let table: TableBuffer
        if let t = try resolveTable(v, source: source, registry: registry) { table = t } else {
            return .needsTable(try tableID(v, source: source))
        }
        // Commit time, µs.
        var ts: Int64 = 0
        if let source, let t = v.member(source, "ts_us"), let x = v.int64(t) { ts = x }
        else if let source, let t = v.member(source, "ts_ms"), let x = v.int64(t) { ts = x &* 1000 }
        else if let t = v.member(root, "ts_ms"), let x = v.int64(t) { ts = x &* 1000 }

        // The row image and its binding to the table's columns.
        let imageTok = v.member(root, op == UInt8(ascii: "D") ? "before" : "after")
        if op != UInt8(ascii: "T") {
            guard let imageTok, v.tokens[imageTok].kind == .object else {
                throw IngestError(.badInput, op == UInt8(ascii: "D")
                    ? "a delete event needs a \"before\" image (set REPLICA IDENTITY or include the key)"
                    : "the event has no \"after\" image")
            }
        }
        if envelope >= 0 {
            if let outcome = try bindEnvelope(envelope, table: table) { return outcome }
        } else if op != UInt8(ascii: "T"), let imageTok {
            if let outcome = try bindInferred(v, imageTok, table: table) { return outcome }
        }

        let seq = nextSeq(v, source: source, table: table, ts: ts)
        if let hw = table.highWater, seq <= hw { return .skipped }
        if op == UInt8(ascii: "T") { return .truncate(table, seq, ts) }
        guard let imageTok else { return .skipped }

        if envelope >= 0 {
            try appendEnvelopeRow(v, imageTok, envelope: envelope, table: table)
        } else {
            try appendNamedRow(v, imageTok, table: table)
        }
        try checkKey(table, op: op)
        table.closeRow(op: op, commitTs: ts, seq: seq)
        return .appended(table)
    }

    private func tableID(_ v: JSONView, source: Int?) throws -> TableID {
        if let tableOverride { return tableOverride }
        guard let source, let tt = v.member(source, "table"), let name = v.string(tt), !name.isEmpty else {
            throw IngestError(.badInput, "the event has no source.table; name the table with --table SCHEMA.TABLE")
        }
        var schema = v.member(source, "schema").flatMap { v.string($0) } ?? ""
        if schema.isEmpty { schema = v.member(source, "db").flatMap { v.string($0) } ?? "" }
        if schema.isEmpty { schema = "default" }
        guard TableID.isSafeName(schema), TableID.isSafeName(name) else {
            throw IngestError(.badInput, "table name \(schema).\(name) cannot be used as a folder name")
        }
        return TableID(schema: schema, table: name)
    }

    /// The table of this event if it is already loaded (fast: compares raw name bytes).
    private mutating func resolveTable(_ v: JSONView, source: Int?, registry: TableRegistry) throws -> TableBuffer? {
        if let tableOverride { return registry.table(tableOverride) }
        tableKeyScratch.removeAll(keepingCapacity: true)
        if let source {
            if let s = v.member(source, "schema"), v.tokens[s].kind == .string { tableKeyScratch.append(contentsOf: v.raw(s)) }
            else if let d = v.member(source, "db"), v.tokens[d].kind == .string { tableKeyScratch.append(contentsOf: v.raw(d)) }
            tableKeyScratch.append(0)
            if let t = v.member(source, "table"), v.tokens[t].kind == .string { tableKeyScratch.append(contentsOf: v.raw(t)) }
        }
        if let lastTable, tableKeyScratch == lastTableKey { return lastTable }
        let id = try tableID(v, source: source)
        guard let t = registry.table(id) else { return nil }
        lastTable = t
        lastTableKey = tableKeyScratch
        return t
    }

    /// Position of the event: see ``ChangeSeq``.
    private func position(_ v: JSONView, source: Int?, ts: Int64) -> (UInt64, UInt64, UInt64) {
        guard let source else { return (UInt64(bitPattern: ts), 0, 0) }
        if let lsnTok = v.member(source, "lsn"), let lsn = v.int64(lsnTok) {
            // PostgreSQL: `sequence` = "[lastCommitLsn, currentLsn]" orders interleaved transactions
            // by commit; without it, commit time then LSN.
            if let seqTok = v.member(source, "sequence"), v.tokens[seqTok].kind == .string {
                // `["24023119","24023128"]` (escaped quotes inside the JSON string) or `[null,"…"]`:
                // the first element's digits, 0 for null.
                let raw = v.raw(seqTok)
                var i = 0
                while i < raw.count, raw[i] != UInt8(ascii: "["), raw[i] != UInt8(ascii: "n") { i += 1 }
                var commit: UInt64 = 0
                while i < raw.count, raw[i] != UInt8(ascii: ",") {
                    let d = raw[i] &- 0x30
                    if d < 10 { commit = commit &* 10 &+ UInt64(d) }
                    i += 1
                }
                return (commit, UInt64(bitPattern: lsn), 0)
            }
            return (UInt64(bitPattern: ts), UInt64(bitPattern: lsn), 0)
        }
        if let fileTok = v.member(source, "file"), v.tokens[fileTok].kind == .string {
            // MySQL binlog: file number, position, row.
            let raw = v.raw(fileTok)
            var number: UInt64 = 0
            var i = raw.count
            while i > 0, raw[i - 1] >= 0x30, raw[i - 1] <= 0x39 { i -= 1 }
            for k in i..<raw.count { number = number &* 10 &+ UInt64(raw[k] - 0x30) }
            let pos = v.member(source, "pos").flatMap { v.int64($0) } ?? 0
            let row = v.member(source, "row").flatMap { v.int64($0) } ?? 0
            return (number, UInt64(bitPattern: pos), UInt64(bitPattern: row))
        }
        return (UInt64(bitPattern: ts), 0, 0)
    }

    private func nextSeq(_ v: JSONView, source: Int?, table: TableBuffer, ts: Int64) -> ChangeSeq {
        let key = position(v, source: source, ts: ts)
        if key == table.runKey {
            table.runCount &+= 1
        } else {
            table.runKey = key
            table.runCount = 0
        }
        return ChangeSeq(major: key.0, minor: key.1, index: UInt32(truncatingIfNeeded: key.2) &+ table.runCount)
    }

    // MARK: Binding

    private mutating func bindEnvelope(_ e: Int, table: TableBuffer) throws -> DecodeOutcome? {
        if envelopes[e].boundTable == ObjectIdentifier(table), envelopes[e].boundVersion == table.schemaVersion { return nil }
        let incoming = envelopes[e].columns.map(\.field)
        let merged = try SchemaEvolution.merge(current: table.fields, incoming: incoming, table: table.id)
        if !Self.sameTypes(merged, table.fields) {
            if table.rowCount > 0 { return .needsSchemaFlush(table) }
            table.setFields(merged)
        }
        envelopes[e].binding = envelopes[e].columns.map { table.fieldIndex[$0.field.name] ?? -1 }
        envelopes[e].boundTable = ObjectIdentifier(table)
        envelopes[e].boundVersion = table.schemaVersion
        return nil
    }

    private static func sameTypes(_ a: [Field], _ b: [Field]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.type == $1.type }
    }

    /// Events without an envelope: declared (schema file) or inferred columns.
    private mutating func bindInferred(_ v: JSONView, _ image: Int, table: TableBuffer) throws -> DecodeOutcome? {
        var incoming: [Field] = []
        if let declared {
            if table.fields.isEmpty { incoming = declared }
        }
        // New names in the image get inferred types (the schema file, when given, must list them).
        var j = image + 1
        let end = v.tokens[image].next
        while j < end {
            let valueTok = j + 1
            if let name = v.string(j), table.fieldIndex[name] == nil, !incoming.contains(where: { $0.name == name }) {
                if declared != nil {
                    throw IngestError(.badInput, "column \(name) is not in the --schema file")
                }
                let type: DataType
                switch v.tokens[valueTok].kind {
                case .number:
                    let raw = v.raw(valueTok)
                    type = raw.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) ? .float64 : .int64
                case .trueValue, .falseValue: type = .boolean
                default: type = .string
                }
                incoming.append(Field(name, type, nullable: true))
            }
            j = v.tokens[valueTok].next
        }
        if incoming.isEmpty { return nil }
        let merged = try SchemaEvolution.merge(current: table.fields, incoming: incoming, table: table.id)
        if Self.sameTypes(merged, table.fields) { return nil }
        if table.rowCount > 0 { return .needsSchemaFlush(table) }
        table.setFields(merged)
        return nil
    }

    // MARK: Rows

    private mutating func appendEnvelopeRow(_ v: JSONView, _ image: Int, envelope e: Int, table: TableBuffer) throws {
        let n = table.rowCount
        var j = image + 1
        let end = v.tokens[image].next
        var expected = 0
        let count = envelopes[e].columns.count
        while j < end {
            let keyTok = v.tokens[j]
            // Usually members come in schema order: check the expected column's name first.
            var ci = -1
            if expected < count {
                let nameBytes = envelopes[e].columns[expected].nameBytes
                let len = keyTok.end - keyTok.start
                if len == nameBytes.count, !keyTok.escaped,
                   len == 0 || nameBytes.withUnsafeBufferPointer({ memcmp(v.buf.baseAddress! + keyTok.start, $0.baseAddress!, len) }) == 0 {
                    ci = expected
                }
            }
            if ci < 0 {
                guard let name = v.string(j), let found = envelopes[e].byName[name] else {
                    table.abandonRow()
                    throw IngestError(.badInput, "column \(v.string(j) ?? "?") is not in the event's schema")
                }
                ci = found
            }
            expected = ci + 1
            let target = envelopes[e].binding[ci]
            let b = table.builder(at: target)
            if b.count > n {
                table.abandonRow()
                throw IngestError(.badInput, "column \(envelopes[e].columns[ci].field.name) appears twice")
            }
            let decoding = envelopes[e].columns[ci].decoding
            if !appender.append(v, j + 1, decoding, b) {
                table.abandonRow()
                throw mismatch(v, j + 1, column: envelopes[e].columns[ci].field.name, type: table.fields[target].type, decoding: decoding)
            }
            j = v.tokens[j + 1].next
        }
    }

    private mutating func appendNamedRow(_ v: JSONView, _ image: Int, table: TableBuffer) throws {
        let n = table.rowCount
        var j = image + 1
        let end = v.tokens[image].next
        while j < end {
            guard let name = v.string(j), let target = table.fieldIndex[name] else {
                table.abandonRow()
                throw IngestError(.badInput, "column \(v.string(j) ?? "?") is not in the table's schema")
            }
            let b = table.builder(at: target)
            if b.count > n {
                table.abandonRow()
                throw IngestError(.badInput, "column \(name) appears twice")
            }
            if !appender.append(v, j + 1, .flexible, b) {
                table.abandonRow()
                throw mismatch(v, j + 1, column: name, type: table.fields[target].type, decoding: .flexible)
            }
            j = v.tokens[j + 1].next
        }
    }

    private func checkKey(_ table: TableBuffer, op: UInt8) throws {
        guard !table.key.isEmpty else { return }
        let n = table.rowCount
        for k in table.key {
            guard let i = table.fieldIndex[k] else {
                table.abandonRow()
                throw IngestError(.badInput, "missing key column \(k): the table \(table.id) has no such column")
            }
            let b = table.builder(at: i)
            if b.count <= n || !b.lastIsValid {
                table.abandonRow()
                throw IngestError(.badInput, "missing key column \(k) (null or absent in the row image)")
            }
        }
    }

    private func mismatch(_ v: JSONView, _ t: Int, column: String, type: DataType, decoding: ValueDecoding) -> IngestError {
        var text = String(decoding: v.raw(t), as: UTF8.self)
        if v.tokens[t].kind == .string { text = "\"\(text)\"" }
        if text.count > 60 { text = String(text.prefix(57)) + "..." }
        return IngestError(.badInput, "type mismatch in column \(column): \(text) is not a valid \(decoding.label) for a \(SchemaFile.typeName(type)) column")
    }
}

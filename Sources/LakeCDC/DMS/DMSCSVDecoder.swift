import Foundation
import LakeColumnar

/// Decodes DMS-style CSV change rows: `Op` (I/U/D), a commit timestamp, then the columns; RFC 4180
/// quoting, NULL as an empty unquoted field. Names come from a header row (first field `Op`) or the
/// `--schema` file, types from the schema file (string without one).
struct DMSCSVDecoder {
    let table: TableID
    let schema: SchemaFile?
    let input: String
    /// The input file's identity (`<base name>:<size>`), nil for standard input; and the line the
    /// record being decoded starts on (its row number for positions), set by the caller.
    var inputFile: String?
    var row = 0
    /// Column names of the file, in order (from the header or the schema).
    private var names: [String]?
    private var opIndex = 0
    private var tsIndex = 1
    /// The schema file's `sequence` column (DMS `$AR_H_CHANGE_SEQ`), if any.
    private var seqIndex: Int?
    /// For each file column: the table column it feeds (-1: op/timestamp/sequence/before-image).
    private var dataFields: [Field] = []
    private var dataSlot: [Int] = []
    private var boundTable: ObjectIdentifier?
    private var boundVersion = -1
    private var binding: [Int] = []
    private var fields: [(start: Int, end: Int, quoted: Bool, escaped: Bool)] = []
    private var scratch: [UInt8] = []

    init(table: TableID?, schema: SchemaFile?, key: [String], input: String) throws {
        guard let table else {
            throw IngestError(.usage, "cannot tell the table from the input path; pass --table SCHEMA.TABLE", input: input)
        }
        self.table = table
        self.schema = schema
        self.input = input
        if let schema { try configure(names: schema.columns.map(\.name)) }
    }

    /// `.../<schema>/<table>/[YYYY/MM/DD/]file.csv` → the table (DMS's layout).
    static func tableFromPath(_ path: String) -> TableID? {
        guard path != "-" else { return nil }
        var parts = path.split(separator: "/").map(String.init)
        parts.removeLast()
        while let last = parts.last, last.allSatisfy(\.isNumber) { parts.removeLast() }
        guard parts.count >= 2 else { return nil }
        let t = TableID(schema: parts[parts.count - 2], table: parts[parts.count - 1])
        return TableID.isSafeName(t.schema) && TableID.isSafeName(t.table) ? t : nil
    }

    private mutating func configure(names: [String]) throws {
        self.names = names
        let special: Set<String> = Set(schema.map { [$0.sequence].compactMap { $0 } + $0.before } ?? [])
        if let op = schema?.op { guard let i = names.firstIndex(of: op) else { throw IngestError(.usage, "op column \(op) not in the file") }; opIndex = i }
        else { opIndex = 0 }
        if let ts = schema?.timestamp { guard let i = names.firstIndex(of: ts) else { throw IngestError(.usage, "timestamp column \(ts) not in the file") }; tsIndex = i }
        else { tsIndex = 1 }
        seqIndex = schema?.sequence.flatMap { names.firstIndex(of: $0) }
        dataFields = []
        dataSlot = []
        for (i, name) in names.enumerated() {
            if i == opIndex || i == tsIndex || special.contains(name) { dataSlot.append(-1); continue }
            let type = schema?.columns.first(where: { $0.name == name })?.type ?? .string
            dataSlot.append(dataFields.count)
            dataFields.append(Field(name, type, nullable: true))
        }
        boundTable = nil
    }

    /// Splits one CSV record starting at `from`; returns its end (past the newline).
    private mutating func split(_ b: UnsafeBufferPointer<UInt8>, from: Int, atEOF: Bool) throws -> Int {
        fields.removeAll(keepingCapacity: true)
        var p = from
        let n = b.count
        while true {
            if p < n, b[p] == UInt8(ascii: "\"") {
                let start = p + 1
                var q = start
                var escaped = false
                while true {
                    guard q < n else { throw JSONScanError(message: "unterminated quoted field", offset: from, truncated: true) }
                    if b[q] == UInt8(ascii: "\"") {
                        if q + 1 < n, b[q + 1] == UInt8(ascii: "\"") { escaped = true; q += 2; continue }
                        if q + 1 >= n, !atEOF { throw JSONScanError(message: "", offset: from, truncated: true) }
                        break
                    }
                    q += 1
                }
                fields.append((start, q, true, escaped))
                p = q + 1
            } else {
                let start = p
                while p < n, b[p] != UInt8(ascii: ","), b[p] != 0x0A, b[p] != 0x0D { p += 1 }
                fields.append((start, p, false, false))
            }
            if p >= n {
                guard atEOF else { throw JSONScanError(message: "", offset: from, truncated: true) }
                return p
            }
            if b[p] == UInt8(ascii: ",") { p += 1; continue }
            if b[p] == 0x0D { p += 1; if p < n, b[p] == 0x0A { p += 1 } else if p >= n, !atEOF { throw JSONScanError(message: "", offset: from, truncated: true) }; return p }
            if b[p] == 0x0A { return p + 1 }
            throw IngestError(.badInput, "unexpected character after a quoted field")
        }
    }

    private func text(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> String {
        String(decoding: b[fields[i].start..<fields[i].end], as: UTF8.self)
    }

    mutating func decode(_ b: UnsafeBufferPointer<UInt8>, from: Int, atEOF: Bool, registry: TableRegistry) throws -> (Int, DecodeOutcome) {
        let end = try split(b, from: from, atEOF: atEOF)
        if names == nil {
            guard fields.count > 0, text(b, 0) == "Op" else {
                throw IngestError(.usage, "a headerless DMS CSV file needs --schema FILE naming its columns")
            }
            try configure(names: (0..<fields.count).map { text(b, $0) })
            return (end, .noEvent)
        }
        if schema != nil, names != nil, fields.count > 0, !fields[0].quoted, text(b, 0) == "Op", text(b, opIndex) == "Op" {
            return (end, .noEvent)  // a header row in a file described by --schema
        }
        guard let names, fields.count == names.count else {
            throw IngestError(.badInput, "expected \(names?.count ?? 0) fields, found \(fields.count)")
        }
        guard let table = registry.table(self.table) else { return (end, .needsTable(self.table)) }
        if boundTable != ObjectIdentifier(table) || boundVersion != table.schemaVersion {
            let merged = try SchemaEvolution.merge(current: table.fields, incoming: dataFields, table: table.id)
            if merged.map(\.type) != table.fields.map(\.type) || merged.map(\.name) != table.fields.map(\.name) {
                if table.rowCount > 0 { return (end, .needsSchemaFlush(table)) }
                table.setFields(merged)
            }
            binding = dataFields.map { table.fieldIndex[$0.name] ?? -1 }
            boundTable = ObjectIdentifier(table)
            boundVersion = table.schemaVersion
        }
        let opField = fields[opIndex]
        let op: UInt8
        if opField.end - opField.start == 1, [UInt8(ascii: "I"), UInt8(ascii: "U"), UInt8(ascii: "D")].contains(b[opField.start]) {
            op = b[opField.start]
        } else {
            throw IngestError(.badInput, "unknown op \"\(text(b, opIndex))\" (expected I, U or D)")
        }
        let tsRaw = UnsafeBufferPointer(rebasing: b[fields[tsIndex].start..<fields[tsIndex].end])
        guard let ts = ValueText.parseTimestamp(tsRaw, truncatingBeyondMicroseconds: true)?.micros else {
            throw IngestError(.badInput, "commit timestamp \"\(text(b, tsIndex))\" is not yyyy-MM-dd HH:mm:ss[.ffffff]")
        }
        // Position: the DMS change sequence when the schema names one (35 digits: 16 of time, 19
        // of a counter); rows without it (full load) sort first by commit time. Then order among
        // equal positions. Without a sequence column: commit time, then file and row.
        let seq: ChangeSeq
        if let si = seqIndex {
            var key = (UInt64(bitPattern: ts), UInt64(0), UInt64(0))
            let f = fields[si]
            let raw = UnsafeBufferPointer(rebasing: b[f.start..<f.end])
            if raw.isEmpty {
                key = (0, UInt64(bitPattern: ts), 0)
            } else if let parsed = Self.changeSequence(raw) {
                key = (parsed.0, parsed.1, 0)
            } else {
                throw IngestError(.badInput, "sequence column \(names[si]): \"\(text(b, si))\" is not a DMS change sequence (up to 35 digits)")
            }
            if key == table.runKey { table.runCount &+= 1 } else { table.runKey = key; table.runCount = 0 }
            seq = ChangeSeq(major: key.0, minor: key.1, index: table.runCount)
            if let hw = table.highWater, seq <= hw { return (end, .skipped) }
        } else {
            guard let s = table.filePosition(commitTs: ts, file: inputFile, row: row) else { return (end, .skipped) }
            seq = s
        }
        for (i, f) in fields.enumerated() {
            let slot = dataSlot[i]
            if slot < 0 { continue }
            let target = binding[slot]
            let builder = table.builder(at: target)
            if !f.quoted, f.end == f.start { builder.appendNull(); continue }
            var raw = UnsafeBufferPointer(rebasing: b[f.start..<f.end])
            if f.escaped {
                scratch.removeAll(keepingCapacity: true)
                var k = 0
                while k < raw.count { scratch.append(raw[k]); k += raw[k] == UInt8(ascii: "\"") ? 2 : 1 }
                let ok = scratch.withUnsafeBufferPointer { appendText($0, builder) }
                if !ok { table.abandonRow(); throw mismatch(names[i], builder.type, String(decoding: scratch, as: UTF8.self)) }
                continue
            }
            if !appendText(raw, builder) {
                table.abandonRow()
                throw mismatch(names[i], builder.type, String(decoding: raw, as: UTF8.self))
            }
            raw = UnsafeBufferPointer(rebasing: raw[0..<0])
        }
        for k in table.key {
            guard let i = table.fieldIndex[k], table.builder(at: i).count > table.rowCount, table.builder(at: i).lastIsValid else {
                table.abandonRow()
                throw IngestError(.badInput, "missing key column \(k) (null or absent)")
            }
        }
        table.closeRow(op: op, commitTs: ts, seq: seq)
        return (end, .appended(table))
    }

    /// `$AR_H_CHANGE_SEQ`: up to 35 digits, the last 19 a counter, the rest a time.
    static func changeSequence(_ s: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard s.count <= 35, s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let split = max(0, s.count - 19)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<split { high = high * 10 + UInt64(s[i] - 0x30) }
        for i in split..<s.count { low = low * 10 + UInt64(s[i] - 0x30) }
        return (high, low)
    }

    private func mismatch(_ column: String, _ type: DataType, _ value: String) -> IngestError {
        IngestError(.badInput, "type mismatch in column \(column): \"\(value.prefix(60))\" is not a valid \(SchemaFile.typeName(type))")
    }

    /// Typed parse of a CSV field's text into the builder: LakeColumnar's one text → value path
    /// (``ValueText/parse(_:as:options:into:)``) with the DMS options.
    @inline(__always)
    private func appendText(_ s: UnsafeBufferPointer<UInt8>, _ b: ColumnBuilder) -> Bool {
        var sink = b
        return ValueText.parse(s, as: b.type, options: .dms, into: &sink)
    }
}

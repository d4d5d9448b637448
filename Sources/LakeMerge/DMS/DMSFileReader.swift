import LakeColumnar

/// Reads one DMS CSV file into change rows in the table's schema.
///
/// Column layout, per file:
/// - **With a header** (the first record names columns: always when there is no schema file; with one,
///   when every field of the first record is a column name of it) columns are matched by name
///   (case-insensitively); `Op` is the op column unless the schema file names another.
/// - **Without a header** the schema file's `columns` give the layout. A file with fewer fields — a
///   full-load file without `Op`, or files written before a mapping rule added the sequence or
///   before-image columns — is matched by dropping (the op column only when the first field is not
///   `I`, `U` or `D`), in this order of preference, the op column, the
///   sequence column, the before-image columns, the op and sequence, the op and before-image columns,
///   the sequence and before-image columns, all three, then the timestamp column too; failing that,
///   the last columns of the table are taken as absent (null) when they are nullable; failing that
///   too, the op column is dropped even though the first field is `I`, `U` or `D` (a one-letter code
///   in a full load without `Op`). When several of these explain the count, the first under which
///   the first record's values parse wins.
/// - A row without an op (full load without `Op`) is an insert.
struct DMSFileReader {
    enum Role: Hashable {
        case op, time, sequence, before(Int), data(Int), ignore
    }

    let tableSchema: Schema
    let fileSchema: SchemaFile?
    let keyColumns: [String]

    /// Part of a change set read from one file.
    struct Part {
        var rows: ColumnBatch
        var ops: [ChangeOp]
        var sequence: [Int128]
        var commitTime: [Int64]
        var beforeKeys: [Column]?
    }

    /// Reads a whole file: large files through the parallel column-at-a-time path
    /// (``readBlocks(text:source:threads:)``), the rest — and any file that path declines — record by
    /// record (``readRecords(text:source:)``), which decides every error and odd case.
    func read(text: [UInt8], source: String) throws -> Part {
        if text.count >= Self.minBlockReadBytes, let part = try readBlocks(text: text, source: source) { return part }
        return try readRecords(text: text, source: source)
    }

    /// Record by record on one thread: the reference reading of a DMS CSV file.
    func readRecords(text: [UInt8], source: String) throws -> Part {
        var records = DMSCSVRecords(text: text)
        var builders = tableSchema.fields.map { ColumnBuilder(type: $0.type) }
        let beforeCount = beforeColumnCount
        var beforeBuilders = (0..<beforeCount).map { i -> ColumnBuilder in
            let keyType = tableSchema.index(of: keyColumns.indices.contains(i) ? keyColumns[i] : "").map { tableSchema.fields[$0].type } ?? .string
            return ColumnBuilder(type: keyType)
        }
        var ops: [ChangeOp] = []
        var sequence: [Int128] = []
        var commitTime: [Int64] = []
        var roles: [Role]?
        // The header's field count: every record of a file with a header has as many fields.
        var headerCount: Int?
        var first = true
        var dataSeen = [Bool](repeating: false, count: tableSchema.fields.count)
        // Reused per row: which columns the row's fields filled.
        var filled = [Bool](repeating: false, count: builders.count)
        var beforeFilled = [Bool](repeating: false, count: beforeCount)

        while try records.next(source: source) {
            if first {
                first = false
                if let header = headerRoles(records, source: source) {
                    roles = try header()
                    headerCount = records.fields.count
                    continue
                }
            }
            let fieldCount = records.fields.count
            if let headerCount, fieldCount != headerCount {
                throw MergeError("\(source): line \(records.line): \(fieldCount) fields, but the header has \(headerCount) columns (a malformed row: an unquoted comma or line break in a value?)")
            }
            if roles == nil || roles?.count != fieldCount {
                let opLike = fieldCount > 0 && records.withField(0, { $0.count == 1 && ChangeOp(byte: $0[0]) != nil })
                let candidates = try layoutCandidates(fieldCount: fieldCount, firstFieldIsOp: opLike, source: source, line: records.line)
                roles = candidates.first { fits($0, records) } ?? candidates[0]
                for case .data(let c) in roles ?? [] { dataSeen[c] = true }
            }
            guard let roles else { break }
            var op = ChangeOp.insert
            var seq = ChangeSet.noSequence
            var time = ChangeSet.noTime
            for c in 0..<filled.count { filled[c] = false }
            for k in 0..<beforeFilled.count { beforeFilled[k] = false }
            for (i, role) in roles.enumerated() {
                let field = records.fields[i]
                switch role {
                case .ignore: continue
                case .op:
                    guard !field.isNull else { continue }
                    guard let parsed = records.withField(i, { $0.count == 1 ? ChangeOp(byte: $0[0]) : nil }) else {
                        throw MergeError("\(source): line \(records.line): unknown op '\(records.string(i))' (expected I, U or D)")
                    }
                    op = parsed
                case .sequence:
                    guard !field.isNull else { continue }
                    guard let v = records.withField(i, Self.parseSequence) else {
                        throw MergeError("\(source): line \(records.line): sequence value '\(records.string(i))' is not a non-negative integer of at most 38 digits")
                    }
                    seq = v
                case .time:
                    guard !field.isNull else { continue }
                    guard let v = records.withField(i, Self.commitTime) else {
                        throw MergeError("\(source): line \(records.line): commit timestamp '\(records.string(i))' is not yyyy-MM-dd HH:mm:ss.SSSSSS")
                    }
                    time = v
                case .before(let k):
                    beforeFilled[k] = true
                    if field.isNull {
                        beforeBuilders[k].appendNull()
                    } else if !records.withField(i, { beforeBuilders[k].appendText($0, options: .dms) }) {
                        throw MergeError("\(source): line \(records.line): before-image value '\(records.string(i))' is not a \(SchemaFile.typeName(beforeBuilders[k].type))")
                    }
                case .data(let c):
                    filled[c] = true
                    if field.isNull {
                        builders[c].appendNull()
                    } else if !records.withField(i, { builders[c].appendText($0, options: .dms) }) {
                        throw MergeError("\(source): line \(records.line): column '\(tableSchema.fields[c].name)': '\(records.string(i))' is not a \(SchemaFile.typeName(tableSchema.fields[c].type))")
                    }
                }
            }
            for c in 0..<builders.count where !filled[c] { builders[c].appendNull() }
            for k in 0..<beforeCount where !beforeFilled[k] { beforeBuilders[k].appendNull() }
            ops.append(op)
            sequence.append(seq)
            commitTime.append(time)
        }
        // A non-delete row must carry every non-nullable column (a delete needs only the key).
        let batch = ColumnBatch(schema: tableSchema, columns: builders.indices.map { builders[$0].finish() }, rowCount: ops.count)
        for key in keyColumns {
            guard let c = tableSchema.index(of: key) else { throw MergeError.missingKeyColumn(key, context: source) }
            if !ops.isEmpty, !dataSeen[c], roles?.contains(.data(c)) != true {
                throw MergeError("\(source): has no column for key '\(key)'")
            }
            if let row = (0..<batch.rowCount).first(where: { batch.columns[c].isNull($0) }) {
                throw MergeError("\(source): data row \(row + 1): key column '\(key)' is empty (NULL); every change needs its key")
            }
        }
        // Without a schema file, before-image columns exist only where a header names them.
        let hasBefore = fileSchema != nil ? beforeCount > 0 : roles?.contains { if case .before = $0 { true } else { false } } == true
        return Part(rows: batch, ops: ops, sequence: sequence, commitTime: commitTime,
                    beforeKeys: hasBefore ? beforeBuilders.indices.map { beforeBuilders[$0].finish() } : nil)
    }

    /// Before-image columns, one per key column: the schema file's `before`, else (headers only)
    /// DMS's default `add-before-image-columns` naming, `BI_<key column>`.
    var beforeColumnCount: Int { fileSchema?.before.count ?? keyColumns.count }

    /// DMS's default before-image column prefix (`add-before-image-columns`, `column-prefix`).
    static let beforeImagePrefix = "bi_"

    /// Whether header column `name` is a DMS before-image column (`BI_<column>`) of another column
    /// in `names`: not data (used only without a schema file).
    static func isDefaultBeforeImage(_ name: String, among names: [String]) -> Bool {
        let lower = name.lowercased()
        guard lower.hasPrefix(beforeImagePrefix), lower.count > beforeImagePrefix.count else { return false }
        let rest = lower.dropFirst(beforeImagePrefix.count)
        return names.contains { $0.lowercased() == rest }
    }

    /// If the current record is a header, a function that maps it to roles.
    func headerRoles(_ records: DMSCSVRecords, source: String) -> (() throws -> [Role])? {
        let names = (0..<records.fields.count).map { records.string($0) }
        if let fileSchema {
            let known = Set(fileSchema.columns.map { $0.name.lowercased() })
            guard names.allSatisfy({ known.contains($0.lowercased()) }) else {
                // A record that names every key column is a header with a column the schema file lacks.
                let lowered = Set(names.map { $0.lowercased() })
                guard !keyColumns.isEmpty, keyColumns.allSatisfy({ lowered.contains($0.lowercased()) }),
                      let unknown = names.first(where: { !known.contains($0.lowercased()) }) else { return nil }
                return {
                    throw MergeError("\(source): header column '\(unknown)' is not in the schema file; add it to \"columns\" (--schema) or drop it from the mapping")
                }
            }
        }
        return {
            try names.map { name -> Role in
                let lower = name.lowercased()
                if lower == (fileSchema?.op ?? "Op").lowercased() { return .op }
                if let t = fileSchema?.timestamp, lower == t.lowercased() { return .time }
                if let s = fileSchema?.sequence, lower == s.lowercased() { return .sequence }
                if fileSchema?.sequence == nil, ["_seq", "ar_h_change_seq", "$ar_h_change_seq"].contains(lower) { return .sequence }
                if let k = fileSchema?.before.firstIndex(where: { $0.lowercased() == lower }) { return .before(k) }
                if fileSchema == nil, Self.isDefaultBeforeImage(name, among: names) {
                    // `BI_<key>` is the key's before-image; of another column, it carries nothing we use.
                    let rest = lower.dropFirst(Self.beforeImagePrefix.count)
                    return keyColumns.firstIndex { $0.lowercased() == rest }.map { .before($0) } ?? .ignore
                }
                if let c = tableSchema.fields.firstIndex(where: { $0.name.lowercased() == lower }) { return .data(c) }
                throw MergeError("\(source): header column '\(name)' is not a column of the table; add it to the schema file (--schema) or drop it from the mapping")
            }
        }
    }

    /// Roles of a headerless file's fields from the schema file, tolerating the known omissions: the
    /// first of ``layoutCandidates(fieldCount:firstFieldIsOp:source:line:)``.
    func layout(fieldCount: Int, firstFieldIsOp: Bool, source: String, line: Int) throws -> [Role] {
        let candidates = try layoutCandidates(fieldCount: fieldCount, firstFieldIsOp: firstFieldIsOp, source: source, line: line)
        return candidates[0]
    }

    /// The layouts that explain `fieldCount` fields, most likely first (never empty; throws when none):
    /// the full schema; dropping optional columns (the op column only when the first field is not `I`,
    /// `U` or `D`); missing trailing nullable columns; then — a first field of I, U or D may be data,
    /// a one-letter code in a full load without Op — dropping the op column after all.
    func layoutCandidates(fieldCount: Int, firstFieldIsOp: Bool, source: String, line: Int) throws -> [[Role]] {
        guard let fs = fileSchema else {
            throw MergeError("\(source): line \(line): the file has no header; pass --schema FILE describing its columns")
        }
        func role(_ f: Field) -> Role {
            if f.name == fs.op { return .op }
            if f.name == fs.timestamp { return .time }
            if f.name == fs.sequence { return .sequence }
            if let k = fs.before.firstIndex(of: f.name) { return .before(k) }
            if let c = tableSchema.index(of: f.name) { return .data(c) }
            return .ignore
        }
        let full = fs.columns.map(role)
        if full.count == fieldCount { return [full] }
        let op: Set<String> = Set([fs.op].compactMap { $0 })
        let seq: Set<String> = Set([fs.sequence].compactMap { $0 })
        let before = Set(fs.before)
        let time: Set<String> = Set([fs.timestamp].compactMap { $0 })
        let drops: [Set<String>] = [op, seq, before, op.union(seq), op.union(before), seq.union(before),
                                    op.union(seq).union(before), time, op.union(time), op.union(seq).union(time),
                                    op.union(seq).union(before).union(time)]
        var out: [[Role]] = []
        // Whether the op column is present shows in the data: a first field of I, U or D.
        for drop in drops where !drop.isEmpty && (op.isEmpty || drop.isSuperset(of: op) != firstFieldIsOp) {
            let kept = fs.columns.filter { !drop.contains($0.name) }
            if kept.count == fieldCount {
                out.append(kept.map(role))
                break
            }
        }
        if fieldCount < full.count {
            let missing = fs.columns[fieldCount...]
            if missing.allSatisfy({ $0.nullable && !fs.key.contains($0.name) }) { out.append(Array(full.prefix(fieldCount))) }
        }
        if firstFieldIsOp, !op.isEmpty {
            for drop in drops where drop.isSuperset(of: op) {
                let kept = fs.columns.filter { !drop.contains($0.name) }
                if kept.count == fieldCount {
                    out.append(kept.map(role))
                    break
                }
            }
        }
        guard !out.isEmpty else {
            throw MergeError("\(source): line \(line): \(fieldCount) fields, but the schema file lists \(full.count) columns and no known omission (op, sequence, before-image, timestamp, trailing nullable columns) explains the difference")
        }
        return out
    }

    /// Whether every field of the current record parses in its role under `roles` (to choose between
    /// layouts that explain the same field count).
    func fits(_ roles: [Role], _ records: DMSCSVRecords) -> Bool {
        guard roles.count == records.fields.count else { return false }
        for (i, role) in roles.enumerated() where !records.fields[i].isNull {
            let ok: Bool
            switch role {
            case .ignore: ok = true
            case .op: ok = records.withField(i) { $0.count == 1 && ChangeOp(byte: $0[0]) != nil }
            case .sequence: ok = records.withField(i, Self.parseSequence) != nil
            case .time: ok = records.withField(i, Self.commitTime) != nil
            case .data(let c):
                var builder = ColumnBuilder(type: tableSchema.fields[c].type)
                ok = records.withField(i) { builder.appendText($0, options: .dms) }
            case .before(let k):
                let type = tableSchema.index(of: keyColumns.indices.contains(k) ? keyColumns[k] : "").map { tableSchema.fields[$0].type } ?? .string
                var builder = ColumnBuilder(type: type)
                ok = records.withField(i) { builder.appendText($0, options: .dms) }
            }
            if !ok { return false }
        }
        return true
    }

    /// A commit timestamp's text (`yyyy-MM-dd HH:mm:ss.SSSSSS`, or any form
    /// ``ValueText/parseTimestamp(_:truncatingBeyondMicroseconds:)`` reads) → microseconds (UTC).
    static func commitTime(_ t: UnsafeBufferPointer<UInt8>) -> Int64? {
        ValueText.parseTimestamp(t, truncatingBeyondMicroseconds: true)?.micros
    }

    /// A sequence value: a non-negative decimal integer of up to 38 digits (`$AR_H_CHANGE_SEQ` has
    /// 35), or lakectl's `_seq` text `HHHHHHHHHHHHHHHH-MMMMMMMMMMMMMMMM-NNNNNNNN` (hex major, minor,
    /// index), ordered by (major, minor) — the index counts consecutive changes with equal
    /// (major, minor), so arrival order already orders it.
    static func parseSequence(_ t: UnsafeBufferPointer<UInt8>) -> Int128? {
        if t.count == 42, t[16] == UInt8(ascii: "-"), t[33] == UInt8(ascii: "-") {
            func hex(_ r: Range<Int>) -> UInt64? {
                var v: UInt64 = 0
                for i in r {
                    let c = t[i]
                    let d: UInt8
                    switch c {
                    case 0x30...0x39: d = c - 0x30
                    case 0x61...0x66: d = c - 0x57
                    case 0x41...0x46: d = c - 0x37
                    default: return nil
                    }
                    v = v << 4 | UInt64(d)
                }
                return v
            }
            guard let major = hex(0..<16), let minor = hex(17..<33), hex(34..<42) != nil, major < 1 << 63 else { return nil }
            return Int128(major) << 64 | Int128(minor)
        }
        guard !t.isEmpty, t.count <= 38 else { return nil }
        var v: Int128 = 0
        for c in t {
            let d = c &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int128(d)
        }
        return v
    }
}

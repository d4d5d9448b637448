#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LakeColumnar
import LakeCSV

/// The fast reading of a DMS CSV change file: LakeCSV's ``CSVReader`` (fields found 8 bytes at a
/// time, values converted column at a time into typed arrays, consecutive blocks parsed on all
/// cores with a validated split), then the op, sequence and timestamp columns converted in one
/// pass each. It takes only files it reads exactly as ``DMSFileReader/readRecords(text:source:)``
/// does and declines (returns nil) the rest, which the record reader then reads or reports with
/// its file:line message.
extension DMSFileReader {
    /// Files smaller than this are read record by record (setting up the block path costs more).
    static let minBlockReadBytes = 256 << 10

    /// Reads `text` on up to `threads` threads; nil when the file needs the record-by-record
    /// reading: a CR anywhere (a lone CR is data inside an unquoted DMS field but a row end to
    /// LakeCSV), a single column (LakeCSV keeps blank lines of one-column files), two fields
    /// naming one column, a field count that changes within the file, or any value or row
    /// either reader rejects (the record reader then names the file, line and column).
    /// `batchRows` bounds the rows of one block and `chunkBytes` the text handed to the reader at once
    /// (tests make them small to get many rounds and chunk boundaries).
    func readBlocks(text: [UInt8], source: String, threads: Int = CSVReadOptions.defaultThreads,
                    batchRows: Int = 65_536, chunkBytes: Int = 4 << 20) throws -> Part? {
        let hasCR = text.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return false }
            return memchr(base, 13, buffer.count) != nil
        }
        guard !hasCR else { return nil }
        do {
            return try readBlocksOrDecline(text: text, source: source, threads: threads, batchRows: batchRows, chunkBytes: chunkBytes)
        } catch {
            // The record reader produces the message (with the line) for whatever went wrong.
            return nil
        }
    }

    private func readBlocksOrDecline(text: [UInt8], source: String, threads: Int, batchRows: Int,
                                     chunkBytes: Int) throws -> Part? {
        var records = DMSCSVRecords(text: text)
        guard try records.next(source: source) else { return nil }
        let roles: [Role]
        var dataStart = 0
        if let header = headerRoles(records, source: source) {
            roles = try header()
            dataStart = records.position
        } else {
            let opLike = records.fields.count > 0 && records.withField(0, { $0.count == 1 && ChangeOp(byte: $0[0]) != nil })
            roles = try layout(fieldCount: records.fields.count, firstFieldIsOp: opLike, source: source, line: records.line)
        }
        guard roles.count > 1, dataStart < text.count else { return nil }
        var seen = Set<Role>()
        for role in roles where role != .ignore {
            guard seen.insert(role).inserted else { return nil }
        }
        let beforeCount = fileSchema?.before.count ?? (roles.contains { if case .before = $0 { true } else { false } } ? beforeColumnCount : 0)
        let beforeTypes = (0..<beforeCount).map { i -> DataType in
            tableSchema.index(of: keyColumns.indices.contains(i) ? keyColumns[i] : "").map { tableSchema.fields[$0].type } ?? .string
        }
        func blockType(_ role: Role) -> DataType {
            switch role {
            case .data(let c): tableSchema.fields[c].type
            case .before(let k): beforeTypes[k]
            case .op, .time, .sequence, .ignore: .string
            }
        }
        let fileSchema = Schema(roles.indices.map { Field("f\($0)", blockType(roles[$0]), nullable: true) })
        // Batches of LakeCSV's default size: larger ones (1M rows) measured ~10 ms faster on the
        // 500k-row bench file but cost 28 MiB of field index per thread.
        let options = CSVReadOptions(dialect: .dms, batchRows: batchRows, threads: threads)
        let reader = try CSVReader(schema: fileSchema, options: options, source: source)
        var batches: [ColumnBatch] = []
        // The data after the header in chunks (4 MiB): the reader copies its input, and parses (then
        // drops) it as soon as it holds a round of blocks, so its copy stays a few rounds long.
        try text.withUnsafeBytes { all in
            var p = dataStart
            while p < all.count {
                let end = min(all.count, p + max(1, chunkBytes))
                try reader.feed(UnsafeRawBufferPointer(rebasing: all[p..<end])) { batches.append($0) }
                p = end
            }
        }
        try reader.finish { batches.append($0) }
        let batch = batches.count == 1 ? batches[0] : try ColumnBatch.concat(batches, schema: fileSchema)
        batches = []
        let n = batch.rowCount

        var columns = [Column?](repeating: nil, count: tableSchema.fields.count)
        var beforeColumns = [Column?](repeating: nil, count: beforeCount)
        var ops = [ChangeOp](repeating: .insert, count: n)
        var sequence = [Int128](repeating: ChangeSet.noSequence, count: n)
        var commitTime = [Int64](repeating: ChangeSet.noTime, count: n)
        for (i, role) in roles.enumerated() {
            let column = batch.columns[i]
            switch role {
            case .ignore:
                continue
            case .op:
                guard Self.fill(&ops, from: column, { $0.count == 1 ? ChangeOp(byte: $0[0]) : nil }) else { return nil }
            case .sequence:
                guard Self.fill(&sequence, from: column, Self.parseSequence) else { return nil }
            case .time:
                guard Self.fill(&commitTime, from: column, Self.commitTime) else { return nil }
            case .data(let c):
                columns[c] = column
            case .before(let k):
                beforeColumns[k] = column
            }
        }
        let rows = ColumnBatch(schema: tableSchema,
                               columns: tableSchema.fields.indices.map { columns[$0] ?? .nulls(tableSchema.fields[$0].type, count: n) },
                               rowCount: n)
        // The key checks of the record reader (which throws its messages when these fail).
        for key in keyColumns {
            guard let c = tableSchema.index(of: key), n == 0 || columns[c] != nil else { return nil }
            let keys = rows.columns[c]
            if keys.validity != nil, (0..<n).contains(where: { keys.isNull($0) }) { return nil }
        }
        return Part(rows: rows, ops: ops, sequence: sequence, commitTime: commitTime,
                    beforeKeys: beforeCount > 0 ? beforeColumns.indices.map { beforeColumns[$0] ?? .nulls(beforeTypes[$0], count: n) } : nil)
    }

    /// Parses the non-null values of a text column into `out` (NULL rows keep their default);
    /// false when one does not parse.
    private static func fill<T>(_ out: inout [T], from column: Column,
                                _ parse: (UnsafeBufferPointer<UInt8>) -> T?) -> Bool {
        guard case .bytes(let values) = column.storage else { return false }
        return values.bytes.withUnsafeBufferPointer { bytes in
            values.offsets.withUnsafeBufferPointer { offsets in
                out.withUnsafeMutableBufferPointer { out in
                    for r in 0..<out.count where !column.isNull(r) {
                        guard let v = parse(UnsafeBufferPointer(rebasing: bytes[offsets[r]..<offsets[r + 1]])) else { return false }
                        out[r] = v
                    }
                    return true
                }
            }
        }
    }
}

import DeltaLog
import LakeColumnar

/// Step 4–5 of a compact round: find, read and rewrite the files holding changed keys, and write
/// the resolved rows, per partition, bin-packed. Writes only new, uniquely named files; nothing is
/// visible until the caller commits ``Result``.
struct CopyOnWrite: Sendable {
    let io: TableFiles
    let layout: Compactor.Layout
    let resolution: Resolution
    let options: CompactOptions

    struct Result: Sendable {
        var adds: [AddFile] = []
        var removes: [AddFile] = []
        var readPaths: [String] = []
        var readWholeTable = false
        var filesRead = 0
        var bytesRead: Int64 = 0
        var inserted = 0
        var updated = 0
        var deleted = 0
    }

    /// What reading one table file found.
    private struct FileOutcome: Sendable {
        var file: AddFile
        var matchedGroups: [Int32]
        /// The rows to keep, when the file holds changed keys (it is then rewritten).
        var kept: ColumnBatch?
    }

    func apply(snapshot: Snapshot) async throws -> Result {
        var result = Result()
        let selection = try FilePruning(layout: layout, resolution: resolution).select(snapshot)
        let candidates = selection.files
        result.readPaths = selection.readPaths
        result.readWholeTable = selection.readWholeTable
        var present = [Bool](repeating: false, count: resolution.keyCount)
        var pending = PartitionBuffers()

        // Read candidate files, `parallelism` at a time; rows of changed keys are dropped.
        try await withThrowingTaskGroup(of: FileOutcome.self) { group in
            var next = 0
            func launch() {
                guard next < candidates.count else { return }
                let file = candidates[next]
                next += 1
                group.addTask { try await scan(file) }
            }
            for _ in 0..<max(1, options.parallelism) { launch() }
            while let outcome = try await group.next() {
                launch()
                result.filesRead += 1
                options.progress?("\(io.table.root): rewriting: read \(result.filesRead)/\(candidates.count) table file(s)")
                result.bytesRead += outcome.file.size
                for g in outcome.matchedGroups { present[Int(g)] = true }
                guard let kept = outcome.kept else { continue }
                result.removes.append(outcome.file)
                if kept.rowCount > 0 {
                    result.adds += try await pending.append(kept, partition: outcome.file.partitionValues, io: io,
                                                            targetBytes: options.targetFileSize)
                }
            }
        }

        // The resolved after-images, with derived partition columns, into their partitions.
        let upserts = resolution.upsertRows
        if !upserts.isEmpty {
            let rows = try tableRows(resolution.changes.rows.selectingRows(upserts))
            for (partition, part) in try split(rows) {
                result.adds += try await pending.append(part, partition: partition, io: io, targetBytes: options.targetFileSize)
            }
        }
        result.adds += try await pending.flushAll(io: io, targetBytes: options.targetFileSize)

        for g in 0..<resolution.keyCount {
            if resolution.outcome[g] >= 0 {
                if present[g] { result.updated += 1 } else { result.inserted += 1 }
            } else if present[g] {
                result.deleted += 1
            }
        }
        return result
    }

    /// Reads one file and drops the rows whose key the changes touch.
    private func scan(_ file: AddFile) async throws -> FileOutcome {
        let batch = try await io.read(file)
        let keys = try KeyColumns(batch: batch, names: layout.key, context: file.path)
        let hashes = keys.hashes()
        var matched: [Int32] = []
        var keep: [Int] = []
        keep.reserveCapacity(batch.rowCount)
        for row in 0..<batch.rowCount {
            if let g = resolution.group(of: keys, row: row, hash: hashes[row]) {
                matched.append(Int32(g))
            } else {
                keep.append(row)
            }
        }
        guard !matched.isEmpty else { return FileOutcome(file: file, matchedGroups: [], kept: nil) }
        return FileOutcome(file: file, matchedGroups: matched, kept: batch.selectingRows(keep))
    }

    /// Adds derived partition columns: a batch in the data schema becomes one in the table schema.
    private func tableRows(_ data: ColumnBatch) throws -> ColumnBatch {
        var columns: [Column] = []
        for field in layout.tableSchema.fields {
            if let spec = layout.derived.first(where: { $0.column == field.name }) {
                columns.append(try spec.derive(from: data))
            } else if let c = data.column(named: field.name) {
                columns.append(c)
            } else {
                columns.append(.nulls(field.type, count: data.rowCount))
            }
        }
        return ColumnBatch(schema: layout.tableSchema, columns: columns, rowCount: data.rowCount)
    }

    /// Rows grouped by their partition values (one group when unpartitioned).
    private func split(_ batch: ColumnBatch) throws -> [(PartitionValues, ColumnBatch)] {
        let parts = layout.partitionColumns
        guard !parts.isEmpty else { return [([:], batch)] }
        let indexes = parts.compactMap { batch.schema.index(of: $0) }
        var groups: [[String?]: [Int]] = [:]
        var order: [[String?]] = []
        for row in 0..<batch.rowCount {
            let key: [String?] = indexes.map { i in
                DeltaValueFormat.partitionString(batch.columns[i].scalar(at: row, type: batch.schema.fields[i].type),
                                                 type: batch.schema.fields[i].type)
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        return order.map { key in
            var values: PartitionValues = [:]
            for (name, value) in zip(parts, key) { values[name] = .some(value) }
            return (values, batch.selectingRows(groups[key] ?? []))
        }
    }
}

/// Rows waiting to be written, per partition; a partition is written out once it holds a file's worth.
struct PartitionBuffers {
    private var buffers: [String: (values: PartitionValues, batches: [ColumnBatch], bytes: Int)] = [:]
    private var order: [String] = []

    private static func id(_ values: PartitionValues) -> String {
        values.keys.sorted().map { "\($0)=\(values[$0].flatMap { $0 } ?? "\u{0}")" }.joined(separator: "\u{1}")
    }

    mutating func append(_ batch: ColumnBatch, partition: PartitionValues, io: TableFiles, targetBytes: Int) async throws -> [AddFile] {
        let id = Self.id(partition)
        if buffers[id] == nil {
            buffers[id] = (partition, [], 0)
            order.append(id)
        }
        buffers[id]?.batches.append(batch)
        buffers[id]?.bytes += batch.columns.reduce(0) { $0 + TableFiles.memoryBytes($1) }
        guard let entry = buffers[id], entry.bytes >= targetBytes else { return [] }
        buffers[id] = (partition, [], 0)
        let all = entry.batches.count == 1 ? entry.batches[0] : try ColumnBatch.concatenating(entry.batches, schema: io.schema)
        return try await io.write(all, partition: partition, targetBytes: targetBytes)
    }

    mutating func flushAll(io: TableFiles, targetBytes: Int) async throws -> [AddFile] {
        var adds: [AddFile] = []
        for id in order {
            guard let entry = buffers[id], !entry.batches.isEmpty else { continue }
            let all = entry.batches.count == 1 ? entry.batches[0] : try ColumnBatch.concatenating(entry.batches, schema: io.schema)
            adds += try await io.write(all, partition: entry.values, targetBytes: targetBytes)
        }
        buffers = [:]
        order = []
        return adds
    }
}

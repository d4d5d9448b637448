import Foundation
import DeltaLog
import LakeColumnar
import LakeParquet

/// Step 4–5 of a compact round: find, read and rewrite the files holding changed keys, and write
/// the resolved rows, per partition, bin-packed. Writes only new, uniquely named files; nothing is
/// visible until the caller commits ``Result``.
struct CopyOnWrite: Sendable {
    let io: TableFiles
    let layout: Compactor.Layout
    let resolution: Resolution
    let options: CompactOptions
    /// Merge-on-read: a touched file losing few rows gets a deletion vector instead of a rewrite.
    var deletionVectors = false

    /// A touched file gets a deletion vector while its dropped rows (matched + already deleted) stay
    /// below this fraction of its rows. Above it, readers would skip so much of the file that
    /// rewriting it (dropping the DV) is cheaper for every later scan than the one-time rewrite
    /// saved now; the trickle case (a few dozen rows of a 100k-row file) is far below it.
    static let deletionVectorMaxFraction = 0.2

    struct Result: Sendable {
        var adds: [AddFile] = []
        var removes: [AddFile] = []
        /// The touched files kept with a new deletion vector (same path; their old entry is in ``removes``).
        var deletionVectorAdds: [AddFile] = []
        var readPaths: [String] = []
        var readWholeTable = false
        /// The changed keys' range, for the commit's conflict check (``FilePruning/readPredicate()``).
        var readPredicate: ScanPredicate?
        var filesRead = 0
        var bytesRead: Int64 = 0
        var inserted = 0
        var updated = 0
        var deleted = 0
    }

    /// Which rows of a table file hold changed keys (found by reading its key columns only).
    private struct FileMatches: Sendable {
        var file: AddFile
        var reader: ParquetReader
        /// Per row group: the rows (ascending) whose key the changes touch.
        var matched: [[Int32]]
        /// Per row group: the rows (ascending) the file's deletion vector deletes (empty lists without one).
        var deleted: [[Int32]]
        /// The changed keys (groups) found in the file.
        var groups: [Int32]
    }

    /// After-images gathered and written per step (bounded memory).
    static let upsertChunkRows = 1 << 16

    func apply(snapshot: Snapshot) async throws -> Result {
        var result = Result()
        var present = [Bool](repeating: false, count: resolution.keyCount)
        let limits = StreamLimits(options: options, minimumPartSize: io.table.store.minimumPartSize)
        let tasks = max(1, options.parallelism)
        let pool = FileWriterPool(limits: limits) { [io] partition in
            StreamingFile(table: io.table, folder: DeltaPaths.partitionFolder(columns: io.partitionColumns, values: partition),
                          partition: partition, schema: io.fileSchema, options: io.writerOptions, limits: limits)
        }
        do {
            // The resolved after-images (with derived partition columns) need nothing but the
            // resolution: one task writes them into their partitions' files while the table files
            // are pruned and matched (mostly one core), and beside the rewrite.
            // Partitioned tables: the after-images are split by partition first and each partition's
            // go into the file its rewritten rows go to (so a touched partition gets one new file,
            // not one for its kept rows and another for its after-images); the partitions no
            // rewrite claims are written at the end.
            let upsertParts: UpsertParts? = layout.partitionColumns.isEmpty ? nil : try splitUpserts(resolution.upsertRows)
            async let upsertAdds = upsertParts == nil ? writeUpserts(resolution.upsertRows, pool: pool) : []
            let pruning = FilePruning(layout: layout, resolution: resolution)
            let selection = try pruning.select(snapshot)
            result.readPredicate = pruning.readPredicate()
            let rowGroupFilter = ChangedKeyFilter(keyName: layout.key[0], keys: pruning.changed)
            let candidates = selection.files
            options.progress?("\(io.table.root): \(candidates.count) of \(snapshot.files.count) table file(s) may hold changed keys")
            result.readPaths = selection.readPaths
            result.readWholeTable = selection.readWholeTable

            // Pipelined, `parallelism` tasks at a time, row group by row group:
            // 1. open each candidate file (footer, deletion vector);
            // 2. find the changed keys' rows of each row group from its key columns only;
            // 3. stream a touched file's row groups — the kept rows into new files per partition —
            //    as soon as they are matched (a row group without changed keys waits until its file
            //    is known to be touched; a file holding none is left alone). A task takes, in order: a
            //    rewrite in a partition no task is writing, matching, opening a further file, a second
            //    writer for a busy partition with more row groups waiting — so memory stays a few
            //    row groups per task and a partition's rows go into one file.
            // With deletion vectors a file is matched whole first (the choice needs all its rows).
            enum Step: Sendable {
                case opened(Int, ParquetReader, [[Int32]])
                case matched(Int, group: Int, rows: [Int32], groups: [Int32], keys: ColumnBatch?)
                case wrote([AddFile], partition: String)
            }
            var works: [Int: FileWork] = [:]
            var touched: [Int] = []
            var marked: [FileMatches] = []
            var rewrites: [(file: Int, group: Int)] = []
            var rewriteTaken: [Bool] = []
            var firstUntaken = 0
            /// Rewrite tasks running per partition (``FileWriterPool/id(_:)``).
            var busy: [String: Int] = [:]
            var matches: [(file: Int, group: Int)] = []
            var matchesQueued = 0
            var rowGroupsDone = 0
            var scanned = 0
            let gate = MemoryGate(capacity: limits.workingBytes)

            func markTouched(_ i: Int) {
                guard let work = works[i], !work.touched else { return }
                works[i]?.touched = true
                touched.append(i)
                rewrites += work.deferred.map { (i, $0) }
                works[i]?.deferred = []
            }

            // The next rewrite to start: preferably one of a partition no task is writing, so a
            // partition's rows go into one file, not one per task (then matching or opening goes
            // first); else, with nothing else to do, the oldest one when its partition has more
            // row groups waiting (a second file of that partition, e.g. an unpartitioned table).
            // A last row group of a busy partition waits for the task writing it.
            func nextRewrite(orBusy: Bool) -> Int? {
                while rewriteTaken.count < rewrites.count { rewriteTaken.append(false) }
                while firstUntaken < rewrites.count, rewriteTaken[firstUntaken] { firstUntaken += 1 }
                guard firstUntaken < rewrites.count else { return nil }
                func partition(_ i: Int) -> String? { works[rewrites[i].file]?.partition }
                var i = firstUntaken
                var seen = 0
                var samePartition = 0
                let first = partition(firstUntaken)
                while i < rewrites.count, seen < 64 {
                    if !rewriteTaken[i] {
                        seen += 1
                        let id = partition(i)
                        if !orBusy, let id, busy[id, default: 0] == 0 { return i }
                        if id == first { samePartition += 1 }
                    }
                    i += 1
                }
                return orBusy && samePartition >= 2 ? firstUntaken : nil
            }

            try await withThrowingTaskGroup(of: Step.self) { group in
                var nextFile = 0
                var running = 0
                func startRewrite(_ index: Int) -> Bool {
                    rewriteTaken[index] = true
                    let unit = rewrites[index]
                    guard let work = works[unit.file] else { return false }
                    let rows = work.matched[unit.group] ?? []
                    let keys = work.keys[unit.group]
                    works[unit.file]?.keys[unit.group] = nil
                    let partition = work.partition
                    busy[partition, default: 0] += 1
                    group.addTask {
                        .wrote(try await rewrite(work.file, reader: work.reader, group: unit.group, matched: rows,
                                                 deleted: work.deleted[unit.group], keys: keys, pool: pool, gate: gate,
                                                 upserts: upsertParts), partition: partition)
                    }
                    return true
                }
                func launch() -> Bool {
                    if let index = nextRewrite(orBusy: false) {
                        guard startRewrite(index) else { return false }
                    } else if matchesQueued < matches.count {
                        let unit = matches[matchesQueued]
                        matchesQueued += 1
                        guard let work = works[unit.file] else { return false }
                        group.addTask {
                            let found = try await match(work.file, reader: work.reader, group: unit.group,
                                                        deleted: work.deleted[unit.group], filter: rowGroupFilter)
                            return .matched(unit.file, group: unit.group, rows: found.rows, groups: found.groups, keys: found.keys)
                        }
                    } else if nextFile < candidates.count {
                        let file = candidates[nextFile]
                        let index = nextFile
                        nextFile += 1
                        group.addTask {
                            let reader = try await io.open(file)
                            return .opened(index, reader, try await io.deletedRows(file, reader: reader))
                        }
                    } else if let index = nextRewrite(orBusy: true) {
                        guard startRewrite(index) else { return false }
                    } else {
                        return false
                    }
                    running += 1
                    return true
                }
                while running < tasks, launch() {}
                while let step = try await group.next() {
                    running -= 1
                    switch step {
                    case .opened(let i, let reader, let deleted):
                        let file = candidates[i]
                        works[i] = FileWork(file: file, reader: reader, deleted: deleted)
                        result.filesRead += 1
                        result.bytesRead += file.size
                        matches += (0..<reader.rowGroupCount).map { (i, $0) }
                    case .matched(let i, let g, let rows, let groups, let keys):
                        guard var work = works[i] else { break }
                        work.matched[g] = rows
                        work.groups += groups
                        work.pending -= 1
                        work.keys[g] = keys
                        for found in groups { present[Int(found)] = true }
                        if deletionVectors {
                            if work.pending == 0, !work.groups.isEmpty {
                                let found = work.matches
                                if useDeletionVector(found) {
                                    marked.append(found)
                                    work.keys = []
                                } else {
                                    work.deferred = Array(0..<work.reader.rowGroupCount)
                                }
                            }
                        } else if rows.isEmpty, !work.touched {
                            // Kept for a rewrite only if another row group of the file holds a change.
                            work.deferred.append(g)
                        } else {
                            rewrites.append((i, g))
                        }
                        let wholeFileRewrite = deletionVectors && work.pending == 0 && !work.deferred.isEmpty
                        works[i] = work
                        if wholeFileRewrite || (!deletionVectors && !rows.isEmpty) { markTouched(i) }
                        if works[i]?.pending == 0 {
                            if works[i]?.touched == false { works[i]?.keys = [] }
                            scanned += 1
                            options.progress?("\(io.table.root): rewriting: scanned \(scanned)/\(candidates.count) table file(s)")
                        }
                    case .wrote(let adds, let partition):
                        busy[partition, default: 1] -= 1
                        rowGroupsDone += 1
                        result.adds += adds
                        options.progress?("\(io.table.root): rewriting: wrote \(rowGroupsDone)/\(rewrites.count) row group(s)")
                    }
                    while running < tasks, launch() {}
                }
            }
            result.removes = touched.compactMap { works[$0]?.file } + marked.map(\.file)
            result.deletionVectorAdds = try await withDeletionVectors(marked)
            result.adds += try await upsertAdds
            options.progress?("\(io.table.root): after-images written")
            for (partition, batch) in upsertParts?.claimRest() ?? [] {
                result.adds += try await pool.write(batch, partition: partition)
            }
            result.adds += try await pool.finishAll()
        } catch {
            await pool.abortAll()
            throw error
        }

        for g in 0..<resolution.keyCount {
            if resolution.outcome[g] >= 0 {
                if present[g] { result.updated += 1 } else { result.inserted += 1 }
            } else if present[g] {
                result.deleted += 1
            }
        }
        return result
    }

    /// One candidate file in the pipeline of ``apply(snapshot:)`` (owned by its loop, not shared).
    private struct FileWork {
        let file: AddFile
        let reader: ParquetReader
        let deleted: [[Int32]]
        /// The file's partition (``FileWriterPool/id(_:)``): its rewrites' writer.
        let partition: String
        /// Per row group: the matched rows, once matched.
        var matched: [[Int32]?]
        /// Per row group: its key columns as read, kept until its rewrite.
        var keys: [ColumnBatch?]
        var groups: [Int32] = []
        /// Row groups not matched yet.
        var pending: Int
        var touched = false
        /// Matched row groups without changed keys, rewritten if the file turns out to be touched.
        var deferred: [Int] = []

        init(file: AddFile, reader: ParquetReader, deleted: [[Int32]]) {
            self.file = file
            self.reader = reader
            self.deleted = deleted
            partition = FileWriterPool.id(file.partitionValues)
            matched = Array(repeating: nil, count: reader.rowGroupCount)
            keys = Array(repeating: nil, count: reader.rowGroupCount)
            pending = reader.rowGroupCount
        }

        var matches: FileMatches {
            FileMatches(file: file, reader: reader, matched: matched.map { $0 ?? [] }, deleted: deleted, groups: groups)
        }
    }

    /// Finds the rows of changed keys in row group `group` of a file from its key columns. Rows the
    /// file's deletion vector deletes are not in the table: they match nothing.
    private func match(_ file: AddFile, reader: ParquetReader, group g: Int, deleted: [Int32],
                       filter: ChangedKeyFilter) async throws -> (rows: [Int32], groups: [Int32], keys: ColumnBatch?) {
        // A row group whose key statistics rule out every changed key need not be decoded.
        guard filter.mayHold(reader, rowGroup: g) else { return ([], [], nil) }
        let (keys, stored) = try await io.keyColumns(layout.key, of: file, reader: reader, group: g)
        var rows: [Int32] = []
        var groups: [Int32] = []
        if let groupKeys = resolution.index.int64Keys, let values = keys.int64Values {
            // One integer key column: hash and compare integers, no per-row dispatch; dense keys
            // are tested in a bitmap first (most rows hold no changed key).
            let dense = filter.dense
            groupKeys.withUnsafeBufferPointer { groupKeys in
                values.withUnsafeBufferPointer { values in
                    for row in 0..<values.count {
                        let v = values[row]
                        if let dense, !dense.contains(v) { continue }
                        if let found = resolution.index.find(int64: v, hash: KeyColumns.int64Hash(v), keys: groupKeys) {
                            rows.append(Int32(row))
                            groups.append(Int32(found))
                        }
                    }
                }
            }
        } else {
            let hashes = keys.hashes()
            for row in 0..<keys.count {
                if let found = resolution.group(of: keys, row: row, hash: hashes[row]) {
                    rows.append(Int32(row))
                    groups.append(Int32(found))
                }
            }
        }
        // Drop the matches on deleted rows (and their groups) after the fact: it keeps the hot
        // loops above free of a per-row check.
        if !deleted.isEmpty, !rows.isEmpty { filterDeleted(&rows, &groups, deleted) }
        return (rows, groups, stored)
    }

    /// Whether the rows `found` loses (matched + already deleted) are few enough for a deletion vector.
    private func useDeletionVector(_ found: FileMatches) -> Bool {
        // A DV'd file must carry numRecords (readers count its rows from it).
        guard let records = found.file.parsedStats?.numRecords, records == found.reader.numRows, records > 0 else { return false }
        let dropped = found.matched.reduce(0) { $0 + $1.count } + found.deleted.reduce(0) { $0 + $1.count }
        return Double(dropped) < Self.deletionVectorMaxFraction * Double(records)
    }

    /// The files of `marked` with their new deletion vectors, in `marked`'s order; the DV files are
    /// written a few at a time (each is one small put: on S3 the round trips dominate).
    private func withDeletionVectors(_ marked: [FileMatches]) async throws -> [AddFile] {
        var updated = [AddFile?](repeating: nil, count: marked.count)
        try await withThrowingTaskGroup(of: (Int, AddFile).self) { group in
            var next = 0
            for _ in 0..<min(8, marked.count) {
                let i = next
                next += 1
                group.addTask { (i, try await withDeletionVector(marked[i])) }
            }
            while let (i, add) = try await group.next() {
                updated[i] = add
                if next < marked.count {
                    let j = next
                    next += 1
                    group.addTask { (j, try await withDeletionVector(marked[j])) }
                }
            }
        }
        return updated.compactMap { $0 }
    }

    /// `found`'s file with a deletion vector of its matched and already deleted rows (file-wide row
    /// indexes, counted from 0 across row groups); same path, size and partition values, stats with
    /// `tightBounds` false (the minima and maxima may now be of deleted rows).
    private func withDeletionVector(_ found: FileMatches) async throws -> AddFile {
        var rows: [UInt64] = []
        var start: UInt64 = 0
        for g in found.matched.indices {
            for r in DeletedRows.union(found.matched[g], found.deleted[g]) { rows.append(start + UInt64(r)) }
            start += UInt64(max(0, found.reader.metadata.rowGroups[g].numRows))
        }
        let descriptor = try await DeletionVectorStore.write(rows: rows, store: io.table.store, tableRoot: io.table.root)
        var updated = found.file
        updated.deletionVector = descriptor.json
        updated.modificationTime = Int64(Date().timeIntervalSince1970 * 1000)
        if let stats = updated.stats, let json = try? JSONValue.parse(stats), var pairs = json.objectValue {
            pairs.removeAll { $0.0 == "tightBounds" }
            pairs.append(("tightBounds", .bool(false)))
            updated.stats = JSONValue.object(pairs).serialized
        }
        return updated
    }

    /// Removes from `rows` (ascending, this row group's matches, whose groups are the last
    /// `rows.count` entries of `groups`) the rows in `deleted` (ascending).
    private func filterDeleted(_ rows: inout [Int32], _ groups: inout [Int32], _ deleted: [Int32]) {
        let base = groups.count - rows.count
        var keptRows: [Int32] = []
        var keptGroups: [Int32] = []
        var d = 0
        for (i, row) in rows.enumerated() {
            while d < deleted.count, deleted[d] < row { d += 1 }
            if d < deleted.count, deleted[d] == row { continue }
            keptRows.append(row)
            keptGroups.append(groups[base + i])
        }
        groups.removeSubrange(base...)
        groups += keptGroups
        rows = keptRows
    }

    /// Writes the rows of one row group of a touched file that no change touches.
    private func rewrite(_ file: AddFile, reader: ParquetReader, group: Int, matched: [Int32], deleted: [Int32],
                         keys: ColumnBatch?, pool: FileWriterPool, gate: MemoryGate, upserts: UpsertParts?) async throws -> [AddFile] {
        let meta = reader.metadata.rowGroups[group]
        // Decoded rows, the kept copy and the encoded output: about three times the row group's size.
        let estimate = Int(clamping: max(meta.totalByteSize, meta.numRows * 8)) * 3
        let held = await gate.acquire(estimate)
        do {
            var adds = try await rewriteHeld(file, reader: reader, group: group, matched: matched, deleted: deleted,
                                             keys: keys, pool: pool)
            await gate.release(held)
            let partition = file.partitionValues
            for batch in upserts?.claim(partition) ?? [] {
                adds += try await pool.write(batch, partition: partition)
            }
            return adds
        } catch {
            await gate.release(held)
            throw error
        }
    }

    private func rewriteHeld(_ file: AddFile, reader: ParquetReader, group: Int, matched: [Int32], deleted: [Int32],
                             keys: ColumnBatch?, pool: FileWriterPool) async throws -> [AddFile] {
        let batch = try await io.readStored(file, reader: reader, group: group, known: keys)
        // The file is rewritten without its deleted rows (the remove drops its deletion vector).
        let drop = DeletedRows.union(matched, deleted)
        guard !drop.isEmpty else { return try await pool.write(batch, partition: file.partitionValues) }
        // The kept rows: the complement of the (ascending, distinct) dropped rows.
        let rowCount = batch.rowCount
        var previous = -1
        for d in drop {
            guard Int(d) > previous, Int(d) < rowCount else {
                throw MergeError("\(file.path): row group \(group): internal: matched rows are not ascending within its \(rowCount) rows")
            }
            previous = Int(d)
        }
        guard drop.count < rowCount else { return [] }
        let keep = [Int](unsafeUninitializedCapacity: rowCount - drop.count) { out, initialized in
            var row = 0, at = 0
            for d in drop {
                let end = Int(d)
                while row < end {
                    out[at] = row
                    at += 1
                    row += 1
                }
                row = end + 1
            }
            while row < rowCount {
                out[at] = row
                at += 1
                row += 1
            }
            initialized = at
        }
        return try await pool.write(batch, selection: keep, partition: file.partitionValues)
    }

    /// Writes resolved after-images (rows of the change set), each into its partition, a chunk of
    /// ``upsertChunkRows`` at a time.
    private func writeUpserts(_ rows: [Int], pool: FileWriterPool) async throws -> [AddFile] {
        var adds: [AddFile] = []
        var from = 0
        while from < rows.count {
            try Task.checkCancellation()
            let to = min(rows.count, from + Self.upsertChunkRows)
            let batch = try tableRows(resolution.changes.rows.selectingRows(Array(rows[from..<to])))
            for (partition, part) in try split(batch) {
                adds += try await pool.write(io.stored(part), partition: partition)
            }
            from = to
        }
        return adds
    }

    /// The resolved after-images (stored form) per partition, a chunk of ``upsertChunkRows`` at a time.
    private func splitUpserts(_ rows: [Int]) throws -> UpsertParts {
        let parts = UpsertParts()
        var from = 0
        while from < rows.count {
            try Task.checkCancellation()
            let to = min(rows.count, from + Self.upsertChunkRows)
            let batch = try tableRows(resolution.changes.rows.selectingRows(Array(rows[from..<to])))
            for (partition, part) in try split(batch) { parts.add(io.stored(part), partition: partition) }
            from = to
        }
        return parts
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

/// After-images waiting for their partition, each partition's claimed once: by the first rewrite of a
/// file of that partition, or at the end of the round.
final class UpsertParts: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String: (values: PartitionValues, batches: [ColumnBatch])] = [:]
    private var order: [String] = []

    func add(_ batch: ColumnBatch, partition: PartitionValues) {
        let id = FileWriterPool.id(partition)
        lock.withLock {
            if parts[id] == nil { order.append(id) }
            parts[id, default: (partition, [])].batches.append(batch)
        }
    }

    /// The batches of `partition`, the first time it is asked for.
    func claim(_ partition: PartitionValues) -> [ColumnBatch] {
        let id = FileWriterPool.id(partition)
        return lock.withLock { parts.removeValue(forKey: id)?.batches ?? [] }
    }

    /// Every partition not claimed yet, in first-seen order.
    func claimRest() -> [(PartitionValues, ColumnBatch)] {
        lock.withLock {
            var rest: [(PartitionValues, ColumnBatch)] = []
            for id in order {
                guard let part = parts.removeValue(forKey: id) else { continue }
                rest += part.batches.map { (part.values, $0) }
            }
            return rest
        }
    }
}

import DeltaLog
import Foundation
import LakeColumnar

/// The files a round is writing, per partition, shared by the rewrite tasks.
///
/// A task checks out an open file of its partition (or starts one), appends rows outside the lock,
/// and checks it back in; a file that reaches the target size is finished and uploaded. So every
/// task encodes in parallel, a partition ends with at most one partly filled file per task, and
/// files keep bin-packing rows from many source files. When more files are open than
/// ``StreamLimits/openFiles`` (many partitions), the oldest idle one is finished early.
final class FileWriterPool: @unchecked Sendable {
    private let lock = NSLock()
    private let make: @Sendable (PartitionValues) -> StreamingFile
    private let limits: StreamLimits
    private var idle: [String: [StreamingFile]] = [:]
    /// Idle files, oldest first (for early finishing).
    private var idleOrder: [(id: String, file: StreamingFile)] = []
    /// Every file started and not yet finished (to abort them when the round fails).
    private var unfinished: [ObjectIdentifier: StreamingFile] = [:]

    init(limits: StreamLimits, make: @escaping @Sendable (PartitionValues) -> StreamingFile) {
        self.limits = limits
        self.make = make
    }

    static func id(_ values: PartitionValues) -> String {
        values.keys.sorted().map { "\($0)=\(values[$0].flatMap { $0 } ?? "\u{0}")" }.joined(separator: "\u{1}")
    }

    /// Writes `batch` (file schema) into files of `partition` (only its rows at `selection`, ascending
    /// indices, when given: no gathered copy is made); returns the files it completed.
    func write(_ batch: ColumnBatch, selection: [Int]? = nil, partition: PartitionValues) async throws -> [AddFile] {
        let total = selection?.count ?? batch.rowCount
        guard total > 0, batch.rowCount > 0 else { return [] }
        let id = Self.id(partition)
        let perRow = max(1, TableFiles.memoryBytes(batch) / batch.rowCount)
        var adds: [AddFile] = []
        var start = 0
        while start < total {
            let file = checkout(id, partition)
            // Fill the file up to the target size, no further.
            let room = max(1, (limits.fileBytes - file.memoryBytes + perRow - 1) / perRow)
            let end = min(total, start + room)
            if let selection {
                try await file.write(batch, selection: selection[start..<end])
            } else {
                try await file.write(batch, rows: start..<end)
            }
            start = end
            if file.memoryBytes >= limits.fileBytes {
                adds.append(try await finish(file))
            } else if let evicted = checkin(id, file) {
                adds.append(try await finish(evicted))
            }
        }
        return adds
    }

    /// Finishes every open file.
    func finishAll() async throws -> [AddFile] {
        let files: [StreamingFile] = lock.withLock {
            let files = idleOrder.map(\.file)
            idle = [:]
            idleOrder = []
            return files
        }
        return try await withThrowingTaskGroup(of: AddFile.self) { group in
            for file in files { group.addTask { try await self.finish(file) } }
            var adds: [AddFile] = []
            for try await add in group { adds.append(add) }
            return adds
        }
    }

    /// Discards every unfinished file's upload (the round failed; nothing is committed).
    func abortAll() async {
        let files = lock.withLock { Array(unfinished.values) }
        for file in files { await file.abort() }
    }

    private func finish(_ file: StreamingFile) async throws -> AddFile {
        let add = try await file.finish()
        _ = lock.withLock { unfinished.removeValue(forKey: ObjectIdentifier(file)) }
        return add
    }

    private func checkout(_ id: String, _ partition: PartitionValues) -> StreamingFile {
        if let file: StreamingFile = lock.withLock({
            guard var list = idle[id], let file = list.popLast() else { return nil }
            idle[id] = list.isEmpty ? nil : list
            idleOrder.removeAll { $0.file === file }
            return file
        }) {
            return file
        }
        let file = make(partition)
        lock.withLock { unfinished[ObjectIdentifier(file)] = file }
        return file
    }

    /// Returns the file to the pool; hands back the oldest idle file when too many are open.
    private func checkin(_ id: String, _ file: StreamingFile) -> StreamingFile? {
        lock.withLock {
            idle[id, default: []].append(file)
            idleOrder.append((id, file))
            guard idleOrder.count > limits.openFiles else { return nil }
            let oldest = idleOrder.removeFirst()
            if var list = idle[oldest.id] {
                list.removeAll { $0 === oldest.file }
                idle[oldest.id] = list.isEmpty ? nil : list
            }
            return oldest.file
        }
    }
}

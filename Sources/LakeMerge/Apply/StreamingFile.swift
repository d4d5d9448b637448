import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet

/// Holds a Parquet writer's output until it is handed to the store in parts.
final class ChunkSink: ParquetSink {
    private(set) var buffer: [UInt8] = []
    private(set) var total: Int64 = 0
    /// Reserved up front so appends do not copy the growing buffer over and over (pages only
    /// count toward memory once written).
    private let reserve: Int

    init(reserve: Int) { self.reserve = reserve }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.capacity == 0 { buffer.reserveCapacity(max(reserve, bytes.count)) }
        buffer.append(contentsOf: bytes)
        total += Int64(bytes.count)
    }

    func close() throws {}

    /// The bytes written since the last take.
    func take() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }
}

/// Sizes of the streaming rewrite, derived from the memory budget.
struct StreamLimits: Sendable {
    /// Target in-memory bytes of one data file.
    var fileBytes: Int
    /// In-memory bytes of one row group of a written file (what a later rewrite holds per task).
    var rowGroupBytes: Int
    /// Encoded bytes of a file held before they go to the store as a multipart-upload part.
    var partBytes: Int
    /// Files left open (waiting for more rows of their partition) at once.
    var openFiles: Int
    /// Bytes of table rows the rewrite tasks may hold at once.
    var workingBytes: Int

    init(options: CompactOptions, minimumPartSize: Int) {
        let budget = Int(clamping: max(options.memoryBudget, 1 << 20))
        let tasks = max(1, options.parallelism)
        fileBytes = max(1, options.targetFileSize)
        rowGroupBytes = min(max(budget / 256, 1 << 20), 8 << 20)
        partBytes = max(minimumPartSize, min(max(budget / 64, 1 << 20), 64 << 20))
        // Changes take up to a quarter of the budget and resolution about as much again; the rest
        // is for the table rows being rewritten and the files being written.
        workingBytes = max(budget / 2, 1 << 20)
        openFiles = max(2 * tasks, min(64, workingBytes / 4 / max(1, partBytes + rowGroupBytes)))
    }
}

/// One new data file written row group by row group, uploaded in parts as it grows (multipart once it
/// passes ``StreamLimits/partBytes``, one put otherwise). Invisible to readers until the commit names it.
///
/// Used by one task at a time: ``FileWriterPool`` hands it out and takes it back under a lock.
final class StreamingFile: @unchecked Sendable {
    let partition: PartitionValues
    let relativePath: String
    private let key: String
    private let store: any ObjectStore
    private let schema: Schema
    private let options: WriterOptions
    private let limits: StreamLimits
    private let sink: ChunkSink
    private var writer: ParquetWriter?
    private var stats: StatsAccumulator
    private var upload: (any MultipartUpload)?
    private var parts = 0
    /// In-memory bytes of the rows written (what the target file size counts).
    private(set) var memoryBytes = 0

    init(table: DeltaTable, folder: String, partition: PartitionValues, schema: Schema, options: WriterOptions, limits: StreamLimits) {
        self.partition = partition
        relativePath = folder + "part-\(UUID().uuidString.lowercased()).parquet"
        key = table.key(relativePath)
        store = table.store
        self.schema = schema
        self.options = options
        self.limits = limits
        sink = ChunkSink(reserve: limits.partBytes + (1 << 20))
        stats = StatsAccumulator(schema: schema)
    }

    /// Appends rows `rows` of `batch` (in the file schema).
    func write(_ batch: ColumnBatch, rows: Range<Int>) async throws {
        guard !rows.isEmpty else { return }
        let bytes = TableFiles.memoryBytes(batch) * rows.count / max(1, batch.rowCount)
        let writer = try self.writer ?? open(bytesPerRow: max(1, bytes / rows.count))
        try writer.write(batch, rows: rows)
        stats.add(batch, rows: rows)
        memoryBytes += bytes
        if sink.buffer.count >= limits.partBytes { try await uploadPart() }
    }

    /// Appends the rows of `batch` (in the file schema) at `selection` (indices into it, ascending),
    /// without gathering them first.
    func write(_ batch: ColumnBatch, selection: ArraySlice<Int>) async throws {
        guard !selection.isEmpty else { return }
        let bytes = TableFiles.memoryBytes(batch) * selection.count / max(1, batch.rowCount)
        let writer = try self.writer ?? open(bytesPerRow: max(1, bytes / selection.count))
        try selection.withUnsafeBufferPointer { rows in
            try writer.write(batch, selection: rows)
            stats.add(batch, selection: rows)
        }
        memoryBytes += bytes
        if sink.buffer.count >= limits.partBytes { try await uploadPart() }
    }

    /// Closes the file, uploads the rest and returns its `add` action.
    func finish() async throws -> AddFile {
        guard let writer else { throw MergeError("\(key): internal: finishing a file no row was written to") }
        try writer.close()
        let size = sink.total
        if upload == nil {
            try await store.put(key, bytes: sink.take())
        } else {
            try await uploadPart()
            if let upload { _ = try await upload.complete() }
        }
        return AddFile(path: DeltaPaths.encodeURIPath(relativePath), partitionValues: partition, size: size,
                       modificationTime: Int64(Date().timeIntervalSince1970 * 1000), dataChange: true,
                       stats: stats.stats().jsonString(order: schema.names))
    }

    /// Drops a file that will not be committed (a failed round): discards its upload.
    func abort() async {
        if let upload { try? await upload.abort() }
    }

    private func open(bytesPerRow: Int) throws -> ParquetWriter {
        var options = self.options
        // Row groups sized for memory, not rows: a later rewrite holds one per task.
        options.rowGroupRows = max(1024, min(options.rowGroupRows, limits.rowGroupBytes / bytesPerRow))
        let writer: ParquetWriter
        do {
            writer = try ParquetWriter(sink: sink, schema: schema, options: options)
        } catch ParquetError.unsupported {
            // The page codec is not in this build: write uncompressed pages rather than nothing.
            options.compression = .uncompressed
            writer = try ParquetWriter(sink: sink, schema: schema, options: options)
        }
        self.writer = writer
        return writer
    }

    private func uploadPart() async throws {
        let bytes = sink.take()
        guard !bytes.isEmpty else { return }
        let upload: any MultipartUpload
        if let existing = self.upload {
            upload = existing
        } else {
            upload = try await store.startMultipartUpload(key, options: PutOptions())
            self.upload = upload
        }
        parts += 1
        try await upload.uploadPart(number: parts, bytes: bytes)
    }
}

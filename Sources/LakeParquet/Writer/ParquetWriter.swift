import LakeColumnar

/// Writes column batches as a Parquet file to a ``ParquetSink``, streaming: each row group is
/// encoded column by column as rows arrive and written out once full, so memory is bounded by
/// one row group (its encoded pages), not the file.
///
/// ```swift
/// let writer = try ParquetWriter(sink: FileSink(path: "out.parquet"), schema: schema)
/// try writer.write(batch)
/// let footer = try writer.close()
/// ```
public final class ParquetWriter {
    /// `created_by` in the lakectl format parquet-java's VersionParser accepts.
    public static let defaultCreatedBy = "lakectl version 0.1.0 (build lakectl-swift)"

    public let schema: Schema
    public let options: WriterOptions
    private let sink: any ParquetSink
    private var columns: [ColumnChunkWriter]
    private var rowGroups: [RowGroup] = []
    private var rowsInGroup = 0
    private var totalRows: Int64 = 0
    private var offset: Int64 = 0
    private var closed = false

    /// Starts a file: validates the schema and options and writes the leading magic.
    public init(sink: any ParquetSink, schema: Schema, options: WriterOptions = WriterOptions()) throws {
        try SchemaMapping.validate(schema)
        try options.validate()
        self.sink = sink
        self.schema = schema
        self.options = options
        columns = try schema.fields.map { try ColumnChunkWriter(field: $0, options: options) }
        try emit(Array("PAR1".utf8))
    }

    /// Rows written so far.
    public var rowCount: Int64 { totalRows + Int64(rowsInGroup) }

    /// Appends a batch; row groups are closed as they fill.
    public func write(_ batch: ColumnBatch) throws {
        try write(batch, rows: 0..<batch.rowCount)
    }

    /// Appends rows `rows` of a batch (without copying them out first); row groups are closed as
    /// they fill.
    public func write(_ batch: ColumnBatch, rows: Range<Int>) throws {
        guard !closed else { throw ParquetError.invalidArgument("the Parquet writer is already closed") }
        try check(batch)
        guard rows.lowerBound >= 0, rows.upperBound <= batch.rowCount else {
            throw ParquetError.invalidArgument("rows \(rows) are outside the batch's \(batch.rowCount) rows")
        }
        var start = rows.lowerBound
        while start < rows.upperBound {
            // Slices of at most 64Ki rows keep the byte limit of a row group honest.
            let n = min(rows.upperBound - start, options.rowGroupRows - rowsInGroup, 1 << 16)
            for i in columns.indices { try columns[i].append(batch.columns[i], range: start..<(start + n)) }
            rowsInGroup += n
            start += n
            if rowsInGroup >= options.rowGroupRows || columns.reduce(0, { $0 + $1.bufferedBytes }) >= options.rowGroupBytes {
                try flushRowGroup()
            }
        }
    }

    /// Appends the rows of a batch at `selection` (indices in `0..<batch.rowCount`, ascending for
    /// speed; repeats allowed) without gathering them first: the file is byte for byte the one
    /// `write(batch.gather(selection))` gives. Row groups are closed as they fill.
    public func write(_ batch: ColumnBatch, selection: UnsafeBufferPointer<Int>) throws {
        guard !closed else { throw ParquetError.invalidArgument("the Parquet writer is already closed") }
        for row in selection where row < 0 || row >= batch.rowCount {
            throw ParquetError.invalidArgument("selected row \(row) is outside the batch's \(batch.rowCount) rows")
        }
        try check(batch, selection: selection)
        var at = 0
        while at < selection.count {
            // The slices ``write(_:rows:)`` takes of the gathered rows, so pages and row groups match.
            let n = min(selection.count - at, options.rowGroupRows - rowsInGroup, 1 << 16)
            let part = UnsafeBufferPointer(rebasing: selection[at..<(at + n)])
            for i in columns.indices { try columns[i].append(batch.columns[i], selection: part) }
            rowsInGroup += n
            at += n
            if rowsInGroup >= options.rowGroupRows || columns.reduce(0, { $0 + $1.bufferedBytes }) >= options.rowGroupBytes {
                try flushRowGroup()
            }
        }
    }

    /// Appends the rows of a batch at `selection` (see the buffer-pointer form).
    public func write(_ batch: ColumnBatch, selection: [Int]) throws {
        try selection.withUnsafeBufferPointer { try write(batch, selection: $0) }
    }

    /// Writes the open row group and the footer, closes the sink and returns the footer.
    @discardableResult
    public func close() throws -> FileMetaData {
        guard !closed else { throw ParquetError.invalidArgument("the Parquet writer is already closed") }
        try flushRowGroup()
        closed = true
        let kv = options.keyValueMetadata
        let footer = FileMetaData(
            version: 1, schema: SchemaMapping.schemaElements(for: schema), numRows: totalRows, rowGroups: rowGroups,
            keyValueMetadata: kv.isEmpty ? nil : kv, createdBy: options.createdBy,
            columnOrders: Array(repeating: .typeOrder, count: schema.fields.count))
        let bytes = footer.serialized()
        try emit(bytes)
        try emit(le(UInt32(bytes.count)))
        try emit(Array("PAR1".utf8))
        try sink.close()
        return footer
    }

    /// Checks the batch against the file schema; with a `selection` (in range), nulls in a
    /// non-nullable column only count in selected rows.
    private func check(_ batch: ColumnBatch, selection: UnsafeBufferPointer<Int>? = nil) throws {
        guard batch.schema.fields.count == schema.fields.count else {
            throw ParquetError.schemaMismatch("batch has \(batch.schema.fields.count) columns, the file \(schema.fields.count)")
        }
        for (i, (have, want)) in zip(batch.schema.fields, schema.fields).enumerated() {
            guard have.name == want.name, have.type == want.type else {
                throw ParquetError.schemaMismatch("batch column \(i) is \(have.name) \(have.type), the file expects \(want.name) \(want.type)")
            }
            let column = batch.columns[i]
            guard column.count == batch.rowCount else {
                throw ParquetError.schemaMismatch("column \(want.name) has \(column.count) rows, the batch \(batch.rowCount)")
            }
            if !want.nullable, let validity = column.validity, validity.count == batch.rowCount,
               validity.nonzeroBitCount != validity.count, selection?.contains(where: { !validity[$0] }) ?? true {
                throw ParquetError.schemaMismatch("column \(want.name) is not nullable but the batch has nulls in it")
            }
            if let validity = column.validity, validity.count != batch.rowCount {
                throw ParquetError.schemaMismatch("column \(want.name): validity has \(validity.count) bits for \(batch.rowCount) rows")
            }
        }
    }

    private func flushRowGroup() throws {
        guard rowsInGroup > 0 else { return }
        var chunks: [ColumnChunk] = []
        chunks.reserveCapacity(columns.count)
        let groupStart = offset
        var totalByteSize: Int64 = 0
        for i in columns.indices {
            let encoded = try columns[i].finish()
            let physicalType = columns[i].physicalType, name = columns[i].field.name
            let chunkStart = offset
            let dictionaryOffset: Int64? = encoded.dictionaryPage.isEmpty ? nil : chunkStart
            try emit(encoded.dictionaryPage)
            let dataOffset = offset
            try columns[i].drainPages { try emit($0) }
            let meta = ColumnMetaData(
                type: physicalType, encodings: encoded.encodings, pathInSchema: [name], codec: options.compression,
                numValues: encoded.numValues, totalUncompressedSize: encoded.totalUncompressedSize,
                totalCompressedSize: offset - chunkStart, dataPageOffset: dataOffset, dictionaryPageOffset: dictionaryOffset,
                statistics: encoded.statistics, encodingStats: encoded.encodingStats)
            totalByteSize += encoded.totalUncompressedSize
            chunks.append(ColumnChunk(fileOffset: 0, metaData: meta))
        }
        rowGroups.append(RowGroup(columns: chunks, totalByteSize: totalByteSize, numRows: Int64(rowsInGroup), fileOffset: groupStart,
                                  totalCompressedSize: offset - groupStart, ordinal: Int16(exactly: rowGroups.count)))
        totalRows += Int64(rowsInGroup)
        rowsInGroup = 0
    }

    private func emit(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try sink.write(bytes)
        offset += Int64(bytes.count)
    }
}

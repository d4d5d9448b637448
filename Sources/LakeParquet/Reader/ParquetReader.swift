import LakeColumnar

/// Reads flat Parquet files into ``ColumnBatch``es, one row group at a time.
///
/// Only the footer (one suffix read) and the column chunks of the projected columns are
/// fetched from the ``ByteRangeSource``; chunks of a row group are fetched and decoded
/// concurrently. Every error names the file, and where it applies the row group, column and page.
public struct ParquetReader: Sendable {
    /// How much of the file's end the first read fetches; most footers fit.
    public static let footerPrefetch = 64 * 1024

    public let source: any ByteRangeSource
    public let metadata: FileMetaData
    public let fileSize: Int64
    /// Every leaf column, readable or not.
    public let columns: [ParquetColumnDescriptor]

    /// The file's name or URL.
    public var name: String { source.name }
    public var numRows: Int64 { metadata.numRows }
    public var rowGroupCount: Int { metadata.rowGroups.count }

    /// Opens a local file.
    public static func open(path: String) async throws -> ParquetReader {
        try await open(LocalFileSource(path: path))
    }

    /// Reads and validates the footer of `source`.
    public static func open(_ source: any ByteRangeSource) async throws -> ParquetReader {
        let name = source.name
        var (tail, size) = try await source.readSuffix(length: footerPrefetch)
        guard size >= 12, tail.count >= 8 else {
            throw ParquetError.invalidFile("\(name): \(size) bytes is too small to be a Parquet file")
        }
        let magic = Array(tail[(tail.count - 4)...])
        if magic == Array("PARE".utf8) {
            throw ParquetError.unsupported("\(name): the footer is encrypted (PARE), which lakectl does not read")
        }
        guard magic == Array("PAR1".utf8) else {
            throw ParquetError.invalidFile("\(name): does not end with the PAR1 magic (not a Parquet file, or truncated)")
        }
        let lengthBytes = Array(tail[(tail.count - 8)..<(tail.count - 4)])
        var footerLength: Int64 = 0
        for (i, b) in lengthBytes.enumerated() { footerLength |= Int64(b) << Int64(8 * i) }
        guard footerLength > 0, footerLength <= size - 12 else {
            throw ParquetError.invalidFile("\(name): footer length \(footerLength) does not fit the \(size)-byte file (truncated or corrupt)")
        }
        if footerLength + 8 > Int64(tail.count) {
            tail = try await source.read(offset: size - footerLength - 8, length: Int(footerLength) + 8)
            guard tail.count == Int(footerLength) + 8 else {
                throw ParquetError.io("\(name): short read of the \(footerLength)-byte footer")
            }
        }
        let footerStart = tail.count - 8 - Int(footerLength)
        let metadata: FileMetaData
        do {
            var reader = ThriftCompactReader(tail[footerStart..<(tail.count - 8)])
            metadata = try FileMetaData(from: &reader)
        } catch let error as ParquetError {
            throw ParquetError.corruptMetadata("\(name): the footer does not decode: \(Self.message(of: error))")
        }
        let columns: [ParquetColumnDescriptor]
        do {
            columns = try ParquetSchemaWalker.leaves(of: metadata.schema)
        } catch let error as ParquetError {
            throw ParquetError.corruptMetadata("\(name): \(Self.message(of: error))")
        }
        guard metadata.numRows >= 0 else {
            throw ParquetError.corruptMetadata("\(name): the footer claims \(metadata.numRows) rows")
        }
        for (g, group) in metadata.rowGroups.enumerated() {
            guard group.columns.count == columns.count else {
                throw ParquetError.corruptMetadata("\(name): row group \(g) has \(group.columns.count) column chunks but the schema has \(columns.count) leaf columns")
            }
            guard group.numRows >= 0, group.numRows <= Int64(Int32.max) * 64 else {
                throw ParquetError.corruptMetadata("\(name): row group \(g) claims \(group.numRows) rows")
            }
        }
        return ParquetReader(source: source, metadata: metadata, fileSize: size, columns: columns)
    }

    static func message(of error: ParquetError) -> String {
        switch error {
        case .corruptMetadata(let m), .corruptPage(let m), .invalidFile(let m), .unsupported(let m),
             .schemaMismatch(let m), .invalidArgument(let m), .io(let m): m
        }
    }

    // MARK: Schema

    /// The leaf named `name` (dotted path for nested leaves).
    public func column(named name: String) -> ParquetColumnDescriptor? { columns.first { $0.name == name } }

    /// The leaves to read: the named ones in the order given, or every flat column.
    /// - Throws: ``ParquetError/invalidArgument(_:)`` for an unknown name,
    ///   ``ParquetError/unsupported(_:)`` for a column lakectl cannot read.
    public func projection(_ names: [String]?) throws -> [ParquetColumnDescriptor] {
        guard let names else {
            for c in columns where c.dataType == nil {
                throw ParquetError.unsupported("\(name): \(c.unsupportedReason ?? "column \(c.name) cannot be read"); choose other columns with --columns")
            }
            return columns
        }
        return try names.map { n in
            guard let c = column(named: n) else {
                throw ParquetError.invalidArgument("\(name): no column \(n) (columns: \(columns.map(\.name).joined(separator: ", ")))")
            }
            guard c.dataType != nil else {
                throw ParquetError.unsupported("\(name): \(c.unsupportedReason ?? "column \(n) cannot be read")")
            }
            return c
        }
    }

    /// The lakectl schema of the projected columns.
    public func schema(columns names: [String]? = nil) throws -> Schema {
        Schema(try projection(names).compactMap(\.field))
    }

    // MARK: Reading

    /// Reads row group `index`, only the named columns (all when `nil`).
    public func readRowGroup(_ index: Int, columns names: [String]? = nil) async throws -> ColumnBatch {
        let selected = try projection(names)
        return try await readRowGroup(index, selected)
    }

    /// Reads every row group (or those the predicates may match) as one batch per row group, all in
    /// memory at once; use ``readRowGroup(_:columns:)`` to stream.
    public func readBatches(columns names: [String]? = nil, where predicates: [ColumnPredicate] = []) async throws -> [ColumnBatch] {
        let selected = try projection(names)
        let groups = try rowGroups(matching: predicates)
        // Row groups decode concurrently (their columns do too); results keep file order.
        return try await withThrowingTaskGroup(of: (Int, ColumnBatch).self) { tasks in
            for (position, g) in groups.enumerated() {
                tasks.addTask { (position, try await self.readRowGroup(g, selected)) }
            }
            var batches = [ColumnBatch?](repeating: nil, count: groups.count)
            for try await (position, batch) in tasks { batches[position] = batch }
            return batches.compactMap { $0 }
        }
    }

    func readRowGroup(_ index: Int, _ selected: [ParquetColumnDescriptor]) async throws -> ColumnBatch {
        guard metadata.rowGroups.indices.contains(index) else {
            throw ParquetError.invalidArgument("\(name): no row group \(index) (the file has \(rowGroupCount))")
        }
        let group = metadata.rowGroups[index]
        let rowCount = Int(group.numRows)
        let schema = Schema(selected.compactMap(\.field))
        let source = self.source
        let name = self.name
        var ranges: [(start: Int64, length: Int)] = []
        for descriptor in selected {
            ranges.append(try chunkRange(group: index, descriptor: descriptor))
        }
        // Largest chunks first: with fewer threads than chunks the last one to finish is then a
        // small one, not the biggest column started last.
        let order = selected.indices.sorted {
            let a = group.columns[selected[$0].leafIndex].metaData?.totalUncompressedSize ?? 0
            let b = group.columns[selected[$1].leafIndex].metaData?.totalUncompressedSize ?? 0
            return a != b ? a > b : $0 < $1
        }
        let columns = try await withThrowingTaskGroup(of: (Int, Column).self) { tasks in
            for position in order {
                let descriptor = selected[position]
                let range = ranges[position]
                guard let meta = group.columns[descriptor.leafIndex].metaData else { continue }
                tasks.addTask {
                    let bytes = try await source.read(offset: range.start, length: range.length)
                    guard bytes.count == range.length else {
                        throw ParquetError.corruptPage("\(name): row group \(index), column \(descriptor.name): the chunk at \(range.start) of \(range.length) bytes runs past the end of the file")
                    }
                    do {
                        var decoder = try ColumnChunkDecoder(descriptor: descriptor, meta: meta)
                        return (position, try decoder.decode(chunk: bytes, expectedRows: rowCount))
                    } catch let error as ParquetDecodingError {
                        throw ParquetError.corruptPage("\(name): row group \(index), column \(descriptor.name): \(error.message)")
                    } catch let error as ParquetError {
                        switch error {
                        case .unsupported(let m): throw ParquetError.unsupported("\(name): row group \(index), column \(descriptor.name): \(m)")
                        default: throw ParquetError.corruptPage("\(name): row group \(index), column \(descriptor.name): \(Self.message(of: error))")
                        }
                    }
                }
            }
            var result = [Column?](repeating: nil, count: selected.count)
            for try await (position, column) in tasks { result[position] = column }
            return result.compactMap { $0 }
        }
        // ColumnBatch's preconditions must hold for any input; check them as errors first.
        guard columns.count == schema.fields.count else {
            throw ParquetError.corruptMetadata("\(name): row group \(index): a column chunk has no metadata")
        }
        for (field, column) in zip(schema.fields, columns) where column.count != rowCount || column.storage.kind != field.type.storageKind {
            throw ParquetError.corruptPage("\(name): row group \(index), column \(field.name): \(column.count) values for \(rowCount) rows")
        }
        return ColumnBatch(schema: schema, columns: columns, rowCount: rowCount)
    }

    /// Where a column chunk's pages are: from the dictionary page (if any) for total_compressed_size bytes.
    func chunkRange(group: Int, descriptor: ParquetColumnDescriptor) throws -> (start: Int64, length: Int) {
        let chunk = metadata.rowGroups[group].columns[descriptor.leafIndex]
        let context = "\(name): row group \(group), column \(descriptor.name)"
        if chunk.filePath != nil {
            throw ParquetError.unsupported("\(context): the chunk lives in another file (\(chunk.filePath ?? "")), which lakectl does not read")
        }
        guard let meta = chunk.metaData else {
            throw ParquetError.corruptMetadata("\(context): the column chunk has no metadata")
        }
        guard meta.type == descriptor.physicalType else {
            throw ParquetError.corruptMetadata("\(context): the chunk's type \(meta.type) differs from the schema's \(descriptor.physicalType)")
        }
        var start = meta.dataPageOffset
        if let dictionaryOffset = meta.dictionaryPageOffset, dictionaryOffset > 0, dictionaryOffset < start {
            start = dictionaryOffset
        }
        let length = meta.totalCompressedSize
        guard start >= 0, length >= 0, start <= fileSize, length <= fileSize - start else {
            throw ParquetError.corruptMetadata("\(context): the chunk at offset \(start) of \(length) bytes lies outside the \(fileSize)-byte file")
        }
        return (start, Int(length))
    }
}

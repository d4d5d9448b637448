/// How many pages of a chunk use a given page type and encoding (parquet.thrift `PageEncodingStats`).
public struct PageEncodingStats: Sendable, Hashable {
    public var pageType: PageType
    public var encoding: Encoding
    public var count: Int32
    public init(pageType: PageType, encoding: Encoding, count: Int32) {
        self.pageType = pageType
        self.encoding = encoding
        self.count = count
    }
}

extension PageEncodingStats: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: pageType.rawValue)
        w.writeField(2, i32: encoding.rawValue)
        w.writeField(3, i32: count)
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var pageType: Int32?, encoding: Int32?, count: Int32?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "PageEncodingStats.page_type"); pageType = try r.readI32()
            case 2: try r.expect(t, .i32, "PageEncodingStats.encoding"); encoding = try r.readI32()
            case 3: try r.expect(t, .i32, "PageEncodingStats.count"); count = try r.readI32()
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let pageType else { throw missingField("PageEncodingStats.page_type") }
        guard let encoding else { throw missingField("PageEncodingStats.encoding") }
        guard let count else { throw missingField("PageEncodingStats.count") }
        self.init(pageType: PageType(rawValue: pageType), encoding: Encoding(rawValue: encoding), count: count)
    }
}

/// The metadata of one column chunk (parquet.thrift `ColumnMetaData`). Sizes include page headers.
public struct ColumnMetaData: Sendable, Hashable {
    public var type: PhysicalType
    public var encodings: [Encoding]
    public var pathInSchema: [String]
    public var codec: ParquetCodec
    /// Values including nulls.
    public var numValues: Int64
    public var totalUncompressedSize: Int64
    public var totalCompressedSize: Int64
    public var keyValueMetadata: [KeyValue]?
    /// The offset of the first data page.
    public var dataPageOffset: Int64
    public var indexPageOffset: Int64?
    /// Set only when the chunk has a dictionary page.
    public var dictionaryPageOffset: Int64?
    public var statistics: Statistics?
    public var encodingStats: [PageEncodingStats]?
    public var bloomFilterOffset: Int64?
    public var bloomFilterLength: Int32?

    public init(type: PhysicalType, encodings: [Encoding], pathInSchema: [String], codec: ParquetCodec, numValues: Int64,
                totalUncompressedSize: Int64, totalCompressedSize: Int64, keyValueMetadata: [KeyValue]? = nil,
                dataPageOffset: Int64, indexPageOffset: Int64? = nil, dictionaryPageOffset: Int64? = nil,
                statistics: Statistics? = nil, encodingStats: [PageEncodingStats]? = nil,
                bloomFilterOffset: Int64? = nil, bloomFilterLength: Int32? = nil) {
        self.type = type
        self.encodings = encodings
        self.pathInSchema = pathInSchema
        self.codec = codec
        self.numValues = numValues
        self.totalUncompressedSize = totalUncompressedSize
        self.totalCompressedSize = totalCompressedSize
        self.keyValueMetadata = keyValueMetadata
        self.dataPageOffset = dataPageOffset
        self.indexPageOffset = indexPageOffset
        self.dictionaryPageOffset = dictionaryPageOffset
        self.statistics = statistics
        self.encodingStats = encodingStats
        self.bloomFilterOffset = bloomFilterOffset
        self.bloomFilterLength = bloomFilterLength
    }
}

extension ColumnMetaData: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: type.rawValue)
        w.writeField(2, i32s: encodings.map(\.rawValue))
        w.writeField(3, strings: pathInSchema)
        w.writeField(4, i32: codec.rawValue)
        w.writeField(5, i64: numValues)
        w.writeField(6, i64: totalUncompressedSize)
        w.writeField(7, i64: totalCompressedSize)
        if let keyValueMetadata { w.writeField(8, structs: keyValueMetadata) }
        w.writeField(9, i64: dataPageOffset)
        if let indexPageOffset { w.writeField(10, i64: indexPageOffset) }
        if let dictionaryPageOffset { w.writeField(11, i64: dictionaryPageOffset) }
        if let statistics { w.writeField(12, struct: statistics) }
        if let encodingStats { w.writeField(13, structs: encodingStats) }
        if let bloomFilterOffset { w.writeField(14, i64: bloomFilterOffset) }
        if let bloomFilterLength { w.writeField(15, i32: bloomFilterLength) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var type: Int32?, encodings: [Int32]?, path: [String]?, codec: Int32?, numValues: Int64?
        var uncompressed: Int64?, compressed: Int64?, kv: [KeyValue]?, dataPageOffset: Int64?, indexPageOffset: Int64?
        var dictionaryPageOffset: Int64?, statistics: Statistics?, encodingStats: [PageEncodingStats]?
        var bloomOffset: Int64?, bloomLength: Int32?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "ColumnMetaData.type"); type = try r.readI32()
            case 2: try r.expect(t, .list, "ColumnMetaData.encodings"); encodings = try r.readI32List("ColumnMetaData.encodings")
            case 3: try r.expect(t, .list, "ColumnMetaData.path_in_schema"); path = try r.readStringList("ColumnMetaData.path_in_schema")
            case 4: try r.expect(t, .i32, "ColumnMetaData.codec"); codec = try r.readI32()
            case 5: try r.expect(t, .i64, "ColumnMetaData.num_values"); numValues = try r.readI64()
            case 6: try r.expect(t, .i64, "ColumnMetaData.total_uncompressed_size"); uncompressed = try r.readI64()
            case 7: try r.expect(t, .i64, "ColumnMetaData.total_compressed_size"); compressed = try r.readI64()
            case 8: try r.expect(t, .list, "ColumnMetaData.key_value_metadata"); kv = try r.readStructList(KeyValue.self, "ColumnMetaData.key_value_metadata")
            case 9: try r.expect(t, .i64, "ColumnMetaData.data_page_offset"); dataPageOffset = try r.readI64()
            case 10: try r.expect(t, .i64, "ColumnMetaData.index_page_offset"); indexPageOffset = try r.readI64()
            case 11: try r.expect(t, .i64, "ColumnMetaData.dictionary_page_offset"); dictionaryPageOffset = try r.readI64()
            case 12: try r.expect(t, .struct, "ColumnMetaData.statistics"); statistics = try Statistics(from: &r)
            case 13: try r.expect(t, .list, "ColumnMetaData.encoding_stats"); encodingStats = try r.readStructList(PageEncodingStats.self, "ColumnMetaData.encoding_stats")
            case 14: try r.expect(t, .i64, "ColumnMetaData.bloom_filter_offset"); bloomOffset = try r.readI64()
            case 15: try r.expect(t, .i32, "ColumnMetaData.bloom_filter_length"); bloomLength = try r.readI32()
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let type else { throw missingField("ColumnMetaData.type") }
        guard let encodings else { throw missingField("ColumnMetaData.encodings") }
        guard let path else { throw missingField("ColumnMetaData.path_in_schema") }
        guard let codec else { throw missingField("ColumnMetaData.codec") }
        guard let numValues else { throw missingField("ColumnMetaData.num_values") }
        guard let uncompressed else { throw missingField("ColumnMetaData.total_uncompressed_size") }
        guard let compressed else { throw missingField("ColumnMetaData.total_compressed_size") }
        guard let dataPageOffset else { throw missingField("ColumnMetaData.data_page_offset") }
        self.init(type: PhysicalType(rawValue: type), encodings: encodings.map { Encoding(rawValue: $0) }, pathInSchema: path,
                  codec: ParquetCodec(rawValue: codec), numValues: numValues, totalUncompressedSize: uncompressed,
                  totalCompressedSize: compressed, keyValueMetadata: kv, dataPageOffset: dataPageOffset,
                  indexPageOffset: indexPageOffset, dictionaryPageOffset: dictionaryPageOffset, statistics: statistics,
                  encodingStats: encodingStats, bloomFilterOffset: bloomOffset, bloomFilterLength: bloomLength)
    }
}

/// A column chunk entry of a row group (parquet.thrift `ColumnChunk`).
public struct ColumnChunk: Sendable, Hashable {
    public var filePath: String?
    /// Deprecated; writers write 0.
    public var fileOffset: Int64
    public var metaData: ColumnMetaData?
    public var offsetIndexOffset: Int64?
    public var offsetIndexLength: Int32?
    public var columnIndexOffset: Int64?
    public var columnIndexLength: Int32?

    public init(filePath: String? = nil, fileOffset: Int64 = 0, metaData: ColumnMetaData?, offsetIndexOffset: Int64? = nil,
                offsetIndexLength: Int32? = nil, columnIndexOffset: Int64? = nil, columnIndexLength: Int32? = nil) {
        self.filePath = filePath
        self.fileOffset = fileOffset
        self.metaData = metaData
        self.offsetIndexOffset = offsetIndexOffset
        self.offsetIndexLength = offsetIndexLength
        self.columnIndexOffset = columnIndexOffset
        self.columnIndexLength = columnIndexLength
    }
}

extension ColumnChunk: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        if let filePath { w.writeField(1, string: filePath) }
        w.writeField(2, i64: fileOffset)
        if let metaData { w.writeField(3, struct: metaData) }
        if let offsetIndexOffset { w.writeField(4, i64: offsetIndexOffset) }
        if let offsetIndexLength { w.writeField(5, i32: offsetIndexLength) }
        if let columnIndexOffset { w.writeField(6, i64: columnIndexOffset) }
        if let columnIndexLength { w.writeField(7, i32: columnIndexLength) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var filePath: String?, fileOffset: Int64?, meta: ColumnMetaData?
        var oiOffset: Int64?, oiLength: Int32?, ciOffset: Int64?, ciLength: Int32?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .binary, "ColumnChunk.file_path"); filePath = try r.readString()
            case 2: try r.expect(t, .i64, "ColumnChunk.file_offset"); fileOffset = try r.readI64()
            case 3: try r.expect(t, .struct, "ColumnChunk.meta_data"); meta = try ColumnMetaData(from: &r)
            case 4: try r.expect(t, .i64, "ColumnChunk.offset_index_offset"); oiOffset = try r.readI64()
            case 5: try r.expect(t, .i32, "ColumnChunk.offset_index_length"); oiLength = try r.readI32()
            case 6: try r.expect(t, .i64, "ColumnChunk.column_index_offset"); ciOffset = try r.readI64()
            case 7: try r.expect(t, .i32, "ColumnChunk.column_index_length"); ciLength = try r.readI32()
            default: try r.skip(t)
            }
        }
        r.endStruct()
        // file_offset is required by the IDL but deprecated; tolerate writers that omit it.
        self.init(filePath: filePath, fileOffset: fileOffset ?? 0, metaData: meta, offsetIndexOffset: oiOffset,
                  offsetIndexLength: oiLength, columnIndexOffset: ciOffset, columnIndexLength: ciLength)
    }
}

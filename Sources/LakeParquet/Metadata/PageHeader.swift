/// The header of a V1 data page (parquet.thrift `DataPageHeader`).
public struct DataPageHeader: Sendable, Hashable {
    /// Values including nulls (the number of levels).
    public var numValues: Int32
    public var encoding: Encoding
    public var definitionLevelEncoding: Encoding
    public var repetitionLevelEncoding: Encoding
    public var statistics: Statistics?

    public init(numValues: Int32, encoding: Encoding, definitionLevelEncoding: Encoding = .rle,
                repetitionLevelEncoding: Encoding = .rle, statistics: Statistics? = nil) {
        self.numValues = numValues
        self.encoding = encoding
        self.definitionLevelEncoding = definitionLevelEncoding
        self.repetitionLevelEncoding = repetitionLevelEncoding
        self.statistics = statistics
    }
}

extension DataPageHeader: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: numValues)
        w.writeField(2, i32: encoding.rawValue)
        w.writeField(3, i32: definitionLevelEncoding.rawValue)
        w.writeField(4, i32: repetitionLevelEncoding.rawValue)
        if let statistics { w.writeField(5, struct: statistics) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var numValues: Int32?, encoding: Int32?, defEncoding: Int32?, repEncoding: Int32?, stats: Statistics?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "DataPageHeader.num_values"); numValues = try r.readI32()
            case 2: try r.expect(t, .i32, "DataPageHeader.encoding"); encoding = try r.readI32()
            case 3: try r.expect(t, .i32, "DataPageHeader.definition_level_encoding"); defEncoding = try r.readI32()
            case 4: try r.expect(t, .i32, "DataPageHeader.repetition_level_encoding"); repEncoding = try r.readI32()
            case 5: try r.expect(t, .struct, "DataPageHeader.statistics"); stats = try Statistics(from: &r)
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let numValues else { throw missingField("DataPageHeader.num_values") }
        guard numValues >= 0 else { throw ParquetError.corruptMetadata("DataPageHeader.num_values is negative (\(numValues))") }
        guard let encoding else { throw missingField("DataPageHeader.encoding") }
        guard let defEncoding else { throw missingField("DataPageHeader.definition_level_encoding") }
        guard let repEncoding else { throw missingField("DataPageHeader.repetition_level_encoding") }
        self.init(numValues: numValues, encoding: Encoding(rawValue: encoding), definitionLevelEncoding: Encoding(rawValue: defEncoding),
                  repetitionLevelEncoding: Encoding(rawValue: repEncoding), statistics: stats)
    }
}

/// The header of a V2 data page (parquet.thrift `DataPageHeaderV2`). Levels are stored
/// uncompressed and without length prefixes before the (possibly compressed) values.
public struct DataPageHeaderV2: Sendable, Hashable {
    public var numValues: Int32
    public var numNulls: Int32
    public var numRows: Int32
    public var encoding: Encoding
    public var definitionLevelsByteLength: Int32
    public var repetitionLevelsByteLength: Int32
    /// Whether the values section is compressed (absent in the file means true).
    public var isCompressed: Bool
    public var statistics: Statistics?

    public init(numValues: Int32, numNulls: Int32, numRows: Int32, encoding: Encoding, definitionLevelsByteLength: Int32,
                repetitionLevelsByteLength: Int32, isCompressed: Bool = true, statistics: Statistics? = nil) {
        self.numValues = numValues
        self.numNulls = numNulls
        self.numRows = numRows
        self.encoding = encoding
        self.definitionLevelsByteLength = definitionLevelsByteLength
        self.repetitionLevelsByteLength = repetitionLevelsByteLength
        self.isCompressed = isCompressed
        self.statistics = statistics
    }
}

extension DataPageHeaderV2: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: numValues)
        w.writeField(2, i32: numNulls)
        w.writeField(3, i32: numRows)
        w.writeField(4, i32: encoding.rawValue)
        w.writeField(5, i32: definitionLevelsByteLength)
        w.writeField(6, i32: repetitionLevelsByteLength)
        w.writeField(7, bool: isCompressed)
        if let statistics { w.writeField(8, struct: statistics) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var numValues: Int32?, numNulls: Int32?, numRows: Int32?, encoding: Int32?, defLength: Int32?, repLength: Int32?
        var isCompressed = true
        var stats: Statistics?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "DataPageHeaderV2.num_values"); numValues = try r.readI32()
            case 2: try r.expect(t, .i32, "DataPageHeaderV2.num_nulls"); numNulls = try r.readI32()
            case 3: try r.expect(t, .i32, "DataPageHeaderV2.num_rows"); numRows = try r.readI32()
            case 4: try r.expect(t, .i32, "DataPageHeaderV2.encoding"); encoding = try r.readI32()
            case 5: try r.expect(t, .i32, "DataPageHeaderV2.definition_levels_byte_length"); defLength = try r.readI32()
            case 6: try r.expect(t, .i32, "DataPageHeaderV2.repetition_levels_byte_length"); repLength = try r.readI32()
            case 7: isCompressed = try r.boolValue(t)
            case 8: try r.expect(t, .struct, "DataPageHeaderV2.statistics"); stats = try Statistics(from: &r)
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let numValues else { throw missingField("DataPageHeaderV2.num_values") }
        guard let numNulls else { throw missingField("DataPageHeaderV2.num_nulls") }
        guard let numRows else { throw missingField("DataPageHeaderV2.num_rows") }
        guard let encoding else { throw missingField("DataPageHeaderV2.encoding") }
        guard let defLength else { throw missingField("DataPageHeaderV2.definition_levels_byte_length") }
        guard let repLength else { throw missingField("DataPageHeaderV2.repetition_levels_byte_length") }
        // num_nulls may be -1 from old parquet-java; readers should count levels instead.
        guard numValues >= 0, numRows >= 0, defLength >= 0, repLength >= 0 else {
            throw ParquetError.corruptMetadata("DataPageHeaderV2 has a negative count or length")
        }
        self.init(numValues: numValues, numNulls: numNulls, numRows: numRows, encoding: Encoding(rawValue: encoding),
                  definitionLevelsByteLength: defLength, repetitionLevelsByteLength: repLength,
                  isCompressed: isCompressed, statistics: stats)
    }
}

/// The header of a dictionary page (parquet.thrift `DictionaryPageHeader`).
public struct DictionaryPageHeader: Sendable, Hashable {
    public var numValues: Int32
    public var encoding: Encoding
    public var isSorted: Bool?

    public init(numValues: Int32, encoding: Encoding = .plain, isSorted: Bool? = nil) {
        self.numValues = numValues
        self.encoding = encoding
        self.isSorted = isSorted
    }
}

extension DictionaryPageHeader: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: numValues)
        w.writeField(2, i32: encoding.rawValue)
        if let isSorted { w.writeField(3, bool: isSorted) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var numValues: Int32?, encoding: Int32?, isSorted: Bool?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "DictionaryPageHeader.num_values"); numValues = try r.readI32()
            case 2: try r.expect(t, .i32, "DictionaryPageHeader.encoding"); encoding = try r.readI32()
            case 3: isSorted = try r.boolValue(t)
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let numValues else { throw missingField("DictionaryPageHeader.num_values") }
        guard numValues >= 0 else { throw ParquetError.corruptMetadata("DictionaryPageHeader.num_values is negative (\(numValues))") }
        guard let encoding else { throw missingField("DictionaryPageHeader.encoding") }
        self.init(numValues: numValues, encoding: Encoding(rawValue: encoding), isSorted: isSorted)
    }
}

/// The header before every page (parquet.thrift `PageHeader`). Sizes exclude the header itself.
public struct PageHeader: Sendable, Hashable {
    public var type: PageType
    public var uncompressedPageSize: Int32
    public var compressedPageSize: Int32
    public var crc: Int32?
    public var dataPageHeader: DataPageHeader?
    public var dictionaryPageHeader: DictionaryPageHeader?
    public var dataPageHeaderV2: DataPageHeaderV2?

    public init(type: PageType, uncompressedPageSize: Int32, compressedPageSize: Int32, crc: Int32? = nil,
                dataPageHeader: DataPageHeader? = nil, dictionaryPageHeader: DictionaryPageHeader? = nil,
                dataPageHeaderV2: DataPageHeaderV2? = nil) {
        self.type = type
        self.uncompressedPageSize = uncompressedPageSize
        self.compressedPageSize = compressedPageSize
        self.crc = crc
        self.dataPageHeader = dataPageHeader
        self.dictionaryPageHeader = dictionaryPageHeader
        self.dataPageHeaderV2 = dataPageHeaderV2
    }

    /// Decodes a page header at the start of `bytes`; returns it and its encoded length.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws -> (header: PageHeader, length: Int) {
        var reader = ThriftCompactReader(bytes)
        let header = try PageHeader(from: &reader)
        return (header, reader.bytesRead)
    }
}

extension PageHeader: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: type.rawValue)
        w.writeField(2, i32: uncompressedPageSize)
        w.writeField(3, i32: compressedPageSize)
        if let crc { w.writeField(4, i32: crc) }
        if let dataPageHeader { w.writeField(5, struct: dataPageHeader) }
        if let dictionaryPageHeader { w.writeField(7, struct: dictionaryPageHeader) }
        if let dataPageHeaderV2 { w.writeField(8, struct: dataPageHeaderV2) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var type: Int32?, uncompressed: Int32?, compressed: Int32?, crc: Int32?
        var v1: DataPageHeader?, dict: DictionaryPageHeader?, v2: DataPageHeaderV2?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "PageHeader.type"); type = try r.readI32()
            case 2: try r.expect(t, .i32, "PageHeader.uncompressed_page_size"); uncompressed = try r.readI32()
            case 3: try r.expect(t, .i32, "PageHeader.compressed_page_size"); compressed = try r.readI32()
            case 4: try r.expect(t, .i32, "PageHeader.crc"); crc = try r.readI32()
            case 5: try r.expect(t, .struct, "PageHeader.data_page_header"); v1 = try DataPageHeader(from: &r)
            case 7: try r.expect(t, .struct, "PageHeader.dictionary_page_header"); dict = try DictionaryPageHeader(from: &r)
            case 8: try r.expect(t, .struct, "PageHeader.data_page_header_v2"); v2 = try DataPageHeaderV2(from: &r)
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let type else { throw missingField("PageHeader.type") }
        guard let uncompressed else { throw missingField("PageHeader.uncompressed_page_size") }
        guard let compressed else { throw missingField("PageHeader.compressed_page_size") }
        guard uncompressed >= 0, compressed >= 0 else {
            throw ParquetError.corruptMetadata("PageHeader has a negative page size (\(uncompressed)/\(compressed))")
        }
        self.init(type: PageType(rawValue: type), uncompressedPageSize: uncompressed, compressedPageSize: compressed, crc: crc,
                  dataPageHeader: v1, dictionaryPageHeader: dict, dataPageHeaderV2: v2)
    }
}

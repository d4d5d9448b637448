/// A sort key of a row group (parquet.thrift `SortingColumn`).
public struct SortingColumn: Sendable, Hashable {
    public var columnIndex: Int32
    public var descending: Bool
    public var nullsFirst: Bool
    public init(columnIndex: Int32, descending: Bool, nullsFirst: Bool) {
        self.columnIndex = columnIndex
        self.descending = descending
        self.nullsFirst = nullsFirst
    }
}

extension SortingColumn: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: columnIndex)
        w.writeField(2, bool: descending)
        w.writeField(3, bool: nullsFirst)
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var column: Int32?, descending: Bool?, nullsFirst: Bool?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "SortingColumn.column_idx"); column = try r.readI32()
            case 2: descending = try r.boolValue(t)
            case 3: nullsFirst = try r.boolValue(t)
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let column else { throw missingField("SortingColumn.column_idx") }
        self.init(columnIndex: column, descending: descending ?? false, nullsFirst: nullsFirst ?? false)
    }
}

/// One row group of the footer (parquet.thrift `RowGroup`).
public struct RowGroup: Sendable, Hashable {
    public var columns: [ColumnChunk]
    /// The sum of the chunks' total_uncompressed_size.
    public var totalByteSize: Int64
    public var numRows: Int64
    public var sortingColumns: [SortingColumn]?
    /// The offset of the first page (dictionary page included) of the first column.
    public var fileOffset: Int64?
    /// The sum of the chunks' total_compressed_size.
    public var totalCompressedSize: Int64?
    public var ordinal: Int16?

    public init(columns: [ColumnChunk], totalByteSize: Int64, numRows: Int64, sortingColumns: [SortingColumn]? = nil,
                fileOffset: Int64? = nil, totalCompressedSize: Int64? = nil, ordinal: Int16? = nil) {
        self.columns = columns
        self.totalByteSize = totalByteSize
        self.numRows = numRows
        self.sortingColumns = sortingColumns
        self.fileOffset = fileOffset
        self.totalCompressedSize = totalCompressedSize
        self.ordinal = ordinal
    }
}

extension RowGroup: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, structs: columns)
        w.writeField(2, i64: totalByteSize)
        w.writeField(3, i64: numRows)
        if let sortingColumns { w.writeField(4, structs: sortingColumns) }
        if let fileOffset { w.writeField(5, i64: fileOffset) }
        if let totalCompressedSize { w.writeField(6, i64: totalCompressedSize) }
        if let ordinal { w.writeField(7, i16: ordinal) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var columns: [ColumnChunk]?, totalByteSize: Int64?, numRows: Int64?, sorting: [SortingColumn]?
        var fileOffset: Int64?, totalCompressed: Int64?, ordinal: Int16?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .list, "RowGroup.columns"); columns = try r.readStructList(ColumnChunk.self, "RowGroup.columns")
            case 2: try r.expect(t, .i64, "RowGroup.total_byte_size"); totalByteSize = try r.readI64()
            case 3: try r.expect(t, .i64, "RowGroup.num_rows"); numRows = try r.readI64()
            case 4: try r.expect(t, .list, "RowGroup.sorting_columns"); sorting = try r.readStructList(SortingColumn.self, "RowGroup.sorting_columns")
            case 5: try r.expect(t, .i64, "RowGroup.file_offset"); fileOffset = try r.readI64()
            case 6: try r.expect(t, .i64, "RowGroup.total_compressed_size"); totalCompressed = try r.readI64()
            case 7: try r.expect(t, .i16, "RowGroup.ordinal"); ordinal = try r.readI16()
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let columns else { throw missingField("RowGroup.columns") }
        guard let totalByteSize else { throw missingField("RowGroup.total_byte_size") }
        guard let numRows else { throw missingField("RowGroup.num_rows") }
        self.init(columns: columns, totalByteSize: totalByteSize, numRows: numRows, sortingColumns: sorting,
                  fileOffset: fileOffset, totalCompressedSize: totalCompressed, ordinal: ordinal)
    }
}

/// The file footer (parquet.thrift `FileMetaData`).
public struct FileMetaData: Sendable, Hashable {
    public var version: Int32
    /// Depth-first, root first.
    public var schema: [SchemaElement]
    public var numRows: Int64
    public var rowGroups: [RowGroup]
    public var keyValueMetadata: [KeyValue]?
    public var createdBy: String?
    /// One per leaf column.
    public var columnOrders: [ColumnOrder]?

    public init(version: Int32, schema: [SchemaElement], numRows: Int64, rowGroups: [RowGroup],
                keyValueMetadata: [KeyValue]? = nil, createdBy: String? = nil, columnOrders: [ColumnOrder]? = nil) {
        self.version = version
        self.schema = schema
        self.numRows = numRows
        self.rowGroups = rowGroups
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
        self.columnOrders = columnOrders
    }
}

extension FileMetaData: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, i32: version)
        w.writeField(2, structs: schema)
        w.writeField(3, i64: numRows)
        w.writeField(4, structs: rowGroups)
        if let keyValueMetadata { w.writeField(5, structs: keyValueMetadata) }
        if let createdBy { w.writeField(6, string: createdBy) }
        if let columnOrders { w.writeField(7, structs: columnOrders) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var version: Int32?, schema: [SchemaElement]?, numRows: Int64?, rowGroups: [RowGroup]?
        var kv: [KeyValue]?, createdBy: String?, orders: [ColumnOrder]?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "FileMetaData.version"); version = try r.readI32()
            case 2: try r.expect(t, .list, "FileMetaData.schema"); schema = try r.readStructList(SchemaElement.self, "FileMetaData.schema")
            case 3: try r.expect(t, .i64, "FileMetaData.num_rows"); numRows = try r.readI64()
            case 4: try r.expect(t, .list, "FileMetaData.row_groups"); rowGroups = try r.readStructList(RowGroup.self, "FileMetaData.row_groups")
            case 5: try r.expect(t, .list, "FileMetaData.key_value_metadata"); kv = try r.readStructList(KeyValue.self, "FileMetaData.key_value_metadata")
            case 6: try r.expect(t, .binary, "FileMetaData.created_by"); createdBy = try r.readString()
            case 7: try r.expect(t, .list, "FileMetaData.column_orders"); orders = try r.readStructList(ColumnOrder.self, "FileMetaData.column_orders")
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let version else { throw missingField("FileMetaData.version") }
        guard let schema else { throw missingField("FileMetaData.schema") }
        guard let numRows else { throw missingField("FileMetaData.num_rows") }
        guard let rowGroups else { throw missingField("FileMetaData.row_groups") }
        self.init(version: version, schema: schema, numRows: numRows, rowGroups: rowGroups, keyValueMetadata: kv,
                  createdBy: createdBy, columnOrders: orders)
    }
}

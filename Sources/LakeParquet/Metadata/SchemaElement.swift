/// One node of the flattened, depth-first Parquet schema (parquet.thrift `SchemaElement`). The
/// root is a group named "schema" with `numChildren` set; leaves have a `type`.
public struct SchemaElement: Sendable, Hashable {
    public var type: PhysicalType?
    /// The width of a FIXED_LEN_BYTE_ARRAY.
    public var typeLength: Int32?
    public var repetitionType: FieldRepetitionType?
    public var name: String
    public var numChildren: Int32?
    public var convertedType: ConvertedType?
    public var scale: Int32?
    public var precision: Int32?
    public var fieldId: Int32?
    public var logicalType: LogicalType?

    public init(type: PhysicalType? = nil, typeLength: Int32? = nil, repetitionType: FieldRepetitionType? = nil,
                name: String, numChildren: Int32? = nil, convertedType: ConvertedType? = nil, scale: Int32? = nil,
                precision: Int32? = nil, fieldId: Int32? = nil, logicalType: LogicalType? = nil) {
        self.type = type
        self.typeLength = typeLength
        self.repetitionType = repetitionType
        self.name = name
        self.numChildren = numChildren
        self.convertedType = convertedType
        self.scale = scale
        self.precision = precision
        self.fieldId = fieldId
        self.logicalType = logicalType
    }
}

extension SchemaElement: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        if let type { w.writeField(1, i32: type.rawValue) }
        if let typeLength { w.writeField(2, i32: typeLength) }
        if let repetitionType { w.writeField(3, i32: repetitionType.rawValue) }
        w.writeField(4, string: name)
        if let numChildren { w.writeField(5, i32: numChildren) }
        if let convertedType { w.writeField(6, i32: convertedType.rawValue) }
        if let scale { w.writeField(7, i32: scale) }
        if let precision { w.writeField(8, i32: precision) }
        if let fieldId { w.writeField(9, i32: fieldId) }
        if let logicalType { w.writeField(10, struct: logicalType) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var type: PhysicalType?, typeLength: Int32?, repetition: FieldRepetitionType?, name: String?
        var numChildren: Int32?, converted: ConvertedType?, scale: Int32?, precision: Int32?, fieldId: Int32?
        var logical: LogicalType?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .i32, "SchemaElement.type"); type = PhysicalType(rawValue: try r.readI32())
            case 2: try r.expect(t, .i32, "SchemaElement.type_length"); typeLength = try r.readI32()
            case 3: try r.expect(t, .i32, "SchemaElement.repetition_type"); repetition = FieldRepetitionType(rawValue: try r.readI32())
            case 4: try r.expect(t, .binary, "SchemaElement.name"); name = try r.readString()
            case 5: try r.expect(t, .i32, "SchemaElement.num_children"); numChildren = try r.readI32()
            case 6: try r.expect(t, .i32, "SchemaElement.converted_type"); converted = ConvertedType(rawValue: try r.readI32())
            case 7: try r.expect(t, .i32, "SchemaElement.scale"); scale = try r.readI32()
            case 8: try r.expect(t, .i32, "SchemaElement.precision"); precision = try r.readI32()
            case 9: try r.expect(t, .i32, "SchemaElement.field_id"); fieldId = try r.readI32()
            case 10: try r.expect(t, .struct, "SchemaElement.logicalType"); logical = try LogicalType(from: &r)
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let name else { throw missingField("SchemaElement.name") }
        self.init(type: type, typeLength: typeLength, repetitionType: repetition, name: name, numChildren: numChildren,
                  convertedType: converted, scale: scale, precision: precision, fieldId: fieldId, logicalType: logical)
    }
}

/// Column chunk or page statistics (parquet.thrift `Statistics`). Values are PLAIN-encoded
/// without a length prefix (an INT64 is 8 bytes little-endian, a string its raw bytes).
public struct Statistics: Sendable, Hashable {
    /// Deprecated max (field 1): signed order; written only for signed-order types.
    public var max: [UInt8]?
    /// Deprecated min (field 2).
    public var min: [UInt8]?
    public var nullCount: Int64?
    public var distinctCount: Int64?
    /// Max in the column's ColumnOrder (field 5).
    public var maxValue: [UInt8]?
    /// Min in the column's ColumnOrder (field 6).
    public var minValue: [UInt8]?
    public var isMaxValueExact: Bool?
    public var isMinValueExact: Bool?
    public var nanCount: Int64?

    public init(max: [UInt8]? = nil, min: [UInt8]? = nil, nullCount: Int64? = nil, distinctCount: Int64? = nil,
                maxValue: [UInt8]? = nil, minValue: [UInt8]? = nil, isMaxValueExact: Bool? = nil,
                isMinValueExact: Bool? = nil, nanCount: Int64? = nil) {
        self.max = max
        self.min = min
        self.nullCount = nullCount
        self.distinctCount = distinctCount
        self.maxValue = maxValue
        self.minValue = minValue
        self.isMaxValueExact = isMaxValueExact
        self.isMinValueExact = isMinValueExact
        self.nanCount = nanCount
    }
}

extension Statistics: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        if let max { w.writeField(1, binary: max) }
        if let min { w.writeField(2, binary: min) }
        if let nullCount { w.writeField(3, i64: nullCount) }
        if let distinctCount { w.writeField(4, i64: distinctCount) }
        if let maxValue { w.writeField(5, binary: maxValue) }
        if let minValue { w.writeField(6, binary: minValue) }
        if let isMaxValueExact { w.writeField(7, bool: isMaxValueExact) }
        if let isMinValueExact { w.writeField(8, bool: isMinValueExact) }
        if let nanCount { w.writeField(9, i64: nanCount) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        self.init()
        try r.beginStruct()
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .binary, "Statistics.max"); max = try r.readBinary()
            case 2: try r.expect(t, .binary, "Statistics.min"); min = try r.readBinary()
            case 3: try r.expect(t, .i64, "Statistics.null_count"); nullCount = try r.readI64()
            case 4: try r.expect(t, .i64, "Statistics.distinct_count"); distinctCount = try r.readI64()
            case 5: try r.expect(t, .binary, "Statistics.max_value"); maxValue = try r.readBinary()
            case 6: try r.expect(t, .binary, "Statistics.min_value"); minValue = try r.readBinary()
            case 7: isMaxValueExact = try r.boolValue(t)
            case 8: isMinValueExact = try r.boolValue(t)
            case 9: try r.expect(t, .i64, "Statistics.nan_count"); nanCount = try r.readI64()
            default: try r.skip(t)
            }
        }
        r.endStruct()
    }
}

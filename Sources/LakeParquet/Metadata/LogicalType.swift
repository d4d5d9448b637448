/// The unit of a TIME or TIMESTAMP logical type (parquet.thrift `TimeUnit`, a union).
public enum TimeUnit: Sendable, Hashable {
    case millis, micros, nanos
}

extension TimeUnit: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        switch self {
        case .millis: w.writeEmptyStructField(1)
        case .micros: w.writeEmptyStructField(2)
        case .nanos: w.writeEmptyStructField(3)
        }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var unit: TimeUnit?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: unit = .millis
            case 2: unit = .micros
            case 3: unit = .nanos
            default: break
            }
            try r.skip(t)
        }
        r.endStruct()
        guard let unit else { throw ParquetError.corruptMetadata("TimeUnit has no known member") }
        self = unit
    }
}

/// The logical type annotation of a schema element (parquet.thrift `LogicalType`, a union).
public enum LogicalType: Sendable, Hashable {
    case string
    case map
    case list
    case `enum`
    case decimal(scale: Int32, precision: Int32)
    case date
    case time(isAdjustedToUTC: Bool, unit: TimeUnit)
    case timestamp(isAdjustedToUTC: Bool, unit: TimeUnit)
    case integer(bitWidth: Int8, isSigned: Bool)
    case unknown
    case json
    case bson
    case uuid
    case float16
    case variant
    case geometry
    case geography
    /// A union member this code does not know (its id; the contents were skipped).
    case other(id: Int16)
}

extension LogicalType: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        switch self {
        case .string: w.writeEmptyStructField(1)
        case .map: w.writeEmptyStructField(2)
        case .list: w.writeEmptyStructField(3)
        case .enum: w.writeEmptyStructField(4)
        case .decimal(let scale, let precision):
            w.writeFieldHeader(id: 5, type: .struct)
            w.beginStruct()
            w.writeField(1, i32: scale)
            w.writeField(2, i32: precision)
            w.endStruct()
        case .date: w.writeEmptyStructField(6)
        case .time(let utc, let unit):
            w.writeFieldHeader(id: 7, type: .struct)
            w.beginStruct()
            w.writeField(1, bool: utc)
            w.writeField(2, struct: unit)
            w.endStruct()
        case .timestamp(let utc, let unit):
            w.writeFieldHeader(id: 8, type: .struct)
            w.beginStruct()
            w.writeField(1, bool: utc)
            w.writeField(2, struct: unit)
            w.endStruct()
        case .integer(let bitWidth, let signed):
            w.writeFieldHeader(id: 10, type: .struct)
            w.beginStruct()
            w.writeField(1, i8: bitWidth)
            w.writeField(2, bool: signed)
            w.endStruct()
        case .unknown: w.writeEmptyStructField(11)
        case .json: w.writeEmptyStructField(12)
        case .bson: w.writeEmptyStructField(13)
        case .uuid: w.writeEmptyStructField(14)
        case .float16: w.writeEmptyStructField(15)
        case .variant: w.writeEmptyStructField(16)
        case .geometry: w.writeEmptyStructField(17)
        case .geography: w.writeEmptyStructField(18)
        case .other(let id): w.writeEmptyStructField(id)
        }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var result: LogicalType?
        while let (t, id) = try r.readFieldHeader() {
            guard result == nil else { try r.skip(t); continue }
            switch id {
            case 5:
                try r.expect(t, .struct, "LogicalType.DECIMAL")
                try r.beginStruct()
                var scale: Int32?, precision: Int32?
                while let (ft, fid) = try r.readFieldHeader() {
                    switch fid {
                    case 1: try r.expect(ft, .i32, "DecimalType.scale"); scale = try r.readI32()
                    case 2: try r.expect(ft, .i32, "DecimalType.precision"); precision = try r.readI32()
                    default: try r.skip(ft)
                    }
                }
                r.endStruct()
                guard let scale else { throw missingField("DecimalType.scale") }
                guard let precision else { throw missingField("DecimalType.precision") }
                result = .decimal(scale: scale, precision: precision)
            case 7, 8:
                try r.expect(t, .struct, "LogicalType.TIME/TIMESTAMP")
                try r.beginStruct()
                var utc: Bool?, unit: TimeUnit?
                while let (ft, fid) = try r.readFieldHeader() {
                    switch fid {
                    case 1: utc = try r.boolValue(ft)
                    case 2: try r.expect(ft, .struct, "TimeUnit"); unit = try TimeUnit(from: &r)
                    default: try r.skip(ft)
                    }
                }
                r.endStruct()
                guard let utc else { throw missingField("isAdjustedToUTC") }
                guard let unit else { throw missingField("unit") }
                result = id == 7 ? .time(isAdjustedToUTC: utc, unit: unit) : .timestamp(isAdjustedToUTC: utc, unit: unit)
            case 10:
                try r.expect(t, .struct, "LogicalType.INTEGER")
                try r.beginStruct()
                var width: Int8?, signed: Bool?
                while let (ft, fid) = try r.readFieldHeader() {
                    switch fid {
                    case 1: try r.expect(ft, .i8, "IntType.bitWidth"); width = try r.readI8()
                    case 2: signed = try r.boolValue(ft)
                    default: try r.skip(ft)
                    }
                }
                r.endStruct()
                guard let width else { throw missingField("IntType.bitWidth") }
                guard let signed else { throw missingField("IntType.isSigned") }
                result = .integer(bitWidth: width, isSigned: signed)
            default:
                try r.skip(t)
                switch id {
                case 1: result = .string
                case 2: result = .map
                case 3: result = .list
                case 4: result = .enum
                case 6: result = .date
                case 11: result = .unknown
                case 12: result = .json
                case 13: result = .bson
                case 14: result = .uuid
                case 15: result = .float16
                case 16: result = .variant
                case 17: result = .geometry
                case 18: result = .geography
                default: result = .other(id: id)
                }
            }
        }
        r.endStruct()
        guard let result else { throw ParquetError.corruptMetadata("LogicalType union is empty") }
        self = result
    }
}

/// The sort order a column's statistics use (parquet.thrift `ColumnOrder`, a union).
public enum ColumnOrder: Sendable, Hashable {
    /// The order defined by the column's logical/physical type (what writers write).
    case typeOrder
    case ieee754TotalOrder
    case other(id: Int16)
}

extension ColumnOrder: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        switch self {
        case .typeOrder: w.writeEmptyStructField(1)
        case .ieee754TotalOrder: w.writeEmptyStructField(2)
        case .other(let id): w.writeEmptyStructField(id)
        }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var result: ColumnOrder?
        while let (t, id) = try r.readFieldHeader() {
            try r.skip(t)
            if result == nil { result = id == 1 ? .typeOrder : id == 2 ? .ieee754TotalOrder : .other(id: id) }
        }
        r.endStruct()
        guard let result else { throw ParquetError.corruptMetadata("ColumnOrder union is empty") }
        self = result
    }
}

/// One key/value metadata entry.
public struct KeyValue: Sendable, Hashable {
    public var key: String
    public var value: String?
    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

extension KeyValue: ThriftCodable {
    public func encode(into w: inout ThriftCompactWriter) {
        w.beginStruct()
        w.writeField(1, string: key)
        if let value { w.writeField(2, string: value) }
        w.endStruct()
    }

    public init(from r: inout ThriftCompactReader) throws {
        try r.beginStruct()
        var key: String?, value: String?
        while let (t, id) = try r.readFieldHeader() {
            switch id {
            case 1: try r.expect(t, .binary, "KeyValue.key"); key = try r.readString()
            case 2: try r.expect(t, .binary, "KeyValue.value"); value = try r.readString()
            default: try r.skip(t)
            }
        }
        r.endStruct()
        guard let key else { throw missingField("KeyValue.key") }
        self.init(key: key, value: value)
    }
}

/// A Thrift struct that encodes itself with ``ThriftCompactWriter`` and decodes with
/// ``ThriftCompactReader``. `encode` writes the whole struct including its stop byte; `init(from:)`
/// reads it, skipping unknown fields and throwing on malformed input or missing required fields.
public protocol ThriftCodable: Sendable {
    func encode(into writer: inout ThriftCompactWriter)
    init(from reader: inout ThriftCompactReader) throws
}

extension ThriftCodable {
    /// The struct encoded on its own (a footer or a page header).
    public func serialized() -> [UInt8] {
        var writer = ThriftCompactWriter()
        encode(into: &writer)
        return writer.bytes
    }

    /// Decodes one struct from the start of `bytes`.
    public init(deserializing bytes: [UInt8]) throws {
        var reader = ThriftCompactReader(bytes)
        try self.init(from: &reader)
    }
}

extension ThriftCompactWriter {
    /// Writes a struct-valued field.
    public mutating func writeField<T: ThriftCodable>(_ id: Int16, struct value: T) {
        writeFieldHeader(id: id, type: .struct)
        value.encode(into: &self)
    }

    /// Writes a list-of-structs field.
    public mutating func writeField<T: ThriftCodable>(_ id: Int16, structs values: [T]) {
        beginListField(id, elementType: .struct, count: values.count)
        for v in values { v.encode(into: &self) }
    }

    /// Writes a list-of-i32 field.
    public mutating func writeField(_ id: Int16, i32s values: [Int32]) {
        beginListField(id, elementType: .i32, count: values.count)
        for v in values { writeI32(v) }
    }

    /// Writes a list-of-i64 field.
    public mutating func writeField(_ id: Int16, i64s values: [Int64]) {
        beginListField(id, elementType: .i64, count: values.count)
        for v in values { writeI64(v) }
    }

    /// Writes a list-of-string field.
    public mutating func writeField(_ id: Int16, strings values: [String]) {
        beginListField(id, elementType: .binary, count: values.count)
        for v in values { writeString(v) }
    }

    /// Writes a list-of-binary field.
    public mutating func writeField(_ id: Int16, binaries values: [[UInt8]]) {
        beginListField(id, elementType: .binary, count: values.count)
        for v in values { writeBinary(v) }
    }

    /// Writes a list-of-bool field (elements 1 = true, 2 = false).
    public mutating func writeField(_ id: Int16, bools values: [Bool]) {
        beginListField(id, elementType: .boolTrue, count: values.count)
        for v in values { writeBoolElement(v) }
    }

    /// Writes an empty struct as a field (a member of a union of empty structs).
    public mutating func writeEmptyStructField(_ id: Int16) {
        writeFieldHeader(id: id, type: .struct)
        beginStruct()
        endStruct()
    }
}

extension ThriftCompactReader {
    /// Throws unless a field has the expected wire type.
    @inline(__always)
    public func expect(_ actual: ThriftCompactType, _ expected: ThriftCompactType, _ field: @autoclosure () -> String) throws {
        if actual == expected { return }
        // Lists and sets share an encoding; bool fields come as either bool type.
        if expected == .list, actual == .set { return }
        if expected == .boolTrue || expected == .boolFalse, actual == .boolTrue || actual == .boolFalse { return }
        throw ParquetError.corruptMetadata("field \(field()) has wire type \(actual.rawValue), expected \(expected.rawValue)")
    }

    public mutating func read<T: ThriftCodable>(_ type: T.Type) throws -> T {
        try T(from: &self)
    }

    public mutating func readStructList<T: ThriftCodable>(_ type: T.Type, _ field: String) throws -> [T] {
        let (elementType, count) = try readListHeader()
        try expect(elementType, .struct, field)
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try T(from: &self)) }
        return result
    }

    public mutating func readI32List(_ field: String) throws -> [Int32] {
        let (elementType, count) = try readListHeader()
        try expect(elementType, .i32, field)
        var result: [Int32] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try readI32()) }
        return result
    }

    public mutating func readI64List(_ field: String) throws -> [Int64] {
        let (elementType, count) = try readListHeader()
        try expect(elementType, .i64, field)
        var result: [Int64] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try readI64()) }
        return result
    }

    public mutating func readStringList(_ field: String) throws -> [String] {
        let (elementType, count) = try readListHeader()
        try expect(elementType, .binary, field)
        var result: [String] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try readString()) }
        return result
    }

    public mutating func readBinaryList(_ field: String) throws -> [[UInt8]] {
        let (elementType, count) = try readListHeader()
        try expect(elementType, .binary, field)
        var result: [[UInt8]] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try readBinary()) }
        return result
    }

    public mutating func readBoolList(_ field: String) throws -> [Bool] {
        let (elementType, count) = try readListHeader()
        try expect(elementType, .boolTrue, field)
        var result: [Bool] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try readBoolElement()) }
        return result
    }

    /// Reads an empty struct (or skips a non-empty one: union members we only need the id of).
    public mutating func skipStructBody() throws { try skip(.struct) }
}

/// The error for a required field that was absent.
func missingField(_ name: String) -> ParquetError {
    .corruptMetadata("required field \(name) is missing")
}

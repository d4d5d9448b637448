/// The wire types of the Thrift compact protocol (the low nibble of a field header or list header).
public enum ThriftCompactType: UInt8, Sendable {
    case stop = 0
    case boolTrue = 1
    case boolFalse = 2
    case i8 = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case `struct` = 12
}

/// Encodes Thrift compact protocol into a growable byte buffer (Parquet footers and page
/// headers). Structs are written field by field in ascending id order between
/// ``beginStruct()`` and ``endStruct()``; the writer tracks the previous field id per nesting
/// level so it can use the one-byte short field header.
public struct ThriftCompactWriter: Sendable {
    /// The encoded bytes so far.
    public var bytes: [UInt8]
    private var lastFieldId: Int16 = 0
    private var lastFieldIdStack: [Int16] = []

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Clears the buffer (keeping its capacity) to encode another message.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        lastFieldId = 0
        lastFieldIdStack.removeAll(keepingCapacity: true)
    }

    // MARK: structs and fields

    /// Starts a nested struct (a struct field's value or a struct list element).
    public mutating func beginStruct() {
        lastFieldIdStack.append(lastFieldId)
        lastFieldId = 0
    }

    /// Writes the stop byte and returns to the enclosing struct.
    public mutating func endStruct() {
        bytes.append(0)
        lastFieldId = lastFieldIdStack.popLast() ?? 0
    }

    /// Writes a field header. Field ids must ascend within a struct.
    public mutating func writeFieldHeader(id: Int16, type: ThriftCompactType) {
        let delta = Int(id) - Int(lastFieldId)
        if delta > 0, delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            writeZigZag(Int64(id))
        }
        lastFieldId = id
    }

    public mutating func writeField(_ id: Int16, i32 value: Int32) {
        writeFieldHeader(id: id, type: .i32)
        writeZigZag(Int64(value))
    }

    public mutating func writeField(_ id: Int16, i64 value: Int64) {
        writeFieldHeader(id: id, type: .i64)
        writeZigZag(value)
    }

    public mutating func writeField(_ id: Int16, i16 value: Int16) {
        writeFieldHeader(id: id, type: .i16)
        writeZigZag(Int64(value))
    }

    public mutating func writeField(_ id: Int16, i8 value: Int8) {
        writeFieldHeader(id: id, type: .i8)
        bytes.append(UInt8(bitPattern: value))
    }

    public mutating func writeField(_ id: Int16, bool value: Bool) {
        writeFieldHeader(id: id, type: value ? .boolTrue : .boolFalse)
    }

    public mutating func writeField(_ id: Int16, double value: Double) {
        writeFieldHeader(id: id, type: .double)
        writeDouble(value)
    }

    public mutating func writeField(_ id: Int16, binary value: [UInt8]) {
        writeFieldHeader(id: id, type: .binary)
        writeBinary(value)
    }

    public mutating func writeField(_ id: Int16, string value: String) {
        writeFieldHeader(id: id, type: .binary)
        writeString(value)
    }

    /// Writes a struct-typed field header and begins the nested struct; close with ``endStruct()``.
    public mutating func beginStructField(_ id: Int16) {
        writeFieldHeader(id: id, type: .struct)
        beginStruct()
    }

    /// Writes a list-typed field header and the list header.
    public mutating func beginListField(_ id: Int16, elementType: ThriftCompactType, count: Int) {
        writeFieldHeader(id: id, type: .list)
        writeListHeader(elementType: elementType, count: count)
    }

    /// Ends the current struct's field list (alias of ``endStruct()`` for the outermost struct).
    public mutating func writeStop() { endStruct() }

    // MARK: values

    public mutating func writeListHeader(elementType: ThriftCompactType, count: Int) {
        if count <= 14 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    @inline(__always)
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always)
    public mutating func writeZigZag(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func writeI32(_ value: Int32) { writeZigZag(Int64(value)) }
    public mutating func writeI64(_ value: Int64) { writeZigZag(value) }

    public mutating func writeDouble(_ value: Double) {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }

    /// A bool list element: 1 = true, 2 = false (what Arrow C++ and arrow-rs write).
    public mutating func writeBoolElement(_ value: Bool) { bytes.append(value ? 1 : 2) }

    public mutating func writeBinary(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
}

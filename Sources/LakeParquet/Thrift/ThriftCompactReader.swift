/// Decodes Thrift compact protocol from a byte buffer (Parquet footers and page headers).
///
/// Every read is bounds-checked: truncated or malformed input throws
/// ``ParquetError/corruptMetadata(_:)``, never traps, and lengths (strings, lists) are checked
/// against the bytes that remain before anything is allocated. Unknown fields are skipped with
/// ``skip(_:)``, whose nesting depth is limited.
public struct ThriftCompactReader: Sendable {
    private let buffer: ArraySlice<UInt8>
    /// The absolute index (in the underlying array) of the next byte to read.
    public private(set) var position: Int
    private var lastFieldId: Int16 = 0
    private var lastFieldIdStack: [Int16] = []
    /// Maximum nesting of structs/lists while skipping or decoding.
    public static let maxDepth = 64

    /// Reads from `bytes` (a whole array or a slice of one; no copy is made).
    public init(_ bytes: ArraySlice<UInt8>) {
        buffer = bytes
        position = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    /// Bytes consumed since the start of the buffer.
    public var bytesRead: Int { position - buffer.startIndex }

    /// Bytes left to read.
    public var remaining: Int { buffer.endIndex - position }

    // MARK: primitives

    @inline(__always)
    public mutating func readByte() throws -> UInt8 {
        guard position < buffer.endIndex else { throw truncated("a byte") }
        let b = buffer[position]
        position += 1
        return b
    }

    public mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < buffer.endIndex else { throw truncated("a varint") }
            let b = buffer[position]
            position += 1
            if shift == 63, b > 1 { throw ParquetError.corruptMetadata("varint overflows 64 bits at byte \(bytesRead - 1)") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ParquetError.corruptMetadata("varint longer than 10 bytes at byte \(bytesRead - 1)") }
        }
    }

    public mutating func readZigZag() throws -> Int64 {
        let v = try readVarint()
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    public mutating func readI64() throws -> Int64 { try readZigZag() }

    public mutating func readI32() throws -> Int32 {
        let v = try readZigZag()
        guard let r = Int32(exactly: v) else { throw ParquetError.corruptMetadata("i32 value \(v) out of range at byte \(bytesRead)") }
        return r
    }

    public mutating func readI16() throws -> Int16 {
        let v = try readZigZag()
        guard let r = Int16(exactly: v) else { throw ParquetError.corruptMetadata("i16 value \(v) out of range at byte \(bytesRead)") }
        return r
    }

    public mutating func readI8() throws -> Int8 { Int8(bitPattern: try readByte()) }

    public mutating func readDouble() throws -> Double {
        guard remaining >= 8 else { throw truncated("a double") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(buffer[position + i]) << (8 * UInt64(i)) }
        position += 8
        return Double(bitPattern: bits)
    }

    /// Reads a length and returns the index range of that many bytes, checked against what is left.
    public mutating func readBinaryRange() throws -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw ParquetError.corruptMetadata("binary length \(length) exceeds the \(remaining) bytes left at byte \(bytesRead)")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    public mutating func readBinary() throws -> [UInt8] { Array(buffer[try readBinaryRange()]) }

    public mutating func readString() throws -> String { String(decoding: buffer[try readBinaryRange()], as: UTF8.self) }

    /// A bool list element: 1 = true; 0 or 2 = false (writers disagree, see parquet.md §1).
    public mutating func readBoolElement() throws -> Bool {
        let b = try readByte()
        switch b {
        case 1: return true
        case 0, 2: return false
        default: throw ParquetError.corruptMetadata("invalid bool list element \(b) at byte \(bytesRead - 1)")
        }
    }

    // MARK: structs and lists

    /// Enters a nested struct (call before reading its fields).
    public mutating func beginStruct() throws {
        guard lastFieldIdStack.count < Self.maxDepth else { throw ParquetError.corruptMetadata("structs nested deeper than \(Self.maxDepth)") }
        lastFieldIdStack.append(lastFieldId)
        lastFieldId = 0
    }

    /// Leaves a nested struct (after its stop byte was read by ``readFieldHeader()``).
    public mutating func endStruct() {
        lastFieldId = lastFieldIdStack.popLast() ?? 0
    }

    /// Reads the next field header; `nil` at the struct's stop byte. For bool fields the value is
    /// the type (``ThriftCompactType/boolTrue`` or ``ThriftCompactType/boolFalse``).
    public mutating func readFieldHeader() throws -> (type: ThriftCompactType, id: Int16)? {
        let byte = try readByte()
        if byte == 0 { return nil }
        guard let type = ThriftCompactType(rawValue: byte & 0x0F) else {
            throw ParquetError.corruptMetadata("invalid field type \(byte & 0x0F) at byte \(bytesRead - 1)")
        }
        let delta = byte >> 4
        let id: Int16
        if delta == 0 {
            id = try readI16()
        } else {
            let (sum, overflow) = lastFieldId.addingReportingOverflow(Int16(delta))
            guard !overflow else { throw ParquetError.corruptMetadata("field id overflow at byte \(bytesRead - 1)") }
            id = sum
        }
        lastFieldId = id
        return (type, id)
    }

    /// Reads a list (or set) header: element type and count. The count is checked against the
    /// remaining bytes (every element takes at least one byte).
    public mutating func readListHeader() throws -> (elementType: ThriftCompactType, count: Int) {
        let byte = try readByte()
        guard let type = ThriftCompactType(rawValue: byte & 0x0F), type != .stop else {
            throw ParquetError.corruptMetadata("invalid list element type \(byte & 0x0F) at byte \(bytesRead - 1)")
        }
        var count = UInt64(byte >> 4)
        if count == 15 { count = try readVarint() }
        guard count <= UInt64(remaining) else {
            throw ParquetError.corruptMetadata("list of \(count) elements exceeds the \(remaining) bytes left at byte \(bytesRead)")
        }
        return (type, Int(count))
    }

    /// Reads a bool field's value from its header type.
    public func boolValue(_ type: ThriftCompactType) throws -> Bool {
        switch type {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw ParquetError.corruptMetadata("expected a bool field, found wire type \(type.rawValue)")
        }
    }

    /// Skips a value of the given wire type (a field value; bools in field position have no payload).
    public mutating func skip(_ type: ThriftCompactType) throws { try skip(type, depth: 0, inList: false) }

    private mutating func skip(_ type: ThriftCompactType, depth: Int, inList: Bool) throws {
        guard depth < Self.maxDepth else { throw ParquetError.corruptMetadata("values nested deeper than \(Self.maxDepth)") }
        switch type {
        case .stop: throw ParquetError.corruptMetadata("unexpected stop type at byte \(bytesRead)")
        case .boolTrue, .boolFalse: if inList { _ = try readByte() }
        case .i8: _ = try readByte()
        case .i16, .i32, .i64: _ = try readVarint()
        case .double:
            guard remaining >= 8 else { throw truncated("a double") }
            position += 8
        case .binary: _ = try readBinaryRange()
        case .list, .set:
            let (elementType, count) = try readListHeader()
            for _ in 0..<count { try skip(elementType, depth: depth + 1, inList: true) }
        case .map:
            let count = try readVarint()
            guard count <= UInt64(remaining) else { throw ParquetError.corruptMetadata("map of \(count) entries exceeds the bytes left") }
            if count > 0 {
                let types = try readByte()
                guard let k = ThriftCompactType(rawValue: types >> 4), let v = ThriftCompactType(rawValue: types & 0x0F), k != .stop, v != .stop else {
                    throw ParquetError.corruptMetadata("invalid map types at byte \(bytesRead - 1)")
                }
                for _ in 0..<count {
                    try skip(k, depth: depth + 1, inList: true)
                    try skip(v, depth: depth + 1, inList: true)
                }
            }
        case .struct:
            try beginStruct()
            while let (fieldType, _) = try readFieldHeader() {
                try skip(fieldType, depth: depth + 1, inList: false)
            }
            endStruct()
        }
    }

    private func truncated(_ what: String) -> ParquetError {
        .corruptMetadata("truncated: expected \(what) at byte \(bytesRead), \(remaining) bytes left")
    }
}

/// Variable-length values (strings, binary) as one contiguous byte buffer plus offsets:
/// value `i` is `bytes[offsets[i] ..< offsets[i + 1]]`. `offsets` has `count + 1` entries.
public struct VarBytes: Sendable, Hashable {
    public var offsets: [Int]
    public var bytes: [UInt8]

    public init() {
        offsets = [0]
        bytes = []
    }

    public init(offsets: [Int], bytes: [UInt8]) {
        precondition(!offsets.isEmpty, "VarBytes offsets need a leading 0")
        self.offsets = offsets
        self.bytes = bytes
    }

    public var count: Int { offsets.count - 1 }

    @inline(__always)
    public subscript(index: Int) -> ArraySlice<UInt8> { bytes[offsets[index]..<offsets[index + 1]] }

    @inline(__always)
    public mutating func append<C: Collection>(_ value: C) where C.Element == UInt8 {
        bytes.append(contentsOf: value)
        offsets.append(bytes.count)
    }

    public mutating func append(_ value: String) {
        var value = value
        value.withUTF8 { bytes.append(contentsOf: $0) }
        offsets.append(bytes.count)
    }

    /// Appends an empty value (used for null slots).
    @inline(__always)
    public mutating func appendEmpty() { offsets.append(bytes.count) }

    /// The value as a `String` (invalid UTF-8 is repaired).
    public func string(at index: Int) -> String { String(decoding: self[index], as: UTF8.self) }

    public mutating func reserveCapacity(values: Int, bytes byteCount: Int) {
        offsets.reserveCapacity(values + 1)
        bytes.reserveCapacity(byteCount)
    }
}

/// The typed, contiguous buffer behind a column. Null slots hold a placeholder (0, false or an
/// empty value) so that index `i` always addresses row `i`.
public enum ColumnStorage: Sendable, Hashable {
    case boolean([Bool])
    case int8([Int8])
    case int16([Int16])
    case int32([Int32])
    case int64([Int64])
    case float32([Float])
    case float64([Double])
    case int128([Int128])
    case bytes(VarBytes)

    public enum Kind: Sendable, Hashable {
        case boolean, int8, int16, int32, int64, float32, float64, int128, bytes
    }

    public var kind: Kind {
        switch self {
        case .boolean: .boolean
        case .int8: .int8
        case .int16: .int16
        case .int32: .int32
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .int128: .int128
        case .bytes: .bytes
        }
    }

    public var count: Int {
        switch self {
        case .boolean(let v): v.count
        case .int8(let v): v.count
        case .int16(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .float32(let v): v.count
        case .float64(let v): v.count
        case .int128(let v): v.count
        case .bytes(let v): v.count
        }
    }

    /// An empty buffer of the given kind.
    public static func empty(_ kind: Kind) -> ColumnStorage {
        switch kind {
        case .boolean: .boolean([])
        case .int8: .int8([])
        case .int16: .int16([])
        case .int32: .int32([])
        case .int64: .int64([])
        case .float32: .float32([])
        case .float64: .float64([])
        case .int128: .int128([])
        case .bytes: .bytes(VarBytes())
        }
    }
}

/// One column of a batch: typed values plus an optional validity bitmap (`nil` = no nulls).
public struct Column: Sendable, Hashable {
    public var storage: ColumnStorage
    /// Bit `i` set = row `i` has a value. `nil` when every row has one.
    public var validity: Bitmap?

    public init(_ storage: ColumnStorage, validity: Bitmap? = nil) {
        precondition(validity == nil || validity?.count == storage.count, "validity length differs from values")
        self.storage = storage
        self.validity = validity
    }

    public var count: Int { storage.count }

    @inline(__always)
    public func isNull(_ row: Int) -> Bool { validity.map { !$0[row] } ?? false }

    public var nullCount: Int { validity.map { $0.count - $0.nonzeroBitCount } ?? 0 }
}

/// A set of equally long columns under a schema: the unit every reader produces and every
/// writer consumes.
public struct ColumnBatch: Sendable, Hashable {
    public var schema: Schema
    public var columns: [Column]
    public var rowCount: Int

    /// - Precondition: one column per field, each `rowCount` long, of the field's storage kind.
    public init(schema: Schema, columns: [Column], rowCount: Int) {
        precondition(schema.fields.count == columns.count, "one column per field")
        for (field, column) in zip(schema.fields, columns) {
            precondition(column.count == rowCount, "column \(field.name) has \(column.count) rows, expected \(rowCount)")
            precondition(column.storage.kind == field.type.storageKind, "column \(field.name) storage does not match \(field.type)")
        }
        self.schema = schema
        self.columns = columns
        self.rowCount = rowCount
    }

    /// The column with this name, if any.
    public func column(named name: String) -> Column? { schema.index(of: name).map { columns[$0] } }
}

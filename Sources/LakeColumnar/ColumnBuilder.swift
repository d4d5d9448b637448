/// Builds one column value by value: typed appends go straight into the contiguous buffer of the
/// column's storage kind; nulls append a placeholder and clear the validity bit.
///
/// Use the append method matching the type's storage (``DataType/storageKind``): `Int32` for
/// int32 and date, `Int64` for int64 and timestamps, `Int128` for decimals, bytes for string and
/// binary. ``append(_:)-(Value)`` converts a ``Value`` and checks it.
public struct ColumnBuilder: Sendable {
    public let type: DataType
    private var booleans: [Bool] = []
    private var int8s: [Int8] = []
    private var int16s: [Int16] = []
    private var int32s: [Int32] = []
    private var int64s: [Int64] = []
    private var float32s: [Float] = []
    private var float64s: [Double] = []
    private var int128s: [Int128] = []
    private var bytes = VarBytes()
    /// nil until the first null: columns without nulls never pay for a bitmap.
    private var validity: Bitmap?
    private var rowCount = 0
    public private(set) var nullCount = 0

    public init(type: DataType, capacity: Int = 0) {
        self.type = type
        reserveCapacity(capacity)
    }

    public var count: Int { rowCount }

    public mutating func reserveCapacity(_ n: Int) {
        guard n > 0 else { return }
        validity?.reserveCapacity(n)
        switch type.storageKind {
        case .boolean: booleans.reserveCapacity(n)
        case .int8: int8s.reserveCapacity(n)
        case .int16: int16s.reserveCapacity(n)
        case .int32: int32s.reserveCapacity(n)
        case .int64: int64s.reserveCapacity(n)
        case .float32: float32s.reserveCapacity(n)
        case .float64: float64s.reserveCapacity(n)
        case .int128: int128s.reserveCapacity(n)
        case .bytes: bytes.reserveCapacity(values: n, bytes: n * 16)
        }
    }

    public mutating func appendNull() {
        switch type.storageKind {
        case .boolean: booleans.append(false)
        case .int8: int8s.append(0)
        case .int16: int16s.append(0)
        case .int32: int32s.append(0)
        case .int64: int64s.append(0)
        case .float32: float32s.append(0)
        case .float64: float64s.append(0)
        case .int128: int128s.append(0)
        case .bytes: bytes.appendEmpty()
        }
        if validity == nil { validity = Bitmap(repeating: true, count: rowCount) }
        validity?.append(false)
        rowCount += 1
        nullCount += 1
    }

    /// Records one present value (the bitmap only exists once a null was seen).
    @inline(__always) private mutating func present() {
        if validity != nil { validity?.append(true) }
        rowCount += 1
    }

    @inline(__always) public mutating func append(_ v: Bool) { assert(type.storageKind == .boolean); booleans.append(v); present() }
    @inline(__always) public mutating func append(_ v: Int8) { assert(type.storageKind == .int8); int8s.append(v); present() }
    @inline(__always) public mutating func append(_ v: Int16) { assert(type.storageKind == .int16); int16s.append(v); present() }
    @inline(__always) public mutating func append(_ v: Int32) { assert(type.storageKind == .int32); int32s.append(v); present() }
    @inline(__always) public mutating func append(_ v: Int64) { assert(type.storageKind == .int64); int64s.append(v); present() }
    @inline(__always) public mutating func append(_ v: Float) { assert(type.storageKind == .float32); float32s.append(v); present() }
    @inline(__always) public mutating func append(_ v: Double) { assert(type.storageKind == .float64); float64s.append(v); present() }
    @inline(__always) public mutating func append(_ v: Int128) { assert(type.storageKind == .int128); int128s.append(v); present() }

    /// Appends a string or binary value from raw bytes.
    @inline(__always) public mutating func appendBytes(_ v: UnsafeBufferPointer<UInt8>) {
        assert(type.storageKind == .bytes)
        bytes.bytes.append(contentsOf: v)
        bytes.offsets.append(bytes.bytes.count)
        present()
    }

    public mutating func appendBytes(_ v: some Collection<UInt8>) {
        assert(type.storageKind == .bytes)
        bytes.append(v)
        present()
    }

    public mutating func append(_ v: String) {
        assert(type.storageKind == .bytes)
        bytes.append(v)
        present()
    }

    /// Appends an integer to any integer-stored type, checking its range.
    public mutating func appendInteger(_ v: Int64) throws(ColumnarError) {
        switch type.storageKind {
        case .int8:
            guard let x = Int8(exactly: v) else { throw .valueOutOfRange("\(v)", type) }
            append(x)
        case .int16:
            guard let x = Int16(exactly: v) else { throw .valueOutOfRange("\(v)", type) }
            append(x)
        case .int32:
            guard let x = Int32(exactly: v) else { throw .valueOutOfRange("\(v)", type) }
            append(x)
        case .int64: append(v)
        default: throw .typeMismatch("integer \(v)", type)
        }
    }

    /// Appends a ``Value`` of a matching kind (an int for any integer type, a double for float
    /// columns, ...); throws ``ColumnarError`` when it does not fit.
    public mutating func append(_ value: Value) throws(ColumnarError) {
        switch (value, type) {
        case (.null, _): appendNull()
        case (.boolean(let v), .boolean): append(v)
        case (.int(let v), .int8), (.int(let v), .int16), (.int(let v), .int32), (.int(let v), .int64): try appendInteger(v)
        case (.int(let v), .float64): append(Double(v))
        case (.int(let v), .float32): append(Float(v))
        case (.int(let v), .decimal(let p, let s)):
            guard let scaled = ValueText.rescale(Int128(v), from: 0, to: s), ValueText.fits(scaled, precision: p) else {
                throw .valueOutOfRange("\(v)", type)
            }
            append(scaled)
        case (.float(let v), .float32): append(v)
        case (.float(let v), .float64): append(Double(v))
        case (.double(let v), .float64): append(v)
        case (.double(let v), .float32): append(Float(v))
        case (.decimal(let v, let scale), .decimal(let p, let s)):
            guard let scaled = ValueText.rescale(v, from: scale, to: s), ValueText.fits(scaled, precision: p) else {
                throw .valueOutOfRange(Value.decimal(v, scale: scale).description, type)
            }
            append(scaled)
        case (.string(let v), .string): append(v)
        case (.binary(let v), .binary), (.binary(let v), .string): appendBytes(v)
        case (.date(let v), .date): append(v)
        case (.timestamp(let v, _), .timestamp): append(v)
        default: throw .typeMismatch(value.description, type)
        }
    }

    /// Removes the last appended value (used to roll back a partially parsed row).
    public mutating func removeLast() {
        guard count > 0 else { return }
        let wasNull = validity.map { !$0[count - 1] } ?? false
        switch type.storageKind {
        case .boolean: booleans.removeLast()
        case .int8: int8s.removeLast()
        case .int16: int16s.removeLast()
        case .int32: int32s.removeLast()
        case .int64: int64s.removeLast()
        case .float32: float32s.removeLast()
        case .float64: float64s.removeLast()
        case .int128: int128s.removeLast()
        case .bytes:
            bytes.offsets.removeLast()
            bytes.bytes.removeSubrange((bytes.offsets.last ?? 0)...)
        }
        let n = count - 1
        if var bits = validity?.bytes {
            if n % 8 == 0 { bits.removeLast() } else { bits[n >> 3] &= UInt8((1 << (n & 7)) - 1) }
            validity = Bitmap(bytes: bits, count: n)
        }
        rowCount = n
        if wasNull { nullCount -= 1 }
    }

    /// Whether the last appended value is non-null (false when empty).
    public var lastIsValid: Bool {
        guard rowCount > 0 else { return false }
        return validity.map { $0[rowCount - 1] } ?? true
    }

    /// Bytes of value payload held (fixed-width values, or string/binary bytes): for size limits.
    public var payloadBytes: Int {
        switch type.storageKind {
        case .boolean, .int8: rowCount
        case .int16: rowCount * 2
        case .int32, .float32: rowCount * 4
        case .int64, .float64: rowCount * 8
        case .int128: rowCount * 16
        case .bytes: bytes.bytes.count
        }
    }

    /// The column built so far; the builder is reset (empty, same type) afterwards. With
    /// `keepingCapacity` (the default) it reserves room for as many rows again, for a next batch of
    /// the same size; without, it lets go of the memory (many idle builders).
    public mutating func finish(keepingCapacity: Bool) -> Column {
        let byteCount = bytes.bytes.count
        let storage: ColumnStorage
        switch type.storageKind {
        case .boolean: storage = .boolean(booleans); booleans = []
        case .int8: storage = .int8(int8s); int8s = []
        case .int16: storage = .int16(int16s); int16s = []
        case .int32: storage = .int32(int32s); int32s = []
        case .int64: storage = .int64(int64s); int64s = []
        case .float32: storage = .float32(float32s); float32s = []
        case .float64: storage = .float64(float64s); float64s = []
        case .int128: storage = .int128(int128s); int128s = []
        case .bytes: storage = .bytes(bytes); bytes = VarBytes()
        }
        let column = Column(storage, validity: nullCount == 0 ? nil : validity)
        let rows = rowCount
        validity = nil
        rowCount = 0
        nullCount = 0
        // The next batch is likely as large: allocate once instead of growing by doubling.
        if keepingCapacity {
            reserveCapacity(rows)
            if type.storageKind == .bytes { bytes.reserveCapacity(values: rows, bytes: byteCount) }
        }
        return column
    }

    /// The column built so far; the builder is reset (empty, same type) afterwards, with room
    /// reserved for as many rows again.
    public mutating func finish() -> Column { finish(keepingCapacity: true) }
}

/// Errors of column operations and value conversion.
public enum ColumnarError: Error, Sendable, Hashable, CustomStringConvertible {
    case typeMismatch(String, DataType)
    case valueOutOfRange(String, DataType)
    case schemaMismatch(String)
    case unknownColumn(String, available: [String])

    public var description: String {
        switch self {
        case .typeMismatch(let v, let t): "value \(v) cannot be stored in a \(t) column"
        case .valueOutOfRange(let v, let t): "value \(v) is out of range for \(t)"
        case .schemaMismatch(let m): "schemas differ: \(m)"
        case .unknownColumn(let n, let available): "no column named '\(n)' (columns: \(available.joined(separator: ", ")))"
        }
    }
}

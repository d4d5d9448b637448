import LakeColumnar

/// Accumulates one column's values in its typed storage (no per-value boxing), with validity.
/// Appends convert from the widest carrier (`Int64`, `Double`, `Int128`, bytes) to the column's
/// storage kind and report `false` when the value does not fit, so callers can name the column.
final class ColumnBuilder {
    private(set) var type: DataType
    let kind: ColumnStorage.Kind
    private var bools: [Bool] = []
    private var i8: [Int8] = []
    private var i16: [Int16] = []
    private var i32: [Int32] = []
    private var i64: [Int64] = []
    private var f32: [Float] = []
    private var f64: [Double] = []
    private var i128: [Int128] = []
    private var bytes = VarBytes()
    private var validity = Bitmap()
    private var nulls = 0
    private(set) var count = 0

    init(_ type: DataType, reserve: Int = 0) {
        self.type = type
        kind = type.storageKind
        if reserve > 0 { validity.reserveCapacity(reserve) }
    }

    /// Bytes of payload held (for the --max-bytes limit).
    var approximateBytes: Int {
        switch kind {
        case .boolean, .int8: count
        case .int16: count * 2
        case .int32, .float32: count * 4
        case .int64, .float64: count * 8
        case .int128: count * 16
        case .bytes: bytes.bytes.count + count * 8
        }
    }

    @inline(__always)
    private func present() {
        validity.append(true)
        count += 1
    }

    func appendNull() {
        switch kind {
        case .boolean: bools.append(false)
        case .int8: i8.append(0)
        case .int16: i16.append(0)
        case .int32: i32.append(0)
        case .int64: i64.append(0)
        case .float32: f32.append(0)
        case .float64: f64.append(0)
        case .int128: i128.append(0)
        case .bytes: bytes.appendEmpty()
        }
        validity.append(false)
        nulls += 1
        count += 1
    }

    /// Appends an integer to an integer, decimal (as unscaled, i.e. the caller scales) or float column.
    @inline(__always)
    func appendInt(_ v: Int64) -> Bool {
        switch kind {
        case .int64: i64.append(v)
        case .int32: guard let x = Int32(exactly: v) else { return false }; i32.append(x)
        case .int16: guard let x = Int16(exactly: v) else { return false }; i16.append(x)
        case .int8: guard let x = Int8(exactly: v) else { return false }; i8.append(x)
        case .float64: f64.append(Double(v))
        case .float32: f32.append(Float(v))
        case .int128: i128.append(Int128(v))
        case .boolean, .bytes: return false
        }
        present()
        return true
    }

    @inline(__always)
    func appendDouble(_ v: Double) -> Bool {
        switch kind {
        case .float64: f64.append(v)
        case .float32: f32.append(Float(v))
        default: return false
        }
        present()
        return true
    }

    @inline(__always)
    func appendBool(_ v: Bool) -> Bool {
        guard kind == .boolean else { return false }
        bools.append(v)
        present()
        return true
    }

    @inline(__always)
    func appendInt128(_ v: Int128) -> Bool {
        guard kind == .int128 else { return false }
        i128.append(v)
        present()
        return true
    }

    @inline(__always)
    func appendBytes(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        guard kind == .bytes else { return false }
        // A string column holds UTF-8 only: readers (pyarrow, DuckDB) reject files with invalid bytes.
        if type == .string && !Self.isValidUTF8(v) { return false }
        bytes.append(v)
        present()
        return true
    }

    @inline(__always)
    func appendBytes(_ v: [UInt8]) -> Bool {
        guard kind == .bytes else { return false }
        if type == .string && !v.withUnsafeBufferPointer({ Self.isValidUTF8($0) }) { return false }
        bytes.append(v)
        present()
        return true
    }

    /// ASCII fast path, then full validation (overlongs, surrogates and truncated sequences fail).
    @inline(__always)
    static func isValidUTF8(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        var ascii = true
        for byte in v where byte >= 0x80 { ascii = false; break }
        return ascii || String(validating: v, as: UTF8.self) != nil
    }

    /// Whether the last appended value is non-null.
    var lastIsValid: Bool { count > 0 && validity[count - 1] }

    /// Removes the last value (used when a later column of the same row fails).
    func removeLast() {
        guard count > 0 else { return }
        switch kind {
        case .boolean: bools.removeLast()
        case .int8: i8.removeLast()
        case .int16: i16.removeLast()
        case .int32: i32.removeLast()
        case .int64: i64.removeLast()
        case .float32: f32.removeLast()
        case .float64: f64.removeLast()
        case .int128: i128.removeLast()
        case .bytes:
            bytes.offsets.removeLast()
            bytes.bytes.removeLast(bytes.bytes.count - (bytes.offsets.last ?? 0))
        }
        let wasNull = !validity[count - 1]
        if wasNull { nulls -= 1 }
        var bits = validity
        bits = Bitmap(bytes: bits.bytes, count: count - 1)
        validity = bits
        count -= 1
    }

    /// Takes the built column and resets the builder.
    func finish() -> Column {
        let storage: ColumnStorage
        switch kind {
        case .boolean: storage = .boolean(bools); bools = []
        case .int8: storage = .int8(i8); i8 = []
        case .int16: storage = .int16(i16); i16 = []
        case .int32: storage = .int32(i32); i32 = []
        case .int64: storage = .int64(i64); i64 = []
        case .float32: storage = .float32(f32); f32 = []
        case .float64: storage = .float64(f64); f64 = []
        case .int128: storage = .int128(i128); i128 = []
        case .bytes: storage = .bytes(bytes); bytes = VarBytes()
        }
        let column = Column(storage, validity: nulls > 0 ? validity : nil)
        validity = Bitmap()
        nulls = 0
        count = 0
        return column
    }
}

/// The builder as a target of LakeColumnar's text parser (``ValueText/parse(_:as:options:into:)``),
/// which calls only the append of the column's storage kind and checks UTF-8 itself.
extension ColumnBuilder: TypedValueSink {
    func appendParsed(_ v: Bool) { bools.append(v); present() }
    func appendParsed(_ v: Int8) { i8.append(v); present() }
    func appendParsed(_ v: Int16) { i16.append(v); present() }
    func appendParsed(_ v: Int32) { i32.append(v); present() }
    func appendParsed(_ v: Int64) { i64.append(v); present() }
    func appendParsed(_ v: Float) { f32.append(v); present() }
    func appendParsed(_ v: Double) { f64.append(v); present() }
    func appendParsed(_ v: Int128) { i128.append(v); present() }
    func appendParsed(bytes v: UnsafeBufferPointer<UInt8>) { bytes.append(v); present() }
}

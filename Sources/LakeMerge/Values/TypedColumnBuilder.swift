import LakeColumnar

/// Builds one column of a given type from text fields (or nulls), appending into contiguous typed
/// buffers (one per storage kind; only the type's is used). Used by the DMS CSV reader; a parse
/// failure returns `false` so the caller can name the file, row and column.
struct TypedColumnBuilder {
    let type: DataType
    private var bools: [Bool] = []
    private var i8: [Int8] = []
    private var i16: [Int16] = []
    private var i32: [Int32] = []
    private var i64: [Int64] = []
    private var f32: [Float] = []
    private var f64: [Double] = []
    private var i128: [Int128] = []
    private var bytes = VarBytes()
    private(set) var validity = Bitmap()
    private(set) var nullCount = 0

    init(type: DataType, capacity: Int = 0) {
        self.type = type
        validity.reserveCapacity(capacity)
    }

    var count: Int { validity.count }

    mutating func appendNull() {
        validity.append(false)
        nullCount += 1
        switch type.storageKind {
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
    }

    /// Parses and appends `text`; `false` (nothing appended) when it is not a value of ``type``.
    mutating func append(text: UnsafeBufferPointer<UInt8>) -> Bool {
        switch type {
        case .boolean:
            guard let x = TextValueParser.boolean(text) else { return false }
            bools.append(x)
        case .int8:
            guard let x = TextValueParser.int64(text), let y = Int8(exactly: x) else { return false }
            i8.append(y)
        case .int16:
            guard let x = TextValueParser.int64(text), let y = Int16(exactly: x) else { return false }
            i16.append(y)
        case .int32:
            guard let x = TextValueParser.int64(text), let y = Int32(exactly: x) else { return false }
            i32.append(y)
        case .date:
            guard let x = TextValueParser.date(text) else { return false }
            i32.append(x)
        case .int64:
            guard let x = TextValueParser.int64(text) else { return false }
            i64.append(x)
        case .timestamp:
            guard let x = TextValueParser.timestamp(text) else { return false }
            i64.append(x)
        case .float32:
            guard let x = TextValueParser.double(text) else { return false }
            f32.append(Float(x))
        case .float64:
            guard let x = TextValueParser.double(text) else { return false }
            f64.append(x)
        case .decimal(let p, let s):
            guard let x = TextValueParser.decimal(text, precision: p, scale: s) else { return false }
            i128.append(x)
        case .string:
            bytes.append(text)
        case .binary:
            guard let x = TextValueParser.hexBytes(text) else { return false }
            bytes.append(x)
        }
        validity.append(true)
        return true
    }

    func finish() -> Column {
        let storage: ColumnStorage
        switch type.storageKind {
        case .boolean: storage = .boolean(bools)
        case .int8: storage = .int8(i8)
        case .int16: storage = .int16(i16)
        case .int32: storage = .int32(i32)
        case .int64: storage = .int64(i64)
        case .float32: storage = .float32(f32)
        case .float64: storage = .float64(f64)
        case .int128: storage = .int128(i128)
        case .bytes: storage = .bytes(bytes)
        }
        return Column(storage, validity: nullCount == 0 ? nil : validity)
    }
}

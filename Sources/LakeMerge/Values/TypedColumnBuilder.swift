import LakeColumnar

/// Builds one column of a given type from text fields (or nulls), appending into contiguous typed
/// buffers. Used by the DMS CSV reader; a parse failure returns `false` so the caller can name the
/// file, row and column.
struct TypedColumnBuilder {
    let type: DataType
    private(set) var storage: ColumnStorage
    private(set) var validity = Bitmap()
    private(set) var nullCount = 0

    init(type: DataType, capacity: Int = 0) {
        self.type = type
        storage = .empty(type.storageKind)
        validity.reserveCapacity(capacity)
    }

    var count: Int { validity.count }

    mutating func appendNull() {
        validity.append(false)
        nullCount += 1
        switch storage {
        case .boolean(var v): storage = .int8([]); v.append(false); storage = .boolean(v)
        case .int8(var v): storage = .boolean([]); v.append(0); storage = .int8(v)
        case .int16(var v): storage = .boolean([]); v.append(0); storage = .int16(v)
        case .int32(var v): storage = .boolean([]); v.append(0); storage = .int32(v)
        case .int64(var v): storage = .boolean([]); v.append(0); storage = .int64(v)
        case .float32(var v): storage = .boolean([]); v.append(0); storage = .float32(v)
        case .float64(var v): storage = .boolean([]); v.append(0); storage = .float64(v)
        case .int128(var v): storage = .boolean([]); v.append(0); storage = .int128(v)
        case .bytes(var v): storage = .boolean([]); v.appendEmpty(); storage = .bytes(v)
        }
    }

    /// Parses and appends `text`; `false` (nothing appended) when it is not a value of ``type``.
    mutating func append(text: UnsafeBufferPointer<UInt8>) -> Bool {
        // The `storage = .boolean([])` dance releases the enum's reference so the array is
        // uniquely owned and appends in place instead of copying.
        switch (type, storage) {
        case (.boolean, .boolean(var v)):
            guard let x = TextValueParser.boolean(text) else { return false }
            storage = .int8([]); v.append(x); storage = .boolean(v)
        case (.int8, .int8(var v)):
            guard let x = TextValueParser.int64(text), let y = Int8(exactly: x) else { return false }
            storage = .boolean([]); v.append(y); storage = .int8(v)
        case (.int16, .int16(var v)):
            guard let x = TextValueParser.int64(text), let y = Int16(exactly: x) else { return false }
            storage = .boolean([]); v.append(y); storage = .int16(v)
        case (.int32, .int32(var v)):
            guard let x = TextValueParser.int64(text), let y = Int32(exactly: x) else { return false }
            storage = .boolean([]); v.append(y); storage = .int32(v)
        case (.date, .int32(var v)):
            guard let x = TextValueParser.date(text) else { return false }
            storage = .boolean([]); v.append(x); storage = .int32(v)
        case (.int64, .int64(var v)):
            guard let x = TextValueParser.int64(text) else { return false }
            storage = .boolean([]); v.append(x); storage = .int64(v)
        case (.timestamp, .int64(var v)):
            guard let x = TextValueParser.timestamp(text) else { return false }
            storage = .boolean([]); v.append(x); storage = .int64(v)
        case (.float32, .float32(var v)):
            guard let x = TextValueParser.double(text) else { return false }
            storage = .boolean([]); v.append(Float(x)); storage = .float32(v)
        case (.float64, .float64(var v)):
            guard let x = TextValueParser.double(text) else { return false }
            storage = .boolean([]); v.append(x); storage = .float64(v)
        case (.decimal(let p, let s), .int128(var v)):
            guard let x = TextValueParser.decimal(text, precision: p, scale: s) else { return false }
            storage = .boolean([]); v.append(x); storage = .int128(v)
        case (.string, .bytes(var v)):
            storage = .boolean([]); v.append(text); storage = .bytes(v)
        case (.binary, .bytes(var v)):
            guard let x = TextValueParser.hexBytes(text) else { return false }
            storage = .boolean([]); v.append(x); storage = .bytes(v)
        default:
            return false
        }
        validity.append(true)
        return true
    }

    func finish() -> Column {
        Column(storage, validity: nullCount == 0 ? nil : validity)
    }
}

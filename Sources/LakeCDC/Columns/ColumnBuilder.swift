import LakeColumnar

/// One column of a table's buffered batch. The values live in LakeColumnar's
/// ``LakeColumnar/ColumnBuilder`` (one typed contiguous buffer plus validity); this reference
/// wrapper adds what the decoders need: appends from the widest carrier (`Int64`, `Double`,
/// `Int128`, bytes) converted to the column's storage, reporting `false` when the value does not
/// fit so callers can name the column, UTF-8 checks for strings, and a size for `--max-bytes`.
final class ColumnBuilder {
    let type: DataType
    let kind: ColumnStorage.Kind
    private var values: LakeColumnar.ColumnBuilder

    init(_ type: DataType, reserve: Int = 0) {
        self.type = type
        kind = type.storageKind
        values = LakeColumnar.ColumnBuilder(type: type, capacity: reserve)
    }

    var count: Int { values.count }

    /// Bytes of payload held (for the --max-bytes limit): values, plus an offset per string.
    var approximateBytes: Int { kind == .bytes ? values.payloadBytes + values.count * 8 : values.payloadBytes }

    func appendNull() { values.appendNull() }

    /// Appends an integer to an integer, decimal (as unscaled, i.e. the caller scales) or float column.
    @inline(__always)
    func appendInt(_ v: Int64) -> Bool {
        switch kind {
        case .int64: values.append(v)
        case .int32: guard let x = Int32(exactly: v) else { return false }; values.append(x)
        case .int16: guard let x = Int16(exactly: v) else { return false }; values.append(x)
        case .int8: guard let x = Int8(exactly: v) else { return false }; values.append(x)
        case .float64: values.append(Double(v))
        case .float32: values.append(Float(v))
        case .int128: values.append(Int128(v))
        case .boolean, .bytes: return false
        }
        return true
    }

    @inline(__always)
    func appendDouble(_ v: Double) -> Bool {
        switch kind {
        case .float64: values.append(v)
        case .float32: values.append(Float(v))
        default: return false
        }
        return true
    }

    @inline(__always)
    func appendBool(_ v: Bool) -> Bool {
        guard kind == .boolean else { return false }
        values.append(v)
        return true
    }

    @inline(__always)
    func appendInt128(_ v: Int128) -> Bool {
        guard kind == .int128 else { return false }
        values.append(v)
        return true
    }

    @inline(__always)
    func appendBytes(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        guard kind == .bytes else { return false }
        // A string column holds UTF-8 only: readers (pyarrow, DuckDB) reject files with invalid bytes.
        if type == .string && !ValueText.isValidUTF8(v) { return false }
        values.appendBytes(v)
        return true
    }

    @inline(__always)
    func appendBytes(_ v: [UInt8]) -> Bool {
        v.withUnsafeBufferPointer { appendBytes($0) }
    }

    /// Whether the last appended value is non-null.
    var lastIsValid: Bool { values.lastIsValid }

    /// Removes the last value (used when a later column of the same row fails).
    func removeLast() { values.removeLast() }

    /// Takes the built column and resets the builder, letting go of its memory (a table may stay
    /// idle for long after a flush).
    func finish() -> Column { values.finish(keepingCapacity: false) }
}

/// The builder as a target of LakeColumnar's text parser (``ValueText/parse(_:as:options:into:)``),
/// which calls only the append of the column's storage kind and checks UTF-8 itself.
extension ColumnBuilder: TypedValueSink {
    func appendParsed(_ v: Bool) { values.append(v) }
    func appendParsed(_ v: Int8) { values.append(v) }
    func appendParsed(_ v: Int16) { values.append(v) }
    func appendParsed(_ v: Int32) { values.append(v) }
    func appendParsed(_ v: Int64) { values.append(v) }
    func appendParsed(_ v: Float) { values.append(v) }
    func appendParsed(_ v: Double) { values.append(v) }
    func appendParsed(_ v: Int128) { values.append(v) }
    func appendParsed(bytes v: UnsafeBufferPointer<UInt8>) { values.appendBytes(v) }
}

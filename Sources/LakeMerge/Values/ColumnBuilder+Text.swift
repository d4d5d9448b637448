import LakeColumnar

extension ColumnBuilder {
    /// Parses `text` with the DMS/Delta text rules of ``TextValueParser`` and appends it to the
    /// column's typed buffer; `false` (nothing appended) when it is not a value of ``type``, so the
    /// caller can name the file, row and column. Binary is hex (optionally `\x`-prefixed).
    mutating func append(text: UnsafeBufferPointer<UInt8>) -> Bool {
        switch type {
        case .boolean:
            guard let x = TextValueParser.boolean(text) else { return false }
            append(x)
        case .int8:
            guard let x = TextValueParser.int64(text), let y = Int8(exactly: x) else { return false }
            append(y)
        case .int16:
            guard let x = TextValueParser.int64(text), let y = Int16(exactly: x) else { return false }
            append(y)
        case .int32:
            guard let x = TextValueParser.int64(text), let y = Int32(exactly: x) else { return false }
            append(y)
        case .date:
            guard let x = TextValueParser.date(text) else { return false }
            append(x)
        case .int64:
            guard let x = TextValueParser.int64(text) else { return false }
            append(x)
        case .timestamp:
            guard let x = TextValueParser.timestamp(text) else { return false }
            append(x)
        case .float32:
            guard let x = TextValueParser.double(text) else { return false }
            append(Float(x))
        case .float64:
            guard let x = TextValueParser.double(text) else { return false }
            append(x)
        case .decimal(let p, let s):
            guard let x = TextValueParser.decimal(text, precision: p, scale: s) else { return false }
            append(x)
        case .string:
            appendBytes(text)
        case .binary:
            guard let x = TextValueParser.hexBytes(text) else { return false }
            appendBytes(x)
        }
        return true
    }
}

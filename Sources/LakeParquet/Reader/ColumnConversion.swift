import LakeColumnar

/// Turns physical values into a column of the descriptor's logical type: narrows INT32 to
/// int8/int16, widens unsigned types, converts timestamp units to microseconds, decimals to
/// unscaled `Int128`, FLOAT16 to float.
enum ColumnConversion {
    static func column(from values: PhysicalValues, descriptor: ParquetColumnDescriptor, validity: Bitmap?) throws -> Column {
        guard let type = descriptor.dataType else {
            throw ParquetDecodingError(descriptor.unsupportedReason ?? "column \(descriptor.name) cannot be read")
        }
        let element = descriptor.element
        let storage: ColumnStorage
        switch (values.physicalType, type) {
        case (.boolean, .boolean):
            storage = .boolean(values.bools)
        case (.int32, .int8):
            storage = .int8(values.int32s.map { Int8(truncatingIfNeeded: $0) })
        case (.int32, .int16):
            storage = .int16(values.int32s.map { Int16(truncatingIfNeeded: $0) })
        case (.int32, .int32), (.int32, .date):
            if isUnsigned(element) {
                storage = .int32(values.int32s.map { Int32(truncatingIfNeeded: UInt32(bitPattern: $0)) })
            } else {
                storage = .int32(values.int32s)
            }
        case (.int32, .int64):
            // UINT_32 widens to int64.
            storage = .int64(values.int32s.map { Int64(UInt32(bitPattern: $0)) })
        case (.int32, .decimal):
            storage = .int128(values.int32s.map { Int128($0) })
        case (.int64, .int64):
            storage = .int64(values.int64s)
        case (.int64, .timestamp):
            storage = .int64(toMicros(values.int64s, unit: timestampUnit(element)))
        case (.int64, .decimal):
            if isUnsigned(element) {
                storage = .int128(values.int64s.map { Int128(UInt64(bitPattern: $0)) })
            } else {
                storage = .int128(values.int64s.map { Int128($0) })
            }
        case (.int96, .timestamp):
            storage = .int64(values.int64s)
        case (.float, .float32):
            storage = .float32(values.floats)
        case (.double, .float64):
            storage = .float64(values.doubles)
        case (.byteArray, .string), (.byteArray, .binary):
            storage = .bytes(values.bytes)
        case (.byteArray, .decimal):
            var out: [Int128] = []
            out.reserveCapacity(values.bytes.count)
            for i in 0..<values.bytes.count {
                let slice = values.bytes[i]
                if slice.isEmpty { out.append(0); continue }
                guard slice.count <= 16 else {
                    throw ParquetDecodingError("decimal value \(i) of column \(descriptor.name) is \(slice.count) bytes; at most 16 fit 38 digits")
                }
                out.append(bigEndianInt128(slice))
            }
            storage = .int128(out)
        case (.fixedLenByteArray, .decimal):
            let w = values.width
            var out: [Int128] = []
            out.reserveCapacity(values.fixed.count / w)
            for i in 0..<(values.fixed.count / w) {
                out.append(bigEndianInt128(values.fixed[(i * w)..<(i * w + w)]))
            }
            storage = .int128(out)
        case (.fixedLenByteArray, .float32):
            var out: [Float] = []
            out.reserveCapacity(values.fixed.count / 2)
            for i in 0..<(values.fixed.count / 2) {
                out.append(halfToFloat(UInt16(values.fixed[2 * i]) | UInt16(values.fixed[2 * i + 1]) << 8))
            }
            storage = .float32(out)
        case (.fixedLenByteArray, .binary), (.fixedLenByteArray, .string):
            let w = values.width
            let n = values.fixed.count / w
            storage = .bytes(VarBytes(offsets: (0...n).map { $0 * w }, bytes: values.fixed))
        default:
            throw ParquetDecodingError("column \(descriptor.name): \(values.physicalType) cannot be read as \(type)")
        }
        return Column(storage, validity: validity)
    }

    static func isUnsigned(_ e: SchemaElement) -> Bool {
        if case .integer(_, let signed)? = e.logicalType { return !signed }
        if e.logicalType == nil, let c = e.convertedType { return [.uint8, .uint16, .uint32, .uint64].contains(c) }
        return false
    }

    static func timestampUnit(_ e: SchemaElement) -> TimeUnit {
        if case .timestamp(_, let unit)? = e.logicalType { return unit }
        if e.convertedType == .timestampMillis { return .millis }
        return .micros
    }

    static func toMicros(_ values: [Int64], unit: TimeUnit) -> [Int64] {
        switch unit {
        case .micros: return values
        case .millis: return values.map { $0 &* 1000 }
        case .nanos: return values.map { $0 >= 0 ? $0 / 1000 : ($0 - 999) / 1000 }
        }
    }

    /// A big-endian two's complement integer of 1...16 bytes.
    static func bigEndianInt128<C: Collection>(_ bytes: C) -> Int128 where C.Element == UInt8 {
        guard let first = bytes.first else { return 0 }
        var value: UInt128 = first & 0x80 != 0 ? ~0 : 0
        for b in bytes { value = (value << 8) | UInt128(b) }
        return Int128(bitPattern: value)
    }

    /// IEEE 754 half precision to single precision.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}

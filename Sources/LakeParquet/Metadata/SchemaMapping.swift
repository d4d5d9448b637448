import LakeColumnar

/// How lakectl's ``DataType``s map to Parquet leaves and back (shared by the writer and reader).
///
/// Writing (parquet.md §1 annotations, logical type and converted type both written):
///
/// | DataType | physical | logical | converted |
/// |---|---|---|---|
/// | boolean | BOOLEAN | – | – |
/// | int8 / int16 | INT32 | INTEGER(8/16, signed) | INT_8 / INT_16 |
/// | int32 | INT32 | – | – |
/// | int64 | INT64 | – | – |
/// | float32 / float64 | FLOAT / DOUBLE | – | – |
/// | decimal(p, s) | INT32 if p ≤ 9, INT64 if p ≤ 18, else FIXED_LEN_BYTE_ARRAY of the minimal width | DECIMAL(s, p) | DECIMAL + scale/precision |
/// | string | BYTE_ARRAY | STRING | UTF8 |
/// | binary | BYTE_ARRAY | – | – |
/// | date | INT32 | DATE | DATE |
/// | timestamp(utc:) | INT64 | TIMESTAMP(utc, MICROS) | TIMESTAMP_MICROS |
///
/// Decimals use the integer physical types where they fit (as the spec recommends and Spark
/// writes); every engine reads all three. Timestamps are never INT96 or NANOS.
public enum SchemaMapping {
    /// The Parquet leaf for a field.
    public static func leaf(for field: Field) -> SchemaElement {
        var e = SchemaElement(name: field.name)
        e.repetitionType = field.nullable ? .optional : .required
        switch field.type {
        case .boolean:
            e.type = .boolean
        case .int8:
            e.type = .int32
            e.logicalType = .integer(bitWidth: 8, isSigned: true)
            e.convertedType = .int8
        case .int16:
            e.type = .int32
            e.logicalType = .integer(bitWidth: 16, isSigned: true)
            e.convertedType = .int16
        case .int32:
            e.type = .int32
        case .int64:
            e.type = .int64
        case .float32:
            e.type = .float
        case .float64:
            e.type = .double
        case .decimal(let precision, let scale):
            e.type = decimalPhysicalType(precision: precision)
            if e.type == .fixedLenByteArray { e.typeLength = Int32(decimalByteWidth(precision: precision)) }
            e.logicalType = .decimal(scale: Int32(scale), precision: Int32(precision))
            e.convertedType = .decimal
            e.scale = Int32(scale)
            e.precision = Int32(precision)
        case .string:
            e.type = .byteArray
            e.logicalType = .string
            e.convertedType = .utf8
        case .binary:
            e.type = .byteArray
        case .date:
            e.type = .int32
            e.logicalType = .date
            e.convertedType = .date
        case .timestamp(let utc):
            e.type = .int64
            e.logicalType = .timestamp(isAdjustedToUTC: utc, unit: .micros)
            e.convertedType = .timestampMicros
        }
        return e
    }

    /// The flattened Parquet schema of a flat lakectl schema: the root group then one leaf per field.
    public static func schemaElements(for schema: Schema) -> [SchemaElement] {
        var elements = [SchemaElement(repetitionType: .required, name: "schema", numChildren: Int32(schema.fields.count))]
        elements.reserveCapacity(schema.fields.count + 1)
        for field in schema.fields { elements.append(leaf(for: field)) }
        return elements
    }

    /// The physical type that holds a decimal of this precision.
    public static func decimalPhysicalType(precision: Int) -> PhysicalType {
        precision <= 9 ? .int32 : precision <= 18 ? .int64 : .fixedLenByteArray
    }

    /// The fewest bytes whose two's complement range holds every `precision`-digit value
    /// (what Arrow and Spark use for FIXED_LEN_BYTE_ARRAY decimals; 16 for 38 digits).
    public static func decimalByteWidth(precision: Int) -> Int {
        let maxUnscaled = maxDecimalUnscaled(precision: precision)
        for n in 1...16 where Int128.max >> (128 - 8 * n) >= maxUnscaled { return n }
        return 16
    }

    /// 10^precision − 1 (for precision 1...38).
    public static func maxDecimalUnscaled(precision: Int) -> Int128 {
        var v: Int128 = 1
        for _ in 0..<min(max(precision, 1), 38) { v *= 10 }
        return v - 1
    }

    /// Checks that lakectl can write a schema (names non-empty and unique, decimals in range).
    public static func validate(_ schema: Schema) throws {
        var seen = Set<String>()
        for field in schema.fields {
            guard !field.name.isEmpty else { throw ParquetError.schemaMismatch("a column has an empty name") }
            guard seen.insert(field.name).inserted else { throw ParquetError.schemaMismatch("column \(field.name) appears twice") }
            if case .decimal(let p, let s) = field.type {
                guard (1...38).contains(p), (0...p).contains(s) else {
                    throw ParquetError.schemaMismatch("column \(field.name): decimal(\(p),\(s)) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision")
                }
            }
        }
    }

    /// The lakectl type a Parquet leaf reads as, or `nil` when lakectl has no matching type.
    ///
    /// Conversions a reader must apply: INT96 and TIMESTAMP(MILLIS/NANOS) → microseconds;
    /// UINT_8/16/32 widen to int16/int32/int64; UINT_64 becomes decimal(20,0); decimals on any
    /// physical type become the unscaled Int128; legacy TIMESTAMP_MILLIS/MICROS without a logical
    /// type are UTC-adjusted; an un-annotated BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY is binary.
    public static func dataType(of e: SchemaElement) -> DataType? {
        guard let physical = e.type else { return nil }
        // Decimal first: it may sit on any of four physical types.
        if case .decimal(let scale, let precision)? = e.logicalType {
            return decimalType(precision: precision, scale: scale)
        }
        if e.logicalType == nil, e.convertedType == .decimal, let precision = e.precision {
            return decimalType(precision: precision, scale: e.scale ?? 0)
        }
        switch e.logicalType {
        case .string?, .enum?, .json?: if physical == .byteArray { return .string }
        case .date?: if physical == .int32 { return .date }
        case .timestamp(let utc, _)?: if physical == .int64 { return .timestamp(utc: utc) }
        case .integer(let width, let signed)?:
            switch (width, signed, physical) {
            case (8, true, .int32): return .int8
            case (16, true, .int32): return .int16
            case (32, true, .int32): return .int32
            case (64, true, .int64): return .int64
            case (8, false, .int32): return .int16
            case (16, false, .int32): return .int32
            case (32, false, .int32): return .int64
            case (64, false, .int64): return .decimal(precision: 20, scale: 0)
            default: return nil
            }
        case .float16?: if physical == .fixedLenByteArray { return .float32 }
        default: break
        }
        if e.logicalType == nil {
            switch e.convertedType {
            case .utf8?, .enum?, .json?: if physical == .byteArray { return .string }
            case .date?: if physical == .int32 { return .date }
            case .timestampMicros?, .timestampMillis?: if physical == .int64 { return .timestamp(utc: true) }
            case .int8?: if physical == .int32 { return .int8 }
            case .int16?: if physical == .int32 { return .int16 }
            case .uint8?: if physical == .int32 { return .int16 }
            case .uint16?: if physical == .int32 { return .int32 }
            case .uint32?: if physical == .int32 { return .int64 }
            case .uint64?: if physical == .int64 { return .decimal(precision: 20, scale: 0) }
            default: break
            }
        }
        switch physical {
        case .boolean: return .boolean
        case .int32: return .int32
        case .int64: return .int64
        case .int96: return .timestamp(utc: true)
        case .float: return .float32
        case .double: return .float64
        case .byteArray, .fixedLenByteArray: return .binary
        default: return nil
        }
    }

    private static func decimalType(precision: Int32, scale: Int32) -> DataType? {
        guard (1...38).contains(precision), (0...precision).contains(scale) else { return nil }
        return .decimal(precision: Int(precision), scale: Int(scale))
    }
}

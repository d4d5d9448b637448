import LakeColumnar

/// The decoded values of one column chunk in their physical representation, before the
/// conversion to the column's logical type. Exactly one buffer is used, chosen by the physical
/// type; null slots hold placeholders (0, false, empty) so index `i` is row `i`.
///
/// Separate stored arrays (rather than an enum with payloads) keep appends in place, without
/// copy-on-write copies.
struct PhysicalValues {
    let physicalType: PhysicalType
    /// FIXED_LEN_BYTE_ARRAY width.
    let width: Int
    var bools: [Bool] = []
    var int32s: [Int32] = []
    /// INT64 values, and INT96 timestamps already converted to microseconds.
    var int64s: [Int64] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var bytes = VarBytes()
    /// FIXED_LEN_BYTE_ARRAY values, `width` bytes each.
    var fixed: [UInt8] = []

    init(physicalType: PhysicalType, width: Int) {
        self.physicalType = physicalType
        self.width = width
    }

    var count: Int {
        switch physicalType {
        case .boolean: bools.count
        case .int32: int32s.count
        case .int64, .int96: int64s.count
        case .float: floats.count
        case .double: doubles.count
        case .byteArray: bytes.count
        default: width > 0 ? fixed.count / width : 0
        }
    }

    mutating func reserve(_ n: Int) {
        switch physicalType {
        case .boolean: bools.reserveCapacity(n)
        case .int32: int32s.reserveCapacity(n)
        case .int64, .int96: int64s.reserveCapacity(n)
        case .float: floats.reserveCapacity(n)
        case .double: doubles.reserveCapacity(n)
        case .byteArray: bytes.offsets.reserveCapacity(n + 1)
        default: fixed.reserveCapacity(n * width)
        }
    }

    // MARK: PLAIN

    /// Appends `count` PLAIN values from `src`.
    mutating func appendPlain(_ src: UnsafeRawBufferPointer, count: Int) throws {
        switch physicalType {
        case .boolean: _ = try PlainDecoder.decodeBooleans(src, count: count, appendingTo: &bools)
        case .int32: _ = try PlainDecoder.decodeFixedWidth(src, count: count, appendingTo: &int32s)
        case .int64: _ = try PlainDecoder.decodeFixedWidth(src, count: count, appendingTo: &int64s)
        case .int96: _ = try PlainDecoder.decodeInt96Timestamps(src, count: count, appendingTo: &int64s)
        case .float: _ = try PlainDecoder.decodeFixedWidth(src, count: count, appendingTo: &floats)
        case .double: _ = try PlainDecoder.decodeFixedWidth(src, count: count, appendingTo: &doubles)
        case .byteArray: _ = try PlainDecoder.decodeByteArrays(src, count: count, appendingTo: &bytes)
        case .fixedLenByteArray: _ = try PlainDecoder.decodeFixedLenByteArrays(src, width: width, count: count, appendingTo: &fixed)
        default: throw ParquetDecodingError("physical type \(physicalType) is unknown")
        }
    }

    // MARK: Other encodings

    mutating func appendDeltaBinaryPacked(_ src: UnsafeRawBufferPointer, count: Int) throws {
        switch physicalType {
        case .int32: try DeltaBinaryPacked.decode(src, count: count, appendingTo: &int32s)
        case .int64: try DeltaBinaryPacked.decode(src, count: count, appendingTo: &int64s)
        default: throw ParquetDecodingError("DELTA_BINARY_PACKED is not valid for \(physicalType)")
        }
    }

    mutating func appendDeltaByteArray(_ src: UnsafeRawBufferPointer, count: Int, lengthOnly: Bool) throws {
        switch physicalType {
        case .byteArray:
            if lengthOnly {
                try DeltaLengthByteArray.decode(src, count: count, appendingTo: &bytes)
            } else {
                try DeltaByteArray.decode(src, count: count, appendingTo: &bytes)
            }
        case .fixedLenByteArray:
            var values = VarBytes()
            if lengthOnly {
                try DeltaLengthByteArray.decode(src, count: count, appendingTo: &values)
            } else {
                try DeltaByteArray.decode(src, count: count, appendingTo: &values)
            }
            for i in 0..<count where values.offsets[i + 1] - values.offsets[i] != width {
                throw ParquetDecodingError("value \(i) is \(values.offsets[i + 1] - values.offsets[i]) bytes in a FIXED_LEN_BYTE_ARRAY(\(width)) column")
            }
            fixed.append(contentsOf: values.bytes)
        default:
            throw ParquetDecodingError("\(lengthOnly ? "DELTA_LENGTH_BYTE_ARRAY" : "DELTA_BYTE_ARRAY") is not valid for \(physicalType)")
        }
    }

    mutating func appendByteStreamSplit(_ src: UnsafeRawBufferPointer, count: Int) throws {
        switch physicalType {
        case .int32: try ByteStreamSplit.decode(src, count: count, appendingTo: &int32s)
        case .int64: try ByteStreamSplit.decode(src, count: count, appendingTo: &int64s)
        case .float: try ByteStreamSplit.decode(src, count: count, appendingTo: &floats)
        case .double: try ByteStreamSplit.decode(src, count: count, appendingTo: &doubles)
        case .fixedLenByteArray: try ByteStreamSplit.decode(src, width: width, count: count, appendingTo: &fixed)
        default: throw ParquetDecodingError("BYTE_STREAM_SPLIT is not valid for \(physicalType)")
        }
    }

    /// Appends booleans from hybrid-decoded bits.
    mutating func appendBits(_ bits: UnsafeBufferPointer<UInt32>) {
        bools.reserveGrowing(bits.count)
        for b in bits { bools.append(b != 0) }
    }

    // MARK: Dictionary

    /// Appends `dictionary[i]` for every index; throws on an index past the dictionary.
    mutating func appendGathered(from dictionary: PhysicalValues, indices: UnsafeBufferPointer<UInt32>) throws {
        let size = dictionary.count
        var maxIndex: UInt32 = 0
        for i in indices where i > maxIndex { maxIndex = i }
        guard indices.isEmpty || Int(maxIndex) < size else {
            throw ParquetDecodingError("dictionary index \(maxIndex) is past the end of the \(size)-entry dictionary")
        }
        switch physicalType {
        case .boolean: Self.gather(dictionary.bools, indices, into: &bools)
        case .int32: Self.gather(dictionary.int32s, indices, into: &int32s)
        case .int64, .int96: Self.gather(dictionary.int64s, indices, into: &int64s)
        case .float: Self.gather(dictionary.floats, indices, into: &floats)
        case .double: Self.gather(dictionary.doubles, indices, into: &doubles)
        case .byteArray:
            let dict = dictionary.bytes
            var total = 0
            dict.offsets.withUnsafeBufferPointer { offsets in
                for i in indices { total += offsets[Int(i) + 1] - offsets[Int(i)] }
            }
            guard total <= DecodingLimits.maxPageBytes else {
                throw ParquetDecodingError("dictionary-encoded page expands to more than \(DecodingLimits.maxPageBytes) bytes")
            }
            let byteStart = bytes.bytes.count
            bytes.bytes.append(contentsOf: repeatElement(0, count: total))
            bytes.offsets.reserveGrowing(indices.count)
            dict.offsets.withUnsafeBufferPointer { offsets in
                bytes.offsets.append(contentsOf: GatheredEnds(offsets: offsets, indices: indices, start: byteStart))
                dict.bytes.withUnsafeBytes { source in
                    bytes.bytes.withUnsafeMutableBytes { target in
                        guard let to = target.baseAddress, let src = source.baseAddress else { return }
                        var end = byteStart
                        let sourceCount = source.count, targetCount = target.count
                        for i in indices {
                            let from = offsets[Int(i)], length = offsets[Int(i) + 1] - from
                            if length <= 8, from + 8 <= sourceCount, end + 8 <= targetCount {
                                // Short values (status codes, enums): one 8-byte move, no memmove call.
                                // Bytes past the value are overwritten by the values that follow.
                                (to + end).storeBytes(of: src.loadUnaligned(fromByteOffset: from, as: UInt64.self), as: UInt64.self)
                            } else if length > 0 {
                                (to + end).copyMemory(from: src + from, byteCount: length)
                            }
                            end += length
                        }
                    }
                }
            }
        default:
            let w = width
            fixed.reserveGrowing(indices.count * w)
            dictionary.fixed.withUnsafeBufferPointer { source in
                for i in indices {
                    fixed.append(contentsOf: UnsafeBufferPointer(rebasing: source[(Int(i) * w)..<(Int(i) * w + w)]))
                }
            }
        }
    }

    /// Appends `dictionary[i]` per index (indices already checked), written straight into the
    /// array's new storage: no placeholder fill first.
    private static func gather<T: BitwiseCopyable>(_ dictionary: [T], _ indices: UnsafeBufferPointer<UInt32>, into out: inout [T]) {
        guard !dictionary.isEmpty else { return }
        out.reserveGrowing(indices.count)
        dictionary.withUnsafeBufferPointer { dict in
            out.append(contentsOf: DictionaryGather(dictionary: dict, indices: indices))
        }
    }

    // MARK: Nulls

    /// Moves the `dense` values appended since `start` to their row positions among `levels.count`
    /// rows, leaving placeholders where `levels[i] != maxLevel`.
    mutating func spread(from start: Int, dense: Int, levels: UnsafeBufferPointer<UInt32>, maxLevel: UInt32) {
        let n = levels.count
        guard dense < n else { return }
        switch physicalType {
        case .boolean: Self.spread(&bools, start: start, dense: dense, levels: levels, maxLevel: maxLevel, zero: false)
        case .int32: Self.spread(&int32s, start: start, dense: dense, levels: levels, maxLevel: maxLevel, zero: 0)
        case .int64, .int96: Self.spread(&int64s, start: start, dense: dense, levels: levels, maxLevel: maxLevel, zero: 0)
        case .float: Self.spread(&floats, start: start, dense: dense, levels: levels, maxLevel: maxLevel, zero: 0)
        case .double: Self.spread(&doubles, start: start, dense: dense, levels: levels, maxLevel: maxLevel, zero: 0)
        case .byteArray:
            bytes.offsets.append(contentsOf: repeatElement(0, count: n - dense))
            bytes.offsets.withUnsafeMutableBufferPointer { offsets in
                var k = dense
                for i in stride(from: n - 1, through: 0, by: -1) {
                    offsets[start + i + 1] = offsets[start + k]
                    if levels[i] == maxLevel { k -= 1 }
                }
            }
        default:
            let w = width
            fixed.append(contentsOf: repeatElement(0, count: (n - dense) * w))
            fixed.withUnsafeMutableBufferPointer { buffer in
                var k = dense
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let to = (start + i) * w
                    if levels[i] == maxLevel {
                        k -= 1
                        let from = (start + k) * w
                        if from != to { for b in 0..<w { buffer[to + b] = buffer[from + b] } }
                    } else {
                        for b in 0..<w { buffer[to + b] = 0 }
                    }
                }
            }
        }
    }

    private static func spread<T>(_ a: inout [T], start: Int, dense: Int, levels: UnsafeBufferPointer<UInt32>,
                                  maxLevel: UInt32, zero: T) {
        let n = levels.count
        a.append(contentsOf: repeatElement(zero, count: n - dense))
        a.withUnsafeMutableBufferPointer { buffer in
            var k = dense
            for i in stride(from: n - 1, through: 0, by: -1) {
                if levels[i] == maxLevel {
                    k -= 1
                    buffer[start + i] = buffer[start + k]
                } else {
                    buffer[start + i] = zero
                }
            }
        }
    }
}

/// `dictionary[indices[k]]` for every k, as a collection so that `Array.append(contentsOf:)`
/// initializes the new elements in place.
struct DictionaryGather<T>: RandomAccessCollection {
    let dictionary: UnsafeBufferPointer<T>
    let indices: UnsafeBufferPointer<UInt32>
    var startIndex: Int { 0 }
    var endIndex: Int { indices.count }
    @inline(__always) subscript(k: Int) -> T { dictionary[Int(indices[k])] }
}

/// The running end offsets of gathered byte-array values (their offsets array's new entries).
struct GatheredEnds: Sequence {
    let offsets: UnsafeBufferPointer<Int>
    let indices: UnsafeBufferPointer<UInt32>
    let start: Int
    var underestimatedCount: Int { indices.count }

    struct Iterator: IteratorProtocol {
        let offsets: UnsafeBufferPointer<Int>
        let indices: UnsafeBufferPointer<UInt32>
        var k = 0
        var end: Int
        @inline(__always) mutating func next() -> Int? {
            guard k < indices.count else { return nil }
            let i = Int(indices[k])
            end += offsets[i + 1] - offsets[i]
            k += 1
            return end
        }
    }

    func makeIterator() -> Iterator { Iterator(offsets: offsets, indices: indices, end: start) }
}

import LakeColumnar

/// Decodes the pages of one column chunk (flat columns: no repetition levels) into a ``Column``.
///
/// Every size and count read from the file is checked against the bytes present and the counts
/// the footer promises before anything is allocated, so a corrupt chunk throws
/// ``ParquetDecodingError`` rather than crashing or allocating without bound.
struct ColumnChunkDecoder {
    /// The most values one page may claim (an all-null page can hold many in a few bytes).
    static let maxValuesPerPage = 1 << 24

    let descriptor: ParquetColumnDescriptor
    let meta: ColumnMetaData
    let decompressor: PageDecompressor

    private var values: PhysicalValues
    private var dictionary: PhysicalValues?
    /// The validity bits; nil while every row so far has a value (most columns: no bitmap work).
    private var validity: [UInt8]?
    private var rows = 0
    private var nulls = 0
    private var levels: [UInt32] = []
    private var indices: [UInt32] = []
    private var pageBuffer: [UInt8] = []

    init(descriptor: ParquetColumnDescriptor, meta: ColumnMetaData) throws {
        self.descriptor = descriptor
        self.meta = meta
        decompressor = try PageDecompressor(meta.codec)
        values = PhysicalValues(physicalType: descriptor.physicalType, width: descriptor.typeLength)
    }

    /// Decodes `chunk` (the chunk's bytes, from its first page) holding `expectedRows` rows.
    mutating func decode(chunk: [UInt8], expectedRows: Int) throws -> Column {
        guard meta.numValues >= 0 else { throw ParquetDecodingError("the chunk claims \(meta.numValues) values") }
        let expectedValues = Int(meta.numValues)
        guard expectedValues == expectedRows else {
            throw ParquetDecodingError("the chunk holds \(expectedValues) values but its row group has \(expectedRows) rows")
        }
        values.reserve(min(expectedRows, 1 << 22))
        if descriptor.physicalType == .byteArray {
            // PLAIN pages hold at most their uncompressed size in value bytes; reserving it up front
            // avoids regrowing (and re-faulting) the buffer page after page. Capped: it is the file's claim.
            values.bytes.bytes.reserveCapacity(Int(min(max(meta.totalUncompressedSize, 0), 1 << 28)))
        }
        var pos = 0
        var pageIndex = 0
        while rows < expectedValues {
            guard pos < chunk.count else {
                throw ParquetDecodingError("the chunk ends after \(rows) of its \(expectedValues) values (truncated file or wrong total_compressed_size)")
            }
            let header: PageHeader
            let headerLength: Int
            do {
                (header, headerLength) = try PageHeader.decode(chunk[pos...])
            } catch {
                throw ParquetDecodingError("page \(pageIndex) header at chunk offset \(pos) is corrupt: \(error)")
            }
            pos += headerLength
            let compressedSize = Int(header.compressedPageSize)
            let uncompressedSize = Int(header.uncompressedPageSize)
            guard compressedSize >= 0, compressedSize <= chunk.count - pos else {
                throw ParquetDecodingError("page \(pageIndex) claims \(compressedSize) bytes but only \(chunk.count - pos) remain in the chunk")
            }
            guard uncompressedSize >= 0, uncompressedSize <= DecodingLimits.maxPageBytes else {
                throw ParquetDecodingError("page \(pageIndex) claims an uncompressed size of \(uncompressedSize) bytes")
            }
            let body = pos..<(pos + compressedSize)
            pos += compressedSize
            do {
                try chunk.withUnsafeBytes { raw in
                    let page = UnsafeRawBufferPointer(rebasing: raw[body])
                    switch header.type {
                    case .dictionaryPage:
                        try decodeDictionaryPage(header, page, uncompressedSize: uncompressedSize)
                    case .dataPage:
                        try decodeDataPageV1(header, page, uncompressedSize: uncompressedSize, remaining: expectedValues - rows)
                    case .dataPageV2:
                        try decodeDataPageV2(header, page, uncompressedSize: uncompressedSize, remaining: expectedValues - rows)
                    default:
                        break  // index pages and page types from the future carry no values
                    }
                }
            } catch let error as ParquetDecodingError {
                throw ParquetDecodingError("page \(pageIndex) (\(header.type)): \(error.message)")
            }
            pageIndex += 1
        }
        guard values.count == rows, rows == expectedRows else {
            throw ParquetDecodingError("decoded \(values.count) values for \(rows) rows; the row group has \(expectedRows)")
        }
        var bits: Bitmap?
        if nulls > 0, var validity {
            if validity.count < (rows + 7) / 8 { validity.append(contentsOf: repeatElement(0, count: (rows + 7) / 8 - validity.count)) }
            bits = Bitmap(bytes: validity, count: rows)
        }
        return try ColumnConversion.column(from: values, descriptor: descriptor, validity: bits)
    }

    // MARK: Pages

    private mutating func decodeDictionaryPage(_ header: PageHeader, _ page: UnsafeRawBufferPointer, uncompressedSize: Int) throws {
        guard let dictHeader = header.dictionaryPageHeader else { throw ParquetDecodingError("dictionary page without a dictionary_page_header") }
        guard rows == 0 else { throw ParquetDecodingError("dictionary page after data pages") }
        guard dictHeader.encoding == .plain || dictHeader.encoding == .plainDictionary else {
            throw ParquetDecodingError("dictionary page encoding \(dictHeader.encoding) is not PLAIN")
        }
        let count = Int(dictHeader.numValues)
        guard count >= 0 else { throw ParquetDecodingError("dictionary page claims \(count) values") }
        try decompressor.decompress(page, uncompressedSize: uncompressedSize, into: &pageBuffer)
        var dict = PhysicalValues(physicalType: descriptor.physicalType, width: descriptor.typeLength)
        try pageBuffer.withUnsafeBytes { try dict.appendPlain($0, count: count) }
        dictionary = dict
    }

    private mutating func decodeDataPageV1(_ header: PageHeader, _ page: UnsafeRawBufferPointer, uncompressedSize: Int, remaining: Int) throws {
        guard let dataHeader = header.dataPageHeader else { throw ParquetDecodingError("data page without a data_page_header") }
        let count = try checkedCount(dataHeader.numValues, remaining: remaining, uncompressedSize: uncompressedSize)
        if decompressor.isIdentity {
            // Uncompressed: decode in place, no copy.
            guard page.count == uncompressedSize else {
                throw ParquetDecodingError("uncompressed page holds \(page.count) bytes but its header says \(uncompressedSize)")
            }
            try decodeDataPageV1Body(dataHeader, page, count: count)
            return
        }
        try decompressor.decompress(page, uncompressedSize: uncompressedSize, into: &pageBuffer)
        var buffer: [UInt8] = []
        swap(&buffer, &pageBuffer)
        defer { swap(&buffer, &pageBuffer) }
        try buffer.withUnsafeBytes { try decodeDataPageV1Body(dataHeader, $0, count: count) }
    }

    private mutating func decodeDataPageV1Body(_ dataHeader: DataPageHeader, _ data: UnsafeRawBufferPointer, count: Int) throws {
        do {
            var offset = 0
            var nonNull = count
            if descriptor.maxDefinitionLevel > 0 {
                let width = BitPacking.bitWidth(of: UInt64(descriptor.maxDefinitionLevel))
                switch dataHeader.definitionLevelEncoding {
                case .rle:
                    guard data.count >= 4 else { throw ParquetDecodingError("page too short for its definition-level length") }
                    let length = Int(UInt32(littleEndian: data.loadUnaligned(as: UInt32.self)))
                    guard length <= data.count - 4 else {
                        throw ParquetDecodingError("definition levels claim \(length) bytes but the page has \(data.count - 4) left")
                    }
                    nonNull = try decodeLevels(UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), count: count, bitWidth: width)
                    offset = 4 + length
                case .bitPacked:
                    let length = (count * width + 7) / 8
                    guard length <= data.count else {
                        throw ParquetDecodingError("BIT_PACKED definition levels need \(length) bytes but the page has \(data.count)")
                    }
                    levels.removeAll(keepingCapacity: true)
                    levels.append(contentsOf: repeatElement(0, count: count))
                    try levels.withUnsafeMutableBufferPointer { buffer in
                        guard let base = buffer.baseAddress else { return }
                        try BitPacking.unpackMSBFirst(data, bitWidth: width, count: count, into: base)
                    }
                    nonNull = try recordLevels(count: count)
                    offset = length
                default:
                    throw ParquetDecodingError("definition level encoding \(dataHeader.definitionLevelEncoding) is not supported")
                }
            }
            try decodeValues(dataHeader.encoding, UnsafeRawBufferPointer(rebasing: data[offset...]), count: count, nonNull: nonNull)
        }
    }

    private mutating func decodeDataPageV2(_ header: PageHeader, _ page: UnsafeRawBufferPointer, uncompressedSize: Int, remaining: Int) throws {
        guard let v2 = header.dataPageHeaderV2 else { throw ParquetDecodingError("data page v2 without a data_page_header_v2") }
        let count = try checkedCount(v2.numValues, remaining: remaining, uncompressedSize: uncompressedSize)
        let repLength = Int(v2.repetitionLevelsByteLength), defLength = Int(v2.definitionLevelsByteLength)
        guard repLength >= 0, defLength >= 0, repLength + defLength <= page.count, repLength + defLength <= uncompressedSize else {
            throw ParquetDecodingError("level lengths \(repLength)+\(defLength) do not fit the \(page.count)-byte page")
        }
        var nonNull = count
        if descriptor.maxDefinitionLevel > 0 {
            let width = BitPacking.bitWidth(of: UInt64(descriptor.maxDefinitionLevel))
            nonNull = try decodeLevels(UnsafeRawBufferPointer(rebasing: page[repLength..<(repLength + defLength)]),
                                       count: count, bitWidth: width)
        }
        let valueBytes = UnsafeRawBufferPointer(rebasing: page[(repLength + defLength)...])
        if v2.isCompressed && !decompressor.isIdentity {
            try decompressor.decompress(valueBytes, uncompressedSize: uncompressedSize - repLength - defLength, into: &pageBuffer)
            var buffer: [UInt8] = []
            swap(&buffer, &pageBuffer)
            defer { swap(&buffer, &pageBuffer) }
            try buffer.withUnsafeBytes { try decodeValues(v2.encoding, $0, count: count, nonNull: nonNull) }
        } else {
            try decodeValues(v2.encoding, valueBytes, count: count, nonNull: nonNull)
        }
    }

    private func checkedCount(_ numValues: Int32, remaining: Int, uncompressedSize: Int) throws -> Int {
        let count = Int(numValues)
        guard count >= 0 else { throw ParquetDecodingError("page claims \(count) values") }
        guard count <= remaining else {
            throw ParquetDecodingError("page holds \(count) values but only \(remaining) of the chunk's values remain")
        }
        guard count <= max(Self.maxValuesPerPage, uncompressedSize * 8) else {
            throw ParquetDecodingError("page claims \(count) values in \(uncompressedSize) bytes")
        }
        return count
    }

    // MARK: Levels

    /// Decodes RLE/bit-packed definition levels into `levels`, records validity, and returns the
    /// number of non-null values.
    private mutating func decodeLevels(_ src: UnsafeRawBufferPointer, count: Int, bitWidth: Int) throws -> Int {
        // The common case, a column without nulls: one RLE run of the maximum level covers the
        // page. Nothing to materialize.
        if let run = Self.leadingRun(src, bitWidth: bitWidth), run.length >= count,
           run.value == UInt64(descriptor.maxDefinitionLevel) {
            recordPresent(count: count)
            return count
        }
        levels.removeAll(keepingCapacity: true)
        levels.append(contentsOf: repeatElement(0, count: count))
        var decoder = try RleBitPackedHybridDecoder(src, bitWidth: bitWidth)
        try levels.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try decoder.decode(into: base, count: count)
        }
        return try recordLevels(count: count)
    }

    /// The first run of an RLE/bit-packed hybrid stream when it is an RLE run: its length and value.
    static func leadingRun(_ src: UnsafeRawBufferPointer, bitWidth: Int) -> (length: Int, value: UInt64)? {
        var header: UInt64 = 0
        var i = 0
        var shift: UInt64 = 0
        while true {
            guard i < src.count, i < 9 else { return nil }
            let b = src[i]
            header |= UInt64(b & 0x7F) << shift
            i += 1
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard header & 1 == 0 else { return nil }
        let byteWidth = (bitWidth + 7) / 8
        guard byteWidth <= 8, i + byteWidth <= src.count else { return nil }
        var value: UInt64 = 0
        for k in 0..<byteWidth { value |= UInt64(src[i + k]) << UInt64(8 * k) }
        return (Int(clamping: header >> 1), value)
    }

    /// Records `count` rows that all have a value (validity bits only once a null was seen).
    private mutating func recordPresent(count: Int) {
        guard validity != nil else { return }
        setValid(from: rows, count: count)
    }

    private mutating func setValid(from start: Int, count: Int) {
        let neededBytes = (start + count + 7) / 8
        var bits = validity ?? []
        validity = nil
        if bits.count < neededBytes { bits.append(contentsOf: repeatElement(0, count: neededBytes - bits.count)) }
        bits.withUnsafeMutableBufferPointer { bits in
            var i = start
            while i < start + count, i & 7 != 0 { bits[i >> 3] |= 1 << UInt8(i & 7); i += 1 }
            while i + 8 <= start + count { bits[i >> 3] = 0xFF; i += 8 }
            while i < start + count { bits[i >> 3] |= 1 << UInt8(i & 7); i += 1 }
        }
        validity = bits
    }

    /// Appends validity bits for the `count` levels in `levels`; returns the non-null count.
    private mutating func recordLevels(count: Int) throws -> Int {
        let maxLevel = UInt32(descriptor.maxDefinitionLevel)
        var nonNull = 0
        try levels.withUnsafeBufferPointer { buffer in
            for level in buffer {
                guard level <= maxLevel else {
                    throw ParquetDecodingError("definition level \(level) exceeds the column's maximum \(maxLevel)")
                }
                if level == maxLevel { nonNull += 1 }
            }
        }
        let start = rows
        if nonNull == count {
            recordPresent(count: count)
            return nonNull
        }
        // The first null: every earlier row had a value.
        if validity == nil { setValid(from: 0, count: start) }
        let neededBytes = (start + count + 7) / 8
        var bits = validity ?? []
        validity = nil
        if bits.count < neededBytes { bits.append(contentsOf: repeatElement(0, count: neededBytes - bits.count)) }
        bits.withUnsafeMutableBufferPointer { bits in
            levels.withUnsafeBufferPointer { buffer in
                for k in 0..<count where buffer[k] == maxLevel {
                    let i = start + k
                    bits[i >> 3] |= 1 << UInt8(i & 7)
                }
            }
        }
        validity = bits
        nulls += count - nonNull
        return nonNull
    }

    // MARK: Values

    private mutating func decodeValues(_ encoding: Encoding, _ src: UnsafeRawBufferPointer, count: Int, nonNull: Int) throws {
        let start = values.count
        guard start == rows else { throw ParquetDecodingError("internal: \(values.count) values for \(rows) rows") }
        switch encoding {
        case .plain:
            try values.appendPlain(src, count: nonNull)
        case .plainDictionary, .rleDictionary:
            guard let dictionary else { throw ParquetDecodingError("dictionary-encoded page but the chunk has no dictionary page") }
            guard src.count >= 1 || nonNull == 0 else { throw ParquetDecodingError("dictionary-encoded page has no bit width") }
            if nonNull > 0 {
                let width = Int(src[0])
                guard width <= 32 else { throw ParquetDecodingError("dictionary index bit width \(width) exceeds 32") }
                indices.removeAll(keepingCapacity: true)
                indices.append(contentsOf: repeatElement(0, count: nonNull))
                var decoder = try RleBitPackedHybridDecoder(UnsafeRawBufferPointer(rebasing: src[1...]), bitWidth: width)
                try indices.withUnsafeMutableBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    try decoder.decode(into: base, count: nonNull)
                }
                try indices.withUnsafeBufferPointer { try values.appendGathered(from: dictionary, indices: $0) }
            }
        case .rle:
            guard descriptor.physicalType == .boolean else { throw ParquetDecodingError("RLE values are only valid for BOOLEAN, not \(descriptor.physicalType)") }
            guard src.count >= 4 else { throw ParquetDecodingError("RLE boolean page has no length prefix") }
            let length = Int(UInt32(littleEndian: src.loadUnaligned(as: UInt32.self)))
            guard length <= src.count - 4 else { throw ParquetDecodingError("RLE booleans claim \(length) bytes but \(src.count - 4) remain") }
            indices.removeAll(keepingCapacity: true)
            indices.append(contentsOf: repeatElement(0, count: nonNull))
            var decoder = try RleBitPackedHybridDecoder(UnsafeRawBufferPointer(rebasing: src[4..<(4 + length)]), bitWidth: 1)
            try indices.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                try decoder.decode(into: base, count: nonNull)
            }
            indices.withUnsafeBufferPointer { values.appendBits($0) }
        case .deltaBinaryPacked:
            try values.appendDeltaBinaryPacked(src, count: nonNull)
        case .deltaLengthByteArray:
            try values.appendDeltaByteArray(src, count: nonNull, lengthOnly: true)
        case .deltaByteArray:
            try values.appendDeltaByteArray(src, count: nonNull, lengthOnly: false)
        case .byteStreamSplit:
            try values.appendByteStreamSplit(src, count: nonNull)
        default:
            throw ParquetDecodingError("value encoding \(encoding) is not supported")
        }
        if nonNull < count {
            levels.withUnsafeBufferPointer { buffer in
                values.spread(from: start, dense: nonNull, levels: UnsafeBufferPointer(rebasing: buffer[0..<count]),
                              maxLevel: UInt32(descriptor.maxDefinitionLevel))
            }
        }
        rows += count
    }
}

import LakeColumnar

/// The encoded bytes and metadata of one finished column chunk (one column of a row group).
struct EncodedColumnChunk {
    /// The dictionary page (header + payload), if any; written before ``pages``.
    var dictionaryPage: [UInt8]
    var totalUncompressedSize: Int64
    var numValues: Int64
    var encodings: [Encoding]
    var encodingStats: [PageEncodingStats]
    var statistics: Statistics?
}

/// Encodes one column of a row group page by page: definition levels straight from the validity
/// bitmap, values dictionary-encoded (with a fallback to PLAIN once the dictionary exceeds its
/// limit) or PLAIN, each page compressed as soon as it is full. Reused across row groups.
struct ColumnChunkWriter {
    let field: Field
    let physicalType: PhysicalType
    /// FIXED_LEN_BYTE_ARRAY width (decimals over 18 digits).
    let flbaWidth: Int
    private let options: WriterOptions
    private let dictionaryAllowed: Bool
    private let decimalMax: Int128

    // Page state.
    private var pageRows = 0
    private var pageNulls = 0
    /// PLAIN size of the open page's byte-array values while dictionary-encoding (for the fallback check).
    private var pagePlainBytes = 0
    private var levels = BitBuffer()
    private var boolValues = BitBuffer()
    private var plainValues: [UInt8] = []
    private var indices: [UInt32] = []
    private var useDictionary: Bool

    // Chunk state.
    private var dict32 = FixedDictionary<UInt32>()
    private var dict64 = FixedDictionary<UInt64>()
    private var dictBytes = BytesDictionary()
    private var dictionaryPageUsed = false
    /// The chunk's data pages (header + payload each), back to back; reused across row groups.
    private var chunkPages: [UInt8] = []
    private var chunkUncompressed: Int64 = 0
    private var chunkValues: Int64 = 0
    private var pageEncodingCounts: [Encoding: Int32] = [:]
    private var stats: StatisticsAccumulator

    // Scratch buffers, reused.
    private var scratch32: [UInt32] = []
    private var scratch64: [UInt64] = []
    private var scratch128: [Int128] = []
    private var scratchBools: [Bool] = []
    /// The validity of the selected rows of one slice (bit `k` = row `selection[k]`).
    private var scratchValidity: [UInt8] = []
    private var pageBuffer: [UInt8] = []
    private var levelBuffer: [UInt8] = []
    private var headerWriter = ThriftCompactWriter()
    private var compressor: PageCompressor

    init(field: Field, options: WriterOptions) throws {
        self.field = field
        self.options = options
        let leaf = SchemaMapping.leaf(for: field)
        guard let physical = leaf.type else { throw ParquetError.schemaMismatch("column \(field.name) has no physical type") }
        physicalType = physical
        flbaWidth = Int(leaf.typeLength ?? 0)
        let kind: StatisticsAccumulator.Kind
        switch physical {
        case .boolean: kind = .boolean
        case .int32: kind = .int32
        case .int64: kind = .int64
        case .float: kind = .float
        case .double: kind = .double
        case .fixedLenByteArray: kind = .flba(width: flbaWidth)
        default: kind = .bytes
        }
        stats = StatisticsAccumulator(kind: kind, isString: field.type == .string)
        dictionaryAllowed = options.dictionaryEnabled && physical != .boolean && physical != .fixedLenByteArray
        useDictionary = dictionaryAllowed
        if case .decimal(let p, _) = field.type { decimalMax = SchemaMapping.maxDecimalUnscaled(precision: p) } else { decimalMax = 0 }
        compressor = try PageCompressor(codec: options.compression, level: options.compressionLevel)
    }

    /// Bytes buffered for this chunk so far (encoded pages plus the open page and dictionary).
    var bufferedBytes: Int {
        chunkPages.count + plainValues.count + indices.count + dict32.plainSize + dict64.plainSize + dictBytes.plainSize
    }

    // MARK: appending

    /// Appends rows `range` of `column` (whose storage matches the field's type).
    mutating func append(_ column: Column, range: Range<Int>) throws {
        var start = range.lowerBound
        // Work in slices of up to 1024 rows so page size limits are checked often.
        while start < range.upperBound {
            let room = options.dataPageRowLimit - pageRows
            let n = min(range.upperBound - start, room, 1024)
            let consumed = try appendSlice(column, start: start, count: n)
            if consumed < n {
                // The dictionary reached its limit: close the page and continue in PLAIN.
                try flushPage()
                useDictionary = false
            }
            start += consumed
            if pageRows >= options.dataPageRowLimit || estimatedPageBytes >= options.dataPageSize { try flushPage() }
        }
    }

    /// Appends the rows at `selection` (indices into `column`, each in range; ascending is the
    /// fast case) exactly as appending all of `column.gather(selection)` would: same slices,
    /// pages, dictionary fallback and statistics, so the bytes are identical. Fixed-width values
    /// of each slice (at most 1024 rows) are gathered into small reused buffers; byte values are
    /// read where they are.
    mutating func append(_ column: Column, selection: UnsafeBufferPointer<Int>) throws {
        var at = 0
        while at < selection.count {
            let room = options.dataPageRowLimit - pageRows
            let n = min(selection.count - at, room, 1024)
            let consumed = try appendSelected(column, rows: UnsafeBufferPointer(rebasing: selection[at..<(at + n)]))
            if consumed < n {
                try flushPage()
                useDictionary = false
            }
            at += consumed
            if pageRows >= options.dataPageRowLimit || estimatedPageBytes >= options.dataPageSize { try flushPage() }
        }
    }

    private var estimatedPageBytes: Int {
        if useDictionary {
            let count = physicalType == .byteArray ? dictBytes.count : physicalType == .int64 || physicalType == .double ? dict64.count : dict32.count
            return indices.count * bitWidth(forDictionaryCount: count) / 8 + levels.bytes.count
        }
        return plainValues.count + boolValues.bytes.count + levels.bytes.count
    }

    /// Encodes up to `count` rows from `start`; returns how many were consumed (fewer when the
    /// dictionary filled up).
    mutating private func appendSlice(_ column: Column, start: Int, count: Int) throws -> Int {
        let validity = column.validity?.bytes
        let consumed: Int
        switch column.storage {
        case .boolean(let values):
            appendBooleans(values, validity: validity, start: start, count: count)
            consumed = count
        case .int32(let values):
            consumed = values.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: UInt32.self) { appendFixed32(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), validity, start) }
            }
        case .int64(let values):
            consumed = values.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: UInt64.self) { appendFixed64(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), validity, start) }
            }
        case .float32(let values):
            consumed = values.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: UInt32.self) { appendFixed32(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), validity, start) }
            }
        case .float64(let values):
            consumed = values.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: UInt64.self) { appendFixed64(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), validity, start) }
            }
        case .int8(let values):
            var scratch = takeScratch32()
            for i in start..<(start + count) { scratch.append(UInt32(bitPattern: Int32(values[i]))) }
            consumed = scratch.withUnsafeBufferPointer { appendFixed32($0, validity, start) }
            scratch32 = scratch
        case .int16(let values):
            var scratch = takeScratch32()
            for i in start..<(start + count) { scratch.append(UInt32(bitPattern: Int32(values[i]))) }
            consumed = scratch.withUnsafeBufferPointer { appendFixed32($0, validity, start) }
            scratch32 = scratch
        case .int128(let values):
            consumed = try appendDecimals(values, validity: validity, start: start, count: count)
        case .bytes(let values):
            consumed = try appendBytes(values, validity: validity, start: start, count: count, rows: ContiguousRows(start: start))
        }
        appendLevels(validity: validity, start: start, count: consumed)
        pageRows += consumed
        return consumed
    }

    /// Encodes the rows at `rows` (one slice of a selection); returns how many were consumed, as
    /// ``appendSlice(_:start:count:)`` would for the gathered rows.
    mutating private func appendSelected(_ column: Column, rows: UnsafeBufferPointer<Int>) throws -> Int {
        let count = rows.count
        // The slice's validity, gathered to bit `k` for row `rows[k]`.
        var validity: [UInt8]?
        if let source = column.validity {
            var bits = scratchValidity
            scratchValidity = []
            bits.removeAll(keepingCapacity: true)
            bits.append(contentsOf: repeatElement(0, count: (count + 7) / 8))
            source.bytes.withUnsafeBufferPointer { src in
                bits.withUnsafeMutableBufferPointer { dst in
                    for k in 0..<count {
                        let i = rows[k]
                        dst[k >> 3] |= ((src[i >> 3] >> UInt8(i & 7)) & 1) << UInt8(k & 7)
                    }
                }
            }
            validity = bits
        }
        defer { if let validity { scratchValidity = validity } }
        let consumed: Int
        switch column.storage {
        case .boolean(let values):
            var scratch = scratchBools
            scratchBools = []
            Self.gather(values, rows, into: &scratch) { $0 }
            appendBooleans(scratch, validity: validity, start: 0, count: count)
            scratchBools = scratch
            consumed = count
        case .int32(let values):
            consumed = appendGathered32(values, rows, validity) { UInt32(bitPattern: $0) }
        case .float32(let values):
            consumed = appendGathered32(values, rows, validity) { $0.bitPattern }
        case .int8(let values):
            consumed = appendGathered32(values, rows, validity) { UInt32(bitPattern: Int32($0)) }
        case .int16(let values):
            consumed = appendGathered32(values, rows, validity) { UInt32(bitPattern: Int32($0)) }
        case .int64(let values):
            consumed = appendGathered64(values, rows, validity) { UInt64(bitPattern: $0) }
        case .float64(let values):
            consumed = appendGathered64(values, rows, validity) { $0.bitPattern }
        case .int128(let values):
            var scratch = scratch128
            scratch128 = []
            Self.gather(values, rows, into: &scratch) { $0 }
            defer { scratch128 = scratch }
            consumed = try appendDecimals(scratch, validity: validity, start: 0, count: count)
        case .bytes(let values):
            guard let base = rows.baseAddress else { consumed = 0; break }
            consumed = try appendBytes(values, validity: validity, start: 0, count: count, rows: SelectedRows(base: base))
        }
        appendLevels(validity: validity, start: 0, count: consumed)
        pageRows += consumed
        return consumed
    }

    /// Replaces `out` with the converted values at `rows` (keeping its memory).
    @inline(__always)
    /// 32-bit values of `rows`, gathered into the reused scratch buffer and encoded.
    mutating private func appendGathered32<T>(_ values: [T], _ rows: UnsafeBufferPointer<Int>, _ validity: [UInt8]?,
                                              _ bits: (T) -> UInt32) -> Int {
        var scratch = takeScratch32()
        Self.gather(values, rows, into: &scratch, bits)
        defer { scratch32 = scratch }
        return scratch.withUnsafeBufferPointer { appendFixed32($0, validity, 0) }
    }

    /// 64-bit values of `rows`, gathered into the reused scratch buffer and encoded.
    mutating private func appendGathered64<T>(_ values: [T], _ rows: UnsafeBufferPointer<Int>, _ validity: [UInt8]?,
                                              _ bits: (T) -> UInt64) -> Int {
        var scratch = takeScratch64()
        Self.gather(values, rows, into: &scratch, bits)
        defer { scratch64 = scratch }
        return scratch.withUnsafeBufferPointer { appendFixed64($0, validity, 0) }
    }

    private static func gather<T, U>(_ values: [T], _ rows: UnsafeBufferPointer<Int>, into out: inout [U], _ convert: (T) -> U) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(rows.count)
        values.withUnsafeBufferPointer { src in
            for i in rows { out.append(convert(src[i])) }
        }
    }

    /// Decimals stored as `Int128`: INT32, INT64 or FIXED_LEN_BYTE_ARRAY by precision.
    mutating private func appendDecimals(_ values: [Int128], validity: [UInt8]?, start: Int, count: Int) throws -> Int {
        try checkDecimals(values, validity: validity, start: start, count: count)
        switch physicalType {
        case .int32:
            var scratch = takeScratch32()
            for i in start..<(start + count) { scratch.append(UInt32(bitPattern: Int32(truncatingIfNeeded: values[i]))) }
            defer { scratch32 = scratch }
            return scratch.withUnsafeBufferPointer { appendFixed32($0, validity, start) }
        case .int64:
            var scratch = takeScratch64()
            for i in start..<(start + count) { scratch.append(UInt64(bitPattern: Int64(truncatingIfNeeded: values[i]))) }
            defer { scratch64 = scratch }
            return scratch.withUnsafeBufferPointer { appendFixed64($0, validity, start) }
        default:
            appendFixedLenDecimals(values, validity: validity, start: start, count: count)
            return count
        }
    }

    /// The scratch buffer, moved out of `self` (so `self` can be mutated while it is read) and emptied.
    private mutating func takeScratch32() -> [UInt32] {
        var scratch = scratch32
        scratch32 = []
        scratch.removeAll(keepingCapacity: true)
        return scratch
    }

    private mutating func takeScratch64() -> [UInt64] {
        var scratch = scratch64
        scratch64 = []
        scratch.removeAll(keepingCapacity: true)
        return scratch
    }

    private mutating func appendFixed32(_ bits: UnsafeBufferPointer<UInt32>, _ validity: [UInt8]?, _ start: Int) -> Int {
        var dictionary = FixedDictionary<UInt32>(placeholder: ())
        swap(&dictionary, &dict32)
        defer { swap(&dictionary, &dict32) }
        return appendFixed(bits, validity: validity, start: start, dictionary: &dictionary)
    }

    private mutating func appendFixed64(_ bits: UnsafeBufferPointer<UInt64>, _ validity: [UInt8]?, _ start: Int) -> Int {
        var dictionary = FixedDictionary<UInt64>(placeholder: ())
        swap(&dictionary, &dict64)
        defer { swap(&dictionary, &dict64) }
        return appendFixed(bits, validity: validity, start: start, dictionary: &dictionary)
    }

    mutating private func appendLevels(validity: [UInt8]?, start: Int, count: Int) {
        guard field.nullable, count > 0 else { return }
        if let validity {
            levels.append(bitsOf: validity, offset: start, count: count)
        } else {
            levels.appendOnes(count)
        }
    }

    private func checkDecimals(_ values: [Int128], validity: [UInt8]?, start: Int, count: Int) throws {
        let maxValue = decimalMax, minValue = -decimalMax
        for i in start..<(start + count) where values[i] > maxValue || values[i] < minValue {
            if let validity, validity[i >> 3] & (1 << UInt8(i & 7)) == 0 { continue }
            throw ParquetError.schemaMismatch("column \(field.name): value \(values[i]) does not fit \(field.type)")
        }
    }

    mutating private func statsUpdate(bits: UInt64) {
        switch physicalType {
        case .int32: stats.update(int: Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: bits))))
        case .int64: stats.update(int: Int64(bitPattern: bits))
        case .float: stats.update(double: Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
        default: stats.update(double: Double(bitPattern: bits))
        }
    }

    mutating private func statsUpdate<B: FixedWidthInteger & UnsignedInteger>(_ bits: UnsafeBufferPointer<B>, validity: [UInt8]?, start: Int) {
        switch physicalType {
        case .int32:
            bits.withMemoryRebound(to: Int32.self) { stats.update(ints: $0, validity: validity, validityOffset: start) }
        case .int64:
            bits.withMemoryRebound(to: Int64.self) { stats.update(ints: $0, validity: validity, validityOffset: start) }
        case .float:
            bits.withMemoryRebound(to: Float.self) { stats.update(floats: $0, validity: validity, validityOffset: start) }
        default:
            bits.withMemoryRebound(to: Double.self) { stats.update(floats: $0, validity: validity, validityOffset: start) }
        }
    }

    /// Fixed-width values (as bit patterns) for rows `start ..< start + bits.count`.
    mutating private func appendFixed<B: FixedWidthInteger & UnsignedInteger>(
        _ bits: UnsafeBufferPointer<B>, validity: [UInt8]?, start: Int, dictionary: inout FixedDictionary<B>
    ) -> Int {
        let n = bits.count
        if useDictionary {
            let limit = options.dictionaryPageSizeLimit
            var i = 0
            // Work on a local index buffer (moved out and back: no copy).
            var indices = self.indices
            self.indices = []
            defer { self.indices = indices }
            if indices.count + n > indices.capacity { indices.reserveCapacity(max(indices.count + n, 2 * indices.capacity)) }
            if let validity {
                while i < n {
                    let j = start + i
                    i += 1
                    if validity[j >> 3] & (1 << UInt8(j & 7)) == 0 { pageNulls += 1; stats.nullCount += 1; continue }
                    let (index, inserted) = dictionary.index(of: bits[i - 1])
                    indices.append(index)
                    if inserted {
                        statsUpdate(bits: UInt64(bits[i - 1]))
                        if dictionary.plainSize >= limit { return i }
                    }
                }
            } else {
                while i < n {
                    let (index, inserted) = dictionary.index(of: bits[i])
                    indices.append(index)
                    i += 1
                    if inserted {
                        statsUpdate(bits: UInt64(bits[i - 1]))
                        if dictionary.plainSize >= limit { return i }
                    }
                }
            }
            return n
        }
        if options.writeStatistics { statsUpdate(bits, validity: validity, start: start) }
        if let validity {
            for i in 0..<n {
                let j = start + i
                if validity[j >> 3] & (1 << UInt8(j & 7)) == 0 { pageNulls += 1; stats.nullCount += 1; continue }
                withUnsafeBytes(of: bits[i].littleEndian) { plainValues.append(contentsOf: $0) }
            }
        } else {
            plainValues.append(contentsOf: UnsafeRawBufferPointer(bits))
        }
        return n
    }

    mutating private func appendBooleans(_ values: [Bool], validity: [UInt8]?, start: Int, count: Int) {
        for i in start..<(start + count) {
            if let validity, validity[i >> 3] & (1 << UInt8(i & 7)) == 0 { pageNulls += 1; stats.nullCount += 1; continue }
            boolValues.append(values[i])
            stats.update(bool: values[i])
        }
    }

    mutating private func appendFixedLenDecimals(_ values: [Int128], validity: [UInt8]?, start: Int, count: Int) {
        let width = flbaWidth
        for i in start..<(start + count) {
            if let validity, validity[i >> 3] & (1 << UInt8(i & 7)) == 0 { pageNulls += 1; stats.nullCount += 1; continue }
            let v = values[i]
            stats.update(decimal: v)
            for k in stride(from: width - 1, through: 0, by: -1) { plainValues.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
        }
    }

    /// Byte values of `count` rows, `rows.row(k)` for `k` in `0..<count` (`validity` bit `start + k`
    /// belongs to it). Generic so each kind of row source gets its own loop.
    mutating private func appendBytes<Rows: SliceRows>(_ values: VarBytes, validity: [UInt8]?, start: Int, count: Int,
                                                      rows: Rows) throws -> Int {
        let limit = options.dictionaryPageSizeLimit
        let dictionaryMode = useDictionary
        let writeStats = options.writeStatistics
        let byteCount = values.bytes.count
        // A non-empty buffer so that empty values still have a valid address.
        let storage = byteCount == 0 ? [UInt8(0)] : values.bytes
        return try storage.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return try values.offsets.withUnsafeBufferPointer { offsets -> Int in
                let rowBase = rows.selection
                let lastRow = rowBase.map { UnsafeBufferPointer(start: $0, count: count).max() ?? -1 } ?? (start + count - 1)
                guard offsets.count > lastRow + 1 else {
                    throw ParquetError.schemaMismatch("column \(field.name): value offsets are shorter than the row count")
                }
                if !dictionaryMode {
                    // Room for the whole slice up front: no regrowth inside the loop.
                    var sliceBytes = 0
                    if let rowBase {
                        for k in 0..<count { sliceBytes += max(0, offsets[rowBase[k] + 1] - offsets[rowBase[k]]) }
                    } else {
                        sliceBytes = max(0, min(offsets[start + count], byteCount) - max(offsets[start], 0))
                    }
                    let needed = plainValues.count + sliceBytes + 4 * count
                    if needed > plainValues.capacity { plainValues.reserveCapacity(max(needed, 2 * plainValues.capacity)) }
                }
                for k in 0..<count {
                    let v = start + k
                    if let validity, validity[v >> 3] & (1 << UInt8(v & 7)) == 0 { pageNulls += 1; stats.nullCount += 1; continue }
                    let i = rows.row(k)
                    let lo = offsets[i], hi = offsets[i + 1]
                    guard lo >= 0, lo <= hi, hi <= byteCount else {
                        throw ParquetError.schemaMismatch("column \(field.name): row \(i) has invalid value offsets")
                    }
                    let length = hi - lo
                    if dictionaryMode {
                        let (index, inserted) = dictBytes.index(of: base + lo, count: length)
                        indices.append(index)
                        pagePlainBytes += 4 + length
                        if inserted {
                            if writeStats { stats.update(bytes: UnsafeRawBufferPointer(start: base + lo, count: length)) }
                            if dictBytes.plainSize >= limit { return k + 1 }
                        }
                    } else {
                        guard length <= Int(Int32.max) else {
                            throw ParquetError.invalidArgument("column \(field.name): row \(i) is \(length) bytes, over Parquet's 2 GiB limit")
                        }
                        withUnsafeBytes(of: UInt32(length).littleEndian) { plainValues.append(contentsOf: $0) }
                        plainValues.append(contentsOf: UnsafeRawBufferPointer(start: base + lo, count: length))
                        if writeStats { stats.update(bytes: UnsafeRawBufferPointer(start: base + lo, count: length)) }
                    }
                }
                return count
            }
        }
    }

    // MARK: pages

    private func bitWidth(forDictionaryCount n: Int) -> Int {
        n <= 1 ? 1 : Int.bitWidth - (n - 1).leadingZeroBitCount
    }

    private var dictionaryCount: Int {
        switch physicalType {
        case .byteArray: dictBytes.count
        case .int64, .double: dict64.count
        default: dict32.count
        }
    }

    /// Encodes, compresses and stores the open page.
    mutating func flushPage() throws {
        guard pageRows > 0 else { return }
        let dictionaryPage = useDictionary && dictionaryCount > 0
        let encoding: Encoding = dictionaryPage ? .rleDictionary : .plain
        let direct = options.compression == .uncompressed && !dictionaryPage && physicalType != .boolean
        // Definition levels.
        levelBuffer.removeAll(keepingCapacity: true)
        if field.nullable {
            levels.bytes.withUnsafeBufferPointer { RleBitPackedHybrid.encodeBits($0, count: levels.count, into: &levelBuffer) }
        }
        // Values section into pageBuffer (after the V1 levels).
        pageBuffer.removeAll(keepingCapacity: true)
        if options.dataPageVersion == .v1, field.nullable {
            withUnsafeBytes(of: UInt32(levelBuffer.count).littleEndian) { pageBuffer.append(contentsOf: $0) }
            pageBuffer.append(contentsOf: levelBuffer)
        }
        let valuesStart = pageBuffer.count
        if dictionaryPage {
            let width = bitWidth(forDictionaryCount: dictionaryCount)
            pageBuffer.append(UInt8(width))
            indices.withUnsafeBufferPointer { RleBitPackedHybrid.encode($0, bitWidth: width, into: &pageBuffer) }
            dictionaryPageUsed = true
            if pageEncodingCounts.isEmpty {
                // parquet-java's check after the first page: when indices plus dictionary are not
                // smaller than PLAIN, the column does not compress by dictionary; stop hashing it.
                let plainSize: Int
                switch physicalType {
                case .byteArray: plainSize = pagePlainBytes
                case .int64, .double: plainSize = indices.count * 8
                default: plainSize = indices.count * 4
                }
                let dictionarySize = physicalType == .byteArray ? dictBytes.plainSize : dictionaryCount * (plainSize / max(indices.count, 1))
                if pageBuffer.count - valuesStart + dictionarySize >= plainSize { useDictionary = false }
            }
        } else if physicalType == .boolean {
            pageBuffer.append(contentsOf: boolValues.bytes)
        } else if !direct {
            pageBuffer.append(contentsOf: plainValues)
        }
        let rows = Int32(pageRows)
        var header: PageHeader
        if direct {
            // Uncompressed PLAIN page: the values go from their buffer straight into the chunk.
            let valuesSize = pageBuffer.count - valuesStart + plainValues.count
            switch options.dataPageVersion {
            case .v1:
                let size = try pageSize(pageBuffer.count + plainValues.count)
                header = PageHeader(type: .dataPage, uncompressedPageSize: size, compressedPageSize: size,
                                    dataPageHeader: DataPageHeader(numValues: rows, encoding: encoding))
            case .v2:
                let size = try pageSize(levelBuffer.count + valuesSize)
                header = dataPageV2Header(rows: rows, encoding: encoding, uncompressed: size, compressed: size, isCompressed: false)
            }
            headerWriter.reset()
            header.encode(into: &headerWriter)
            chunkPages.append(contentsOf: headerWriter.bytes)
            if options.dataPageVersion == .v2 { chunkPages.append(contentsOf: levelBuffer) }
            chunkPages.append(contentsOf: pageBuffer)  // v1: length-prefixed levels; v2: empty
            chunkPages.append(contentsOf: plainValues)
        } else {
            switch options.dataPageVersion {
            case .v1:
                try pageBuffer.withUnsafeBytes { try compressor.compress($0) }
                header = PageHeader(type: .dataPage, uncompressedPageSize: try pageSize(pageBuffer.count),
                                    compressedPageSize: try pageSize(compressor.output.count),
                                    dataPageHeader: DataPageHeader(numValues: rows, encoding: encoding))
            case .v2:
                try pageBuffer.withUnsafeBytes { try compressor.compress(UnsafeRawBufferPointer(rebasing: $0[valuesStart...])) }
                let compressed = options.compression != .uncompressed
                header = dataPageV2Header(rows: rows, encoding: encoding,
                                          uncompressed: try pageSize(levelBuffer.count + pageBuffer.count - valuesStart),
                                          compressed: try pageSize(levelBuffer.count + compressor.output.count),
                                          isCompressed: compressed)
            }
            headerWriter.reset()
            header.encode(into: &headerWriter)
            chunkPages.append(contentsOf: headerWriter.bytes)
            if options.dataPageVersion == .v2 { chunkPages.append(contentsOf: levelBuffer) }
            chunkPages.append(contentsOf: compressor.output)
        }
        chunkUncompressed += Int64(headerWriter.bytes.count) + Int64(header.uncompressedPageSize)
        chunkValues += Int64(pageRows)
        pageEncodingCounts[encoding, default: 0] += 1
        // Reset the page.
        pageRows = 0
        pageNulls = 0
        pagePlainBytes = 0
        levels.removeAll()
        boolValues.removeAll()
        plainValues.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
    }


    /// A v2 data page header for the current page (levels are never compressed; `isCompressed`
    /// says whether the values section is).
    private func dataPageV2Header(rows: Int32, encoding: Encoding, uncompressed: Int32, compressed: Int32, isCompressed: Bool) -> PageHeader {
        PageHeader(type: .dataPageV2, uncompressedPageSize: uncompressed, compressedPageSize: compressed,
                   dataPageHeaderV2: DataPageHeaderV2(numValues: rows, numNulls: Int32(pageNulls), numRows: rows, encoding: encoding,
                                                      definitionLevelsByteLength: Int32(levelBuffer.count),
                                                      repetitionLevelsByteLength: 0, isCompressed: isCompressed))
    }
    private func pageSize(_ n: Int) throws -> Int32 {
        guard let v = Int32(exactly: n) else { throw ParquetError.invalidArgument("column \(field.name): a page of \(n) bytes exceeds 2 GiB") }
        return v
    }

    /// The dictionary page (header + compressed PLAIN entries).
    mutating private func encodeDictionaryPage() throws -> [UInt8] {
        pageBuffer.removeAll(keepingCapacity: true)
        let count: Int
        switch physicalType {
        case .byteArray:
            count = dictBytes.count
            pageBuffer.reserveCapacity(dictBytes.plainSize)
            dictBytes.data.withUnsafeBytes { data in
                for i in 0..<dictBytes.count {
                    let lo = dictBytes.offsets[i], hi = dictBytes.offsets[i + 1]
                    withUnsafeBytes(of: UInt32(hi - lo).littleEndian) { pageBuffer.append(contentsOf: $0) }
                    pageBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[lo..<hi]))
                }
            }
        case .int64, .double:
            count = dict64.count
            dict64.keys.withUnsafeBytes { pageBuffer.append(contentsOf: $0) }
        default:
            count = dict32.count
            dict32.keys.withUnsafeBytes { pageBuffer.append(contentsOf: $0) }
        }
        try pageBuffer.withUnsafeBytes { try compressor.compress($0) }
        let header = PageHeader(type: .dictionaryPage, uncompressedPageSize: try pageSize(pageBuffer.count),
                                compressedPageSize: try pageSize(compressor.output.count),
                                dictionaryPageHeader: DictionaryPageHeader(numValues: Int32(count), encoding: .plain, isSorted: false))
        headerWriter.reset()
        header.encode(into: &headerWriter)
        chunkUncompressed += Int64(headerWriter.bytes.count) + Int64(pageBuffer.count)
        return headerWriter.bytes + compressor.output
    }

    /// Hands the finished chunk's data pages to `body` and empties the buffer (keeping its memory
    /// for the next row group).
    mutating func drainPages(_ body: ([UInt8]) throws -> Void) rethrows {
        try body(chunkPages)
        chunkPages.removeAll(keepingCapacity: true)
    }

    /// Closes the chunk: flushes the open page, builds the dictionary page, returns the bytes and
    /// metadata, and resets for the next row group.
    mutating func finish() throws -> EncodedColumnChunk {
        try flushPage()
        var dictionaryPage: [UInt8] = []
        if dictionaryPageUsed { dictionaryPage = try encodeDictionaryPage() }
        var encodings: [Encoding] = []
        if dictionaryPageUsed || pageEncodingCounts[.plain] != nil { encodings.append(.plain) }
        encodings.append(.rle)
        if dictionaryPageUsed { encodings.append(.rleDictionary) }
        var encodingStats: [PageEncodingStats] = []
        if dictionaryPageUsed { encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1)) }
        let dataPageType: PageType = options.dataPageVersion == .v1 ? .dataPage : .dataPageV2
        for encoding in [Encoding.plain, .rleDictionary] {
            if let n = pageEncodingCounts[encoding] { encodingStats.append(PageEncodingStats(pageType: dataPageType, encoding: encoding, count: n)) }
        }
        let result = EncodedColumnChunk(
            dictionaryPage: dictionaryPage, totalUncompressedSize: chunkUncompressed, numValues: chunkValues,
            encodings: encodings, encodingStats: encodingStats,
            statistics: options.writeStatistics ? stats.thrift(truncateLength: options.statisticsTruncateLength) : nil)
        // Reset for the next row group (the data pages stay until ``drainPages(_:)``).
        chunkUncompressed = 0
        chunkValues = 0
        pageEncodingCounts.removeAll()
        dictionaryPageUsed = false
        useDictionary = dictionaryAllowed
        dict32.removeAll()
        dict64.removeAll()
        dictBytes.removeAll()
        stats.reset()
        return result
    }
}


/// Which source rows a slice of ``ColumnChunkWriter`` input covers: row `row(k)` for slice position `k`.
protocol SliceRows {
    func row(_ k: Int) -> Int
    /// The row indices when they are a selection (`nil`: contiguous).
    var selection: UnsafePointer<Int>? { get }
}

/// Rows `start, start + 1, ...`.
struct ContiguousRows: SliceRows {
    let start: Int
    @inline(__always) func row(_ k: Int) -> Int { start + k }
    var selection: UnsafePointer<Int>? { nil }
}

/// Rows at `base[0], base[1], ...`.
struct SelectedRows: SliceRows {
    let base: UnsafePointer<Int>
    @inline(__always) func row(_ k: Int) -> Int { base[k] }
    var selection: UnsafePointer<Int>? { base }
}

import LakeColumnar
import Testing
@testable import LakeParquet

/// Structural tests of the writer: the footer, offsets and sizes, statistics rules and errors.
@Suite struct ParquetWriterTests {
    /// Parses the footer of a complete file.
    static func footer(_ bytes: [UInt8]) throws -> FileMetaData {
        #expect(Array(bytes.prefix(4)) == Array("PAR1".utf8))
        #expect(Array(bytes.suffix(4)) == Array("PAR1".utf8))
        let n = bytes.count
        let length = Int(bytes[n - 8]) | Int(bytes[n - 7]) << 8 | Int(bytes[n - 6]) << 16 | Int(bytes[n - 5]) << 24
        return try FileMetaData(deserializing: Array(bytes[(n - 8 - length)..<(n - 8)]))
    }

    static func write(_ batches: [ColumnBatch], options: WriterOptions = WriterOptions()) throws -> [UInt8] {
        var options = options
        if options.compression == .zstd { options.compression = .uncompressed }
        let sink = MemorySink()
        let writer = try ParquetWriter(sink: sink, schema: batches[0].schema, options: options)
        for batch in batches { try writer.write(batch) }
        try writer.close()
        #expect(sink.isClosed)
        return sink.bytes
    }

    static func stringColumn(_ values: [String?]) -> Column {
        var bytes = VarBytes()
        var validity = Bitmap()
        for v in values {
            if let v { bytes.append(v) } else { bytes.appendEmpty() }
            validity.append(v != nil)
        }
        return Column(.bytes(bytes), validity: validity)
    }

    @Test func emptyFileHasAValidFooter() throws {
        let schema = Schema([Field("a", .int64, nullable: false), Field("s", .string)])
        let batch = ColumnBatch(schema: schema, columns: [Column(.int64([])), Column(.bytes(VarBytes()))], rowCount: 0)
        let bytes = try Self.write([batch])
        let meta = try Self.footer(bytes)
        #expect(meta.numRows == 0)
        #expect(meta.rowGroups.isEmpty)
        #expect(meta.schema.count == 3)
        #expect(meta.columnOrders == [.typeOrder, .typeOrder])
        #expect(meta.createdBy?.hasPrefix("lakectl version ") == true)
    }

    /// Walks every chunk's pages from the footer offsets and checks the sizes add up exactly.
    @Test(arguments: [DataPageVersion.v1, .v2])
    func offsetsAndSizesAreExact(version: DataPageVersion) throws {
        let rows = 50_000
        let schema = Schema([Field("id", .int64, nullable: false), Field("s", .string), Field("b", .boolean), Field("d", .decimal(precision: 30, scale: 3))])
        var validity = Bitmap()
        for i in 0..<rows { validity.append(i % 7 != 0) }
        let strings = Self.stringColumn((0..<rows).map { $0 % 11 == 0 ? nil : "value \($0 % 5000)" })
        let batch = ColumnBatch(schema: schema, columns: [
            Column(.int64((0..<rows).map { Int64($0) })), strings,
            Column(.boolean((0..<rows).map { $0 % 3 == 0 }), validity: validity),
            Column(.int128((0..<rows).map { Int128($0) * 1_000_000_007 - 7 }), validity: validity),
        ], rowCount: rows)
        var options = WriterOptions()
        options.dataPageVersion = version
        options.rowGroupRows = 30_000
        options.dictionaryPageSizeLimit = 16 << 10  // forces the int64 and string columns to fall back
        let bytes = try Self.write([batch], options: options)
        let meta = try Self.footer(bytes)
        #expect(meta.numRows == Int64(rows))
        #expect(meta.rowGroups.map(\.numRows) == [30_000, 20_000])
        var position: Int64 = 4
        for group in meta.rowGroups {
            #expect(group.fileOffset == position)
            var uncompressedSum: Int64 = 0
            var compressedSum: Int64 = 0
            for chunk in group.columns {
                let m = try #require(chunk.metaData)
                let start = m.dictionaryPageOffset ?? m.dataPageOffset
                #expect(start == position)
                if let d = m.dictionaryPageOffset { #expect(d < m.dataPageOffset) }
                // Walk the pages.
                var offset = Int(start)
                var values: Int64 = 0
                var uncompressed: Int64 = 0
                var sawData = false
                while offset < Int(start + m.totalCompressedSize) {
                    let (header, length) = try PageHeader.decode(bytes[offset...])
                    if header.type == .dictionaryPage {
                        #expect(!sawData, "the dictionary page must come first")
                        #expect(Int64(offset) == m.dictionaryPageOffset)
                    } else {
                        if !sawData { #expect(Int64(offset) == m.dataPageOffset) }
                        sawData = true
                        values += Int64(header.dataPageHeader?.numValues ?? header.dataPageHeaderV2?.numValues ?? 0)
                        if let v2 = header.dataPageHeaderV2 {
                            #expect(v2.numRows == v2.numValues)
                            #expect(v2.repetitionLevelsByteLength == 0)
                            #expect(v2.isCompressed == false)
                        }
                    }
                    uncompressed += Int64(length) + Int64(header.uncompressedPageSize)
                    offset += length + Int(header.compressedPageSize)
                }
                #expect(offset == Int(start + m.totalCompressedSize))
                #expect(values == m.numValues)
                #expect(values == group.numRows)
                #expect(uncompressed == m.totalUncompressedSize)
                position += m.totalCompressedSize
                uncompressedSum += m.totalUncompressedSize
                compressedSum += m.totalCompressedSize
                #expect(m.statistics?.nullCount != nil)
            }
            #expect(group.totalByteSize == uncompressedSum)
            #expect(group.totalCompressedSize == compressedSum)
        }
        // Fallback: the string chunk mixes dictionary and PLAIN pages; booleans are never dictionary-encoded.
        let first = meta.rowGroups[0].columns
        #expect(first[1].metaData?.encodings.contains(.rleDictionary) == true)
        #expect(first[1].metaData?.encodings.contains(.plain) == true)
        #expect(first[2].metaData?.encodings.contains(.rleDictionary) == false)
        #expect(first[3].metaData?.dictionaryPageOffset == nil)
        let footerLength = bytes.count - 8 - Int(position)
        #expect(footerLength > 0)
    }

    @Test func floatStatisticsExcludeNaNAndFollowTheZeroRule() {
        var s = StatisticsAccumulator(kind: .double, isString: false)
        for v in [Double.nan, 0.0, 2.5, -0.0, .nan] { s.update(double: v) }
        let t = s.thrift(truncateLength: 64)
        #expect(t.minValue == le((-0.0).bitPattern))
        #expect(t.maxValue == le((2.5).bitPattern))
        #expect(t.min == t.minValue)  // signed order: the deprecated fields too

        var z = StatisticsAccumulator(kind: .float, isString: false)
        for v in [-0.0, 0.0, -5] as [Double] { z.update(double: v) }
        #expect(z.thrift(truncateLength: 64).maxValue == le(Float(0.0).bitPattern))

        var allNaN = StatisticsAccumulator(kind: .double, isString: false)
        allNaN.update(double: .nan)
        allNaN.nullCount = 2
        let n = allNaN.thrift(truncateLength: 64)
        #expect(n.minValue == nil && n.maxValue == nil && n.nullCount == 2)
    }

    @Test func longStringStatisticsAreTruncatedAndInexact() {
        var s = StatisticsAccumulator(kind: .bytes, isString: true)
        let long = String(repeating: "é", count: 40)  // 80 bytes
        let top = String(repeating: "z", count: 63) + "\u{10FFFF}" + "tail"
        for v in ["b", top, "a"] { Array(v.utf8).withUnsafeBytes { s.update(bytes: $0) } }
        let t = s.thrift(truncateLength: 64)
        #expect(t.minValue == Array("a".utf8))
        #expect(t.isMinValueExact == true)
        // The max's last character is U+10FFFF, which cannot be incremented: the "z" before it is.
        #expect(t.maxValue == Array((String(repeating: "z", count: 62) + "{").utf8))
        #expect(t.isMaxValueExact == false)
        #expect(t.min == nil && t.max == nil, "byte arrays are unsigned: no deprecated min/max")

        var m = StatisticsAccumulator(kind: .bytes, isString: true)
        Array(long.utf8).withUnsafeBytes { m.update(bytes: $0) }
        let u = m.thrift(truncateLength: 64)
        #expect(u.minValue == Array(String(repeating: "é", count: 32).utf8))
        #expect(u.isMinValueExact == false)
        #expect(String(validating: u.maxValue ?? [], as: UTF8.self) != nil)
        #expect((u.maxValue ?? []).lexicographicallyPrecedes(Array(long.utf8)) == false)

        var b = StatisticsAccumulator(kind: .bytes, isString: false)
        let ff = [UInt8](repeating: 0xFF, count: 70)
        ff.withUnsafeBytes { b.update(bytes: $0) }
        #expect(b.thrift(truncateLength: 64).maxValue == ff, "no shorter upper bound exists: keep the exact max")
        #expect(b.thrift(truncateLength: 64).isMaxValueExact == true)
    }

    @Test func errorsAreThrownNotTrapped() throws {
        let schema = Schema([Field("a", .int64, nullable: false), Field("d", .decimal(precision: 5, scale: 2))])
        var validity = Bitmap()
        validity.append(false)
        let withNull = ColumnBatch(schema: schema, columns: [Column(.int64([1]), validity: validity), Column(.int128([1]))], rowCount: 1)
        #expect(throws: ParquetError.self) { try Self.write([withNull]) }
        let tooWide = ColumnBatch(schema: schema, columns: [Column(.int64([1])), Column(.int128([100_000]))], rowCount: 1)
        #expect(throws: ParquetError.self) { try Self.write([tooWide]) }
        let other = ColumnBatch(schema: Schema([Field("b", .int64)]), columns: [Column(.int64([1]))], rowCount: 1)
        let writer = try ParquetWriter(sink: MemorySink(), schema: schema, options: { var o = WriterOptions(); o.compression = .uncompressed; return o }())
        #expect(throws: ParquetError.self) { try writer.write(other) }
        try writer.close()
        #expect(throws: ParquetError.self) { try writer.close() }
        #expect(throws: ParquetError.self) { try ParquetWriter(sink: MemorySink(), schema: Schema([Field("x", .int8), Field("x", .int8)])) }
        var bad = WriterOptions()
        bad.dataPageRowLimit = 0
        #expect(throws: ParquetError.self) { try ParquetWriter(sink: MemorySink(), schema: schema, options: bad) }
    }

    @Test func schemaMappingAnnotations() {
        let cases: [(DataType, PhysicalType, ConvertedType?, LogicalType?, Int32?)] = [
            (.string, .byteArray, .utf8, .string, nil),
            (.int8, .int32, .int8, .integer(bitWidth: 8, isSigned: true), nil),
            (.int64, .int64, nil, nil, nil),
            (.date, .int32, .date, .date, nil),
            (.timestamp(utc: true), .int64, .timestampMicros, .timestamp(isAdjustedToUTC: true, unit: .micros), nil),
            (.timestamp(utc: false), .int64, .timestampMicros, .timestamp(isAdjustedToUTC: false, unit: .micros), nil),
            (.decimal(precision: 9, scale: 2), .int32, .decimal, .decimal(scale: 2, precision: 9), nil),
            (.decimal(precision: 18, scale: 0), .int64, .decimal, .decimal(scale: 0, precision: 18), nil),
            (.decimal(precision: 19, scale: 4), .fixedLenByteArray, .decimal, .decimal(scale: 4, precision: 19), 9),
            (.decimal(precision: 38, scale: 10), .fixedLenByteArray, .decimal, .decimal(scale: 10, precision: 38), 16),
        ]
        for (type, physical, converted, logical, width) in cases {
            let e = SchemaMapping.leaf(for: Field("c", type))
            #expect(e.type == physical, "\(type)")
            #expect(e.convertedType == converted, "\(type)")
            #expect(e.logicalType == logical, "\(type)")
            #expect(e.typeLength == width, "\(type)")
            #expect(SchemaMapping.dataType(of: e) == type, "\(type) maps back")
        }
        #expect(SchemaMapping.decimalByteWidth(precision: 10) == 5)  // pyarrow: decimal(10,2) is FLBA(5)
    }
}

import Testing
@testable import LakeParquet

@Suite struct ThriftCompactTests {
    @Test func schemaElementMatchesPyarrowBytes() throws {
        // parquet.md §1, verified bytes of an optional string leaf `s`.
        let expected: [UInt8] = [0x15, 0x0c, 0x25, 0x02, 0x18, 0x01, 0x73, 0x25, 0x00, 0x4c, 0x1c, 0x00, 0x00, 0x00]
        let element = SchemaElement(type: .byteArray, repetitionType: .optional, name: "s", convertedType: .utf8, logicalType: .string)
        #expect(element.serialized() == expected)
        #expect(try SchemaElement(deserializing: expected) == element)
    }

    @Test func dictionaryPageHeaderMatchesPyarrowBytes() throws {
        let expected: [UInt8] = [0x15, 0x04, 0x15, 0x40, 0x15, 0x40, 0x4c, 0x15, 0x08, 0x15, 0x00, 0x12, 0x00, 0x00]
        let header = PageHeader(type: .dictionaryPage, uncompressedPageSize: 32, compressedPageSize: 32,
                                dictionaryPageHeader: DictionaryPageHeader(numValues: 4, encoding: .plain, isSorted: false))
        #expect(header.serialized() == expected)
        let (decoded, length) = try PageHeader.decode(expected[...])
        #expect(decoded == header)
        #expect(length == expected.count)
    }

    @Test func varintsAndZigZagRoundTrip() throws {
        let values: [Int64] = [0, 1, -1, 63, -64, 64, 1 << 31, -(1 << 31), .max, .min, 123_456_789_012]
        var w = ThriftCompactWriter()
        for v in values { w.writeZigZag(v) }
        w.writeDouble(-0.0)
        w.writeDouble(.infinity)
        var r = ThriftCompactReader(w.bytes)
        for v in values { #expect(try r.readZigZag() == v) }
        #expect(try r.readDouble().bitPattern == (-0.0).bitPattern)
        #expect(try r.readDouble() == .infinity)
        #expect(r.remaining == 0)
    }

    @Test func fileMetaDataRoundTrip() throws {
        let stats = Statistics(max: [9, 0, 0, 0, 0, 0, 0, 0], min: [1, 0, 0, 0, 0, 0, 0, 0], nullCount: 3,
                               maxValue: [9, 0, 0, 0, 0, 0, 0, 0], minValue: [1, 0, 0, 0, 0, 0, 0, 0],
                               isMaxValueExact: true, isMinValueExact: false, nanCount: 0)
        let meta = ColumnMetaData(type: .int64, encodings: [.plain, .rle, .rleDictionary], pathInSchema: ["id"], codec: .zstd,
                                  numValues: 100, totalUncompressedSize: 1000, totalCompressedSize: 500,
                                  keyValueMetadata: [KeyValue(key: "k", value: nil)], dataPageOffset: 40,
                                  dictionaryPageOffset: 4, statistics: stats,
                                  encodingStats: [PageEncodingStats(pageType: .dataPage, encoding: .rleDictionary, count: 2)])
        let group = RowGroup(columns: [ColumnChunk(metaData: meta)], totalByteSize: 1000, numRows: 100,
                             sortingColumns: [SortingColumn(columnIndex: 0, descending: true, nullsFirst: false)],
                             fileOffset: 4, totalCompressedSize: 500, ordinal: 0)
        var leaves: [SchemaElement] = [SchemaElement(repetitionType: .required, name: "schema", numChildren: 20)]
        let types: [LogicalType] = [.string, .date, .decimal(scale: 2, precision: 38), .timestamp(isAdjustedToUTC: false, unit: .micros),
                                    .timestamp(isAdjustedToUTC: true, unit: .nanos), .integer(bitWidth: 8, isSigned: true),
                                    .time(isAdjustedToUTC: true, unit: .millis), .uuid, .json, .variant, .geography, .other(id: 40)]
        for (i, t) in types.enumerated() {
            leaves.append(SchemaElement(type: .int64, typeLength: 16, repetitionType: .optional, name: "c\(i) ✓", convertedType: .int64,
                                        scale: 1, precision: 2, fieldId: Int32(i), logicalType: t))
        }
        let file = FileMetaData(version: 2, schema: leaves, numRows: 100, rowGroups: [group],
                                keyValueMetadata: [KeyValue(key: "a", value: "b")], createdBy: "lakectl version 0.1.0 (build x)",
                                columnOrders: Array(repeating: .typeOrder, count: 20) + [.ieee754TotalOrder])
        #expect(try FileMetaData(deserializing: file.serialized()) == file)
    }

    @Test func unknownFieldsAreSkipped() throws {
        // A KeyValue with extra fields of every wire type, including a long-form id (32767).
        var w = ThriftCompactWriter()
        w.beginStruct()
        w.writeField(1, string: "key")
        w.writeField(3, double: 1.5)
        w.writeField(4, bool: true)
        w.beginListField(5, elementType: .boolTrue, count: 3)
        w.writeBoolElement(true); w.writeBoolElement(false); w.writeBoolElement(true)
        w.writeFieldHeader(id: 6, type: .map)
        w.writeVarint(1); w.bytes.append(0x85) // map<binary, i32>: key type high nibble
        w.writeString("m"); w.writeI32(7)
        w.writeField(20, struct: Statistics(nullCount: 1))
        w.writeField(32767, i64s: Array(0..<20))
        w.endStruct()
        let kv = try KeyValue(deserializing: w.bytes)
        #expect(kv == KeyValue(key: "key", value: nil))
    }

    @Test func truncatedAndMalformedInputThrows() throws {
        let file = FileMetaData(version: 1, schema: [SchemaElement(name: "schema", numChildren: 0)], numRows: 0, rowGroups: [],
                                createdBy: "x")
        let bytes = file.serialized()
        for cut in 0..<bytes.count {
            #expect(throws: ParquetError.self) { try FileMetaData(deserializing: Array(bytes[0..<cut])) }
        }
        // A list claiming 2^40 elements must not allocate; a string longer than the input must fail.
        #expect(throws: ParquetError.self) { try FileMetaData(deserializing: [0x19, 0xFC, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]) }
        #expect(throws: ParquetError.self) { try KeyValue(deserializing: [0x18, 0xFF, 0x01, 0x41]) }
        // Deep nesting of unknown structs is bounded.
        var deep: [UInt8] = []
        for _ in 0..<200 { deep.append(0x1C) }
        #expect(throws: ParquetError.self) { try KeyValue(deserializing: deep) }
        // Missing required fields.
        #expect(throws: ParquetError.self) { try PageHeader(deserializing: [0x15, 0x00, 0x00]) }
        // A wrong wire type for a known field.
        #expect(throws: ParquetError.self) { try KeyValue(deserializing: [0x15, 0x02, 0x00]) }
    }
}

import LakeColumnar
import LakeTesting
import Testing
@testable import LakeParquet

/// Random batches streamed into one writer in odd-sized pieces (so definition levels are appended
/// at unaligned bit offsets and row groups/pages split inside batches), with every codec, read
/// back by ParquetReader and compared with the original rows.
@Test(arguments: [ParquetCodec.zstd, .snappy, .gzip, .uncompressed], [DataPageVersion.v1, .v2])
func streamedBatchesRoundTripWithEveryCodec(codec: ParquetCodec, version: DataPageVersion) async throws {
    var rng = SplitMix64(seed: UInt64(codec.rawValue) &* 31 &+ UInt64(version.rawValue))
    let types: [DataType] = [.boolean, .int8, .int16, .int32, .int64, .float32, .float64, .decimal(precision: 9, scale: 2),
                             .decimal(precision: 18, scale: 3), .decimal(precision: 38, scale: 10), .decimal(precision: 25, scale: 0),
                             .string, .binary, .date, .timestamp(utc: true), .timestamp(utc: false)]
    let fields = types.enumerated().map { Field("c\($0.offset)", $0.element, nullable: $0.offset % 3 != 0) }
    let schema = Schema(fields)
    let rows = 3_001
    let whole = ColumnBatch(schema: schema, columns: fields.map { randomColumn($0.type, rows: rows, nullable: $0.nullable, rng: &rng) },
                            rowCount: rows)
    var options = WriterOptions()
    options.compression = codec
    options.dataPageVersion = version
    options.rowGroupRows = 1_234
    options.dataPageRowLimit = 333
    options.dictionaryPageSizeLimit = 2_000
    let sink = MemorySink()
    let writer = try ParquetWriter(sink: sink, schema: schema, options: options)
    var start = 0
    for size in [1, 13, 500, 7, 1_000, 3, 1_477] where start < rows {
        let n = min(size, rows - start)
        try writer.write(ColumnBatch(schema: schema, columns: whole.columns.map { sliceColumn($0, from: start, count: n) }, rowCount: n))
        start += n
    }
    #expect(start == rows)
    let footer = try writer.close()
    #expect(footer.rowGroups.map(\.numRows) == [1_234, 1_234, 533])
    #expect(footer.rowGroups.allSatisfy { $0.columns.allSatisfy { $0.metaData?.codec == codec } })

    let reader = try await ParquetReader.open(InMemorySource(name: "stream-\(codec)", bytes: sink.bytes))
    #expect(try reader.schema() == schema)
    var offset = 0
    for part in try await reader.readBatches() {
        for (c, column) in part.columns.enumerated() {
            #expect(sameValues(sliceColumn(whole.columns[c], from: offset, count: part.rowCount), column),
                    "\(codec) \(version) column \(fields[c].type) rows \(offset)..<\(offset + part.rowCount)")
        }
        offset += part.rowCount
    }
    #expect(offset == rows)
}

import LakeColumnar
import LakeObjectStore
import Synchronization
import Testing
@testable import LakeParquet

/// An ObjectStore that records the ranges read through it.
final class RecordingStore: ObjectStore {
    let inner = InMemoryStore()
    let gets = Mutex<[ByteRange?]>([])

    var description: String { "mem://recording" }
    var minimumPartSize: Int { inner.minimumPartSize }

    func get(_ key: ObjectKey, range: ByteRange?) async throws -> GetResult {
        gets.withLock { $0.append(range) }
        return try await inner.get(key, range: range)
    }
    func head(_ key: ObjectKey) async throws -> ObjectMeta { try await inner.head(key) }
    func put(_ key: ObjectKey, bytes: [UInt8], options: PutOptions) async throws -> PutResult {
        try await inner.put(key, bytes: bytes, options: options)
    }
    func list(_ options: ListOptions) async throws -> ListResult { try await inner.list(options) }
    func delete(_ key: ObjectKey) async throws { try await inner.delete(key) }
    func delete(keys: [ObjectKey]) async throws { try await inner.delete(keys: keys) }
    func startMultipartUpload(_ key: ObjectKey, options: PutOptions) async throws -> any MultipartUpload {
        try await inner.startMultipartUpload(key, options: options)
    }
}

@Test func objectStoreSourceFetchesFooterThenOnlyProjectedChunks() async throws {
    let rows = 2000
    let schema = Schema([Field("id", .int64, nullable: false), Field("name", .string), Field("v", .float64)])
    var names = VarBytes()
    for i in 0..<rows { names.append("name-\(i % 17)") }
    let batch = ColumnBatch(schema: schema, columns: [
        Column(.int64((0..<rows).map(Int64.init))),
        Column(.bytes(names)),
        Column(.float64((0..<rows).map { Double($0) / 3 })),
    ], rowCount: rows)
    var options = WriterOptions()
    options.compression = .uncompressed
    options.rowGroupRows = 500
    let sink = MemorySink()
    let writer = try ParquetWriter(sink: sink, schema: schema, options: options)
    try writer.write(batch)
    _ = try writer.close()

    let store = RecordingStore()
    try await store.put("t/orders.parquet", bytes: sink.bytes)
    store.gets.withLock { $0.removeAll() }
    let reader = try await ParquetReader.open(ObjectStoreSource(store: store, key: "t/orders.parquet"))
    #expect(store.gets.withLock { $0 } == [.suffix(length: Int64(ParquetReader.footerPrefetch))])
    #expect(reader.name == "mem://recording/t/orders.parquet")
    #expect(reader.rowGroupCount == 4)

    // Only the groups whose statistics may match, and only the projected column.
    let kept = try reader.rowGroups(matching: [ColumnPredicate(column: "id", .greaterOrEqual, .int(1600))])
    #expect(kept == [3])
    store.gets.withLock { $0.removeAll() }
    let part = try await reader.readRowGroup(3, columns: ["name"])
    #expect(part.rowCount == 500)
    #expect(part.schema.names == ["name"])
    if case .bytes(let v) = part.columns[0].storage { #expect(v.string(at: 0) == "name-\(1500 % 17)") }
    let gets = store.gets.withLock { $0 }
    #expect(gets.count == 1)
    let chunk = try #require(reader.metadata.rowGroups[3].columns[1].metaData)
    if case .bounded(_, let length)? = gets.first { #expect(length == chunk.totalCompressedSize) } else { Issue.record("expected one bounded read") }
}

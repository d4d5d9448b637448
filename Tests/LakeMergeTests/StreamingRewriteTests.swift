import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet
import LakeTesting
import Testing

@testable import LakeMerge

private let schema = Schema([
    Field("id", .int64), Field("day", .date), Field("at", .timestamp(utc: true)), Field("amount", .decimal(precision: 12, scale: 2)),
    Field("score", .float64), Field("ratio", .float32), Field("name", .string), Field("flag", .boolean), Field("blob", .binary),
    Field("empty", .int32),
])

/// Rows of every storage kind with nulls; `oddFloats` adds NaN and infinities, strings share long
/// prefixes (so the 8-byte prefix comparison must fall back to the full bytes) and run past 32 characters.
private func randomBatch(rows: Int, seed: UInt64, oddFloats: Bool) -> ColumnBatch {
    var rng = SplitMix64(seed: seed)
    func valid() -> Bitmap { Bitmap((0..<rows).map { _ in Int.random(in: 0..<10, using: &rng) != 0 }) }
    let ids = (0..<rows).map { _ in Int64.random(in: -1_000_000...1_000_000, using: &rng) }
    let days = (0..<rows).map { _ in Int32.random(in: -1000...30000, using: &rng) }
    let ats = (0..<rows).map { _ in Int64.random(in: 0...2_000_000_000_000_000, using: &rng) }
    let amounts = (0..<rows).map { _ in Int128(Int64.random(in: -10_000_000...10_000_000, using: &rng)) }
    let scores: [Double] = (0..<rows).map { _ in
        if oddFloats, Int.random(in: 0..<500, using: &rng) == 0 { return [Double.nan, .infinity, -.infinity].randomElement(using: &rng) ?? 0 }
        return Double.random(in: -1e6...1e6, using: &rng)
    }
    let ratios: [Float] = (0..<rows).map { _ in [Float(0.5), -1.25, 0, -0.0, 3].randomElement(using: &rng) ?? 0 }
    var names = VarBytes()
    let stems = ["", "a", "ab", "same prefix 12345678", "same prefix 12345679", "日本語", "zz", "same prefix 1234567",
                 "a much longer value that runs well past thirty-two characters"]
    for _ in 0..<rows { names.append(stems.randomElement(using: &rng)! + String(Int.random(in: 0..<3, using: &rng))) }
    var blobs = VarBytes()
    for _ in 0..<rows { blobs.append([UInt8](repeating: UInt8.random(in: 0...255, using: &rng), count: Int.random(in: 0..<4, using: &rng))) }
    let columns: [Column] = [
        Column(.int64(ids), validity: valid()), Column(.int32(days), validity: valid()), Column(.int64(ats), validity: valid()),
        Column(.int128(amounts), validity: valid()), Column(.float64(scores), validity: valid()), Column(.float32(ratios)),
        Column(.bytes(names), validity: valid()), Column(.boolean((0..<rows).map { $0 % 3 == 0 }), validity: valid()),
        Column(.bytes(blobs), validity: valid()), .nulls(.int32, count: rows),
    ]
    return ColumnBatch(schema: schema, columns: columns, rowCount: rows)
}

@Suite("Streaming rewrite")
struct StreamingRewriteTests {
    @Test("statistics accumulated over pieces equal FileStats over all rows", arguments: [(1 as UInt64, false), (2, true), (3, true), (4, false)])
    func statisticsOverPieces(seed: UInt64, oddFloats: Bool) {
        let batch = randomBatch(rows: 3000, seed: seed, oddFloats: oddFloats)
        var rng = SplitMix64(seed: seed &* 7)
        var accumulator = StatsAccumulator(schema: schema)
        var start = 0
        while start < batch.rowCount {
            let end = min(batch.rowCount, start + Int.random(in: 1...700, using: &rng))
            accumulator.add(batch, rows: start..<end)
            start = end
        }
        #expect(accumulator.stats() == FileStats.compute(batch))
    }

    @Test("statistics of selected rows equal those of the gathered rows", arguments: [(5 as UInt64, false), (6, true)])
    func statisticsOfSelections(seed: UInt64, oddFloats: Bool) {
        let batch = randomBatch(rows: 3000, seed: seed, oddFloats: oddFloats)
        var rng = SplitMix64(seed: seed)
        let all = Array(0..<batch.rowCount)
        let selections = [[], all, [17], all.filter { _ in Int.random(in: 0..<40, using: &rng) == 0 },
                          all.filter { _ in Int.random(in: 0..<5, using: &rng) != 0 }]
        for selection in selections {
            var direct = StatsAccumulator(schema: schema)
            selection.withUnsafeBufferPointer { direct.add(batch, selection: $0) }
            var gathered = StatsAccumulator(schema: schema)
            gathered.add(batch.gather(selection), rows: 0..<selection.count)
            #expect(direct.stats() == gathered.stats(), "\(selection.count) selected rows")
            if !selection.isEmpty { #expect(direct.stats() == FileStats.compute(batch.gather(selection))) }
        }
    }

    @Test("the writer pool writes selected rows exactly, across files")
    func poolWritesSelections() async throws {
        let store = InMemoryStore()
        let table = DeltaTable(store: store, root: "t")
        var options = CompactOptions()
        options.memoryBudget = 64 << 20
        options.targetFileSize = 256 << 10
        var limits = StreamLimits(options: options, minimumPartSize: store.minimumPartSize)
        limits.rowGroupBytes = 32 << 10
        let frozen = limits
        let pool = FileWriterPool(limits: limits) { partition in
            StreamingFile(table: table, folder: "", partition: partition, schema: schema, options: WriterOptions(), limits: frozen)
        }
        var expected: [Int64?] = []
        var adds: [AddFile] = []
        for k in 0..<4 {
            let batch = randomBatch(rows: 5000, seed: 200 + UInt64(k), oddFloats: k == 1)
            let selection = (0..<batch.rowCount).filter { ($0 * 7 + k) % 5 != 0 }
            adds += try await pool.write(batch, selection: selection, partition: [:])
            if case .int64(let v) = batch.columns[0].storage {
                for i in selection { expected.append(batch.columns[0].isNull(i) ? nil : v[i]) }
            }
        }
        adds += try await pool.finishAll()
        #expect(adds.count > 1)
        var seenIDs: [Int64?] = []
        for add in adds {
            let reader = try await ParquetReader.open(ObjectStoreSource(store: store, key: table.key(add.path)))
            let parts = try await reader.readBatches()
            let whole = try ColumnBatch.concatenating(parts.map { ColumnBatch(schema: schema, columns: $0.columns, rowCount: $0.rowCount) }, schema: schema)
            #expect(add.stats == FileStats.compute(whole).jsonString(order: schema.names))
            if case .int64(let v) = whole.columns[0].storage {
                for i in 0..<whole.rowCount { seenIDs.append(whole.columns[0].isNull(i) ? nil : v[i]) }
            }
        }
        #expect(seenIDs.map { $0 ?? .min }.sorted() == expected.map { $0 ?? .min }.sorted())
    }

    @Test("the writer pool rolls files at the target size, in row groups, with exact statistics")
    func poolWritesFilesOfRowGroups() async throws {
        let store = InMemoryStore()
        let table = DeltaTable(store: store, root: "t")
        var options = CompactOptions()
        options.memoryBudget = 64 << 20  // 512 KiB row groups (the floor is 1 MiB; see below)
        options.targetFileSize = 1 << 20
        var limits = StreamLimits(options: options, minimumPartSize: store.minimumPartSize)
        limits.rowGroupBytes = 64 << 10  // small row groups, so every file has several
        limits.partBytes = 32 << 10  // and is uploaded in parts
        let frozen = limits
        let pool = FileWriterPool(limits: limits) { partition in
            StreamingFile(table: table, folder: "", partition: partition, schema: schema, options: WriterOptions(), limits: frozen)
        }
        let batches = (0..<6).map { randomBatch(rows: 4000, seed: 100 + UInt64($0), oddFloats: $0 == 3) }
        var adds: [AddFile] = []
        try await withThrowingTaskGroup(of: [AddFile].self) { group in
            for batch in batches { group.addTask { try await pool.write(batch, partition: [:]) } }
            for try await a in group { adds += a }
        }
        adds += try await pool.finishAll()
        #expect(adds.count > 1)
        var total = 0
        var seenIDs: [Int64?] = []
        for add in adds {
            let reader = try await ParquetReader.open(ObjectStoreSource(store: store, key: table.key(add.path)))
            #expect(reader.rowGroupCount > 1)
            let parts = try await reader.readBatches()
            let whole = try ColumnBatch.concatenating(parts.map { ColumnBatch(schema: schema, columns: $0.columns, rowCount: $0.rowCount) }, schema: schema)
            #expect(add.stats == FileStats.compute(whole).jsonString(order: schema.names))
            total += whole.rowCount
            if case .int64(let v) = whole.columns[0].storage {
                for i in 0..<whole.rowCount { seenIDs.append(whole.columns[0].isNull(i) ? nil : v[i]) }
            }
        }
        #expect(total == batches.count * 4000)
        // Every row arrives exactly once (as a multiset of ids, nulls included).
        var expected: [Int64?] = []
        for batch in batches {
            if case .int64(let v) = batch.columns[0].storage {
                for i in 0..<batch.rowCount { expected.append(batch.columns[0].isNull(i) ? nil : v[i]) }
            }
        }
        #expect(seenIDs.map { $0 ?? .min }.sorted() == expected.map { $0 ?? .min }.sorted())
    }
}

@Suite("Memory gate")
struct MemoryGateTests {
    @Test("requests wait until they fit; one larger than the capacity runs alone")
    func boundsWhatIsHeld() async {
        let gate = MemoryGate(capacity: 100)
        let a = await gate.acquire(60)
        #expect(a == 60)
        // 60 + 50 > 100: the second request waits until the first is released.
        let second = Task { await gate.acquire(50) }
        try? await Task.sleep(nanoseconds: 20_000_000)
        #expect(await gate.heldBytes == 60)
        await gate.release(a)
        let b = await second.value
        #expect(b == 50)
        #expect(await gate.heldBytes == 50)
        // Larger than the whole capacity: capped, granted once nothing else is held.
        let huge = Task { await gate.acquire(1_000) }
        try? await Task.sleep(nanoseconds: 20_000_000)
        #expect(await gate.heldBytes == 50)
        await gate.release(b)
        let c = await huge.value
        #expect(c == 100)
        #expect(await gate.heldBytes == 100)
        await gate.release(c)
        #expect(await gate.heldBytes == 0)
    }
}

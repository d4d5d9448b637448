import Foundation
import LakeColumnar
import LakeObjectStore
import Testing
@testable import DeltaLog

/// Writing batches as partitioned data files and reading them back through the log.
@Suite struct DataFileTests {
    static let schema = Schema([
        Field("id", .int64, nullable: false),
        Field("day", .date), Field("at", .timestamp(utc: true)), Field("price", .decimal(precision: 12, scale: 3)),
        Field("flag", .boolean), Field("n", .int32), Field("name", .string),
    ])

    func batch(_ rows: Int, offset: Int) -> ColumnBatch {
        var names = VarBytes()
        for i in 0..<rows { names.append(i % 4 == 0 ? "" : "name \(i + offset) ✓/..") }
        let nullEvery3 = Bitmap((0..<rows).map { $0 % 3 != 0 })
        return ColumnBatch(schema: Self.schema, columns: [
            Column(.int64((0..<rows).map { Int64($0 + offset) })),
            Column(.int32((0..<rows).map { Int32(19_000 + $0 % 2) }), validity: Bitmap((0..<rows).map { $0 % 5 != 4 })),
            Column(.int64((0..<rows).map { Int64($0 % 2) * 1_700_000_000_123_456 - 1 })),
            Column(.int128((0..<rows).map { Int128($0 % 2) * -12_345 }), validity: nullEvery3),
            Column(.boolean((0..<rows).map { $0 % 2 == 0 })),
            Column(.int32((0..<rows).map { Int32($0) })),
            Column(.bytes(names), validity: Bitmap((0..<rows).map { $0 % 7 != 6 })),
        ], rowCount: rows)
    }

    /// Rows as comparable text, in id order.
    func rows(_ batches: [ColumnBatch]) -> [[String]] {
        var out: [[String]] = []
        for batch in batches {
            for row in 0..<batch.rowCount {
                out.append(Self.schema.fields.map { field in
                    guard let column = batch.column(named: field.name) else { return "missing" }
                    return DeltaValueFormat.scalar(column, row: row, type: field.type).description
                })
            }
        }
        return out.sorted { (Int($0[0]) ?? 0) < (Int($1[0]) ?? 0) }
    }

    @Test(arguments: [["day", "at", "price", "flag"], ["name"], []])
    func partitionedRoundTrip(partitionBy: [String]) async throws {
        let store = InMemoryStore()
        let table = try await DeltaTable.create(store: store, root: "t", schema: Self.schema, partitionColumns: partitionBy)
        let input = [batch(40, offset: 0), batch(25, offset: 1000)]
        for b in input {
            let snapshot = try await table.snapshot()
            let adds = try await DataFileWriter(table: table, snapshot: snapshot).write(b)
            var txn = try await table.startTransaction(operation: "WRITE")
            txn.add(contentsOf: adds)
            try await txn.commit()
        }
        let snapshot = try await table.snapshot()
        let read = try await table.readRows(snapshot: snapshot)
        // Empty strings in a partition column read back as null (the protocol's rule); elsewhere they stay.
        var expected = rows(input)
        if let nameIndex = Self.schema.index(of: "name"), partitionBy.contains("name") {
            for i in expected.indices where expected[i][nameIndex] == "" { expected[i][nameIndex] = "null" }
        }
        #expect(rows(read) == expected)
        #expect(snapshot.numRecords == 65)
        for file in snapshot.files {
            let key = try DeltaPaths.dataFileKey(tableRoot: "t", logPath: file.path)
            #expect(try await store.head(key).size == file.size)
            let stats = try #require(file.parsedStats)
            for column in partitionBy { #expect(stats.nullCount[column] == nil) }
            #expect(stats.nullCount["id"] == 0)
        }
        // Projection and partition pruning.
        let some = try await table.readRows(snapshot: snapshot, columns: ["n", "id"], predicate: .range("id", lower: .int(1000), upper: nil))
        #expect(some.allSatisfy { $0.schema.names == ["n", "id"] })
        #expect(some.reduce(0) { $0 + $1.rowCount } >= 25)
    }

    @Test func mismatchedBatchesAreRefused() async throws {
        let table = try await DeltaTable.create(store: InMemoryStore(), root: "t", schema: Self.schema)
        let snapshot = try await table.snapshot()
        let writer = try DataFileWriter(table: table, snapshot: snapshot)
        let wrong = ColumnBatch(schema: Schema([Field("id", .string)]), columns: [Column(.bytes(VarBytes()))], rowCount: 0)
        #expect(try await writer.write(wrong).isEmpty) // empty: nothing to write
        var ids = VarBytes(); ids.append("x")
        let bad = ColumnBatch(schema: Schema([Field("id", .string)]), columns: [Column(.bytes(ids))], rowCount: 1)
        await #expect { try await writer.write(bad) } throws: { "\($0)".contains("no column day") || "\($0)".contains("id") }
        var full = batch(3, offset: 0)
        full.columns[0] = Column(.int64([1, 2, 3]), validity: Bitmap([true, false, true]))
        await #expect { try await writer.write(full) } throws: { "\($0)".contains("not nullable") }
    }
}

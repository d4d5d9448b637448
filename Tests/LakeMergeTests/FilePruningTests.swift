import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore
import LakeParquet
import LakeTesting
import Testing

@testable import LakeMerge

/// File pruning must keep every file that holds a changed key (the oracle: a full scan of the files'
/// rows) and should leave out files that cannot hold one.
@Suite struct FilePruningTests {
    /// A deterministic generator, so a failure reproduces.
    struct Rng {
        var inner: SplitMix64
        init(state: UInt64) { inner = SplitMix64(seed: state) }
        mutating func next(_ bound: Int) -> Int { Int(inner.next() % UInt64(bound)) }
    }

    /// A value of one row: the key's first column, a second key column (region), a partition value.
    struct Row {
        var key: Int64?
        var region: String
        var month: String  // "2024-03"
    }

    enum KeyType { case int, string, date }

    /// A table of `files` (each a list of rows) committed with real statistics, and a change set.
    struct Case {
        var keyType: KeyType
        /// Key columns: ["k"] or ["k", "region"].
        var key: [String]
        /// Partition columns of the table: [], ["region"] (key or not), ["month"] (not a key), ["k_month"] (derived from a date key).
        var partitionBy: [String]
        var files: [[Row]]
        var changes: [Row]
    }

    static func keyType(_ t: KeyType) -> DataType {
        switch t {
        case .int: .int64
        case .string: .string
        case .date: .date
        }
    }

    static func keyColumn(_ rows: [Row], _ t: KeyType) -> Column {
        let valid = Bitmap(rows.map { $0.key != nil })
        let validity: Bitmap? = rows.allSatisfy { $0.key != nil } ? nil : valid
        switch t {
        case .int: return Column(.int64(rows.map { $0.key ?? 0 }), validity: validity)
        case .date: return Column(.int32(rows.map { Int32($0.key ?? 0) }), validity: validity)
        case .string:
            var vb = VarBytes()
            for r in rows {
                // Some keys are long, so their files' maxima are not recorded.
                if let k = r.key { vb.append(k % 7 == 0 ? String(format: "key-%08lld-", k) + String(repeating: "x", count: 40) : String(format: "key-%08lld", k)) } else { vb.appendEmpty() }
            }
            return Column(.bytes(vb), validity: validity)
        }
    }

    static func strings(_ values: [String]) -> Column {
        var vb = VarBytes()
        for v in values { vb.append(v) }
        return Column(.bytes(vb))
    }

    static func monthOf(days: Int64) -> String {
        DeltaValueFormat.date(Int32(days)).prefix(7).description
    }

    /// Runs pruning on the case and checks it against a full scan. Returns (picked, total, holding).
    static func run(_ c: Case) async throws -> (picked: Set<Int>, total: Int, holding: Set<Int>) {
        let kt = keyType(c.keyType)
        var dataFields = [Field("k", kt), Field("region", .string), Field("v", .string)]
        var derived: [PartitionSpec] = []
        var tableFields = dataFields
        if c.partitionBy.contains("month") {
            dataFields.append(Field("month", .string))
            tableFields.append(Field("month", .string))
        }
        if c.partitionBy.contains("k_month") {
            derived.append(PartitionSpec(source: "k", unit: .month))
            tableFields.append(Field("k_month", .string))
        }
        let tableSchema = Schema(tableFields)
        let dataSchema = Schema(dataFields)
        let store = InMemoryStore()
        let table = try await DeltaTable.create(store: store, schema: tableSchema, partitionColumns: c.partitionBy)
        var tx = try await table.startTransaction(operation: "WRITE")
        var paths: [String: Int] = [:]
        for (i, rows) in c.files.enumerated() {
            let stored = Schema(tableFields.filter { !c.partitionBy.contains($0.name) })
            var columns: [Column] = []
            for f in stored.fields {
                switch f.name {
                case "k": columns.append(keyColumn(rows, c.keyType))
                case "region": columns.append(strings(rows.map(\.region)))
                case "v": columns.append(strings(rows.map { _ in "v" }))
                default: columns.append(strings(rows.map(\.month)))
                }
            }
            let batch = ColumnBatch(schema: stored, columns: columns, rowCount: rows.count)
            var partition: PartitionValues = [:]
            for p in c.partitionBy {
                let r = rows[0]
                switch p {
                case "region": partition[p] = .some(r.region)
                case "month": partition[p] = .some(r.month)
                default: partition[p] = .some(r.key.map { monthOf(days: $0) })
                }
            }
            let path = "part-\(i).parquet"
            paths[path] = i
            tx.add(AddFile(path: path, partitionValues: partition, size: 100, modificationTime: 0, dataChange: true,
                           stats: FileStats.compute(batch).jsonString(order: stored.names)))
        }
        try await tx.commit()
        let snapshot = try await table.snapshot()

        let rows = c.changes
        var changeColumns: [Column] = [keyColumn(rows, c.keyType), strings(rows.map(\.region)), strings(rows.map { _ in "new" })]
        if c.partitionBy.contains("month") { changeColumns.append(strings(rows.map(\.month))) }
        let set = ChangeSet(rows: ColumnBatch(schema: dataSchema, columns: changeColumns, rowCount: rows.count),
                            ops: rows.map { _ in .update })
        let resolution = try ChangeResolver.resolve(set, keyColumns: c.key)
        let layout = Compactor.Layout(dataSchema: dataSchema, tableSchema: tableSchema, key: c.key,
                                      partitionColumns: c.partitionBy, derived: derived)
        let selection = try FilePruning(layout: layout, resolution: resolution).select(snapshot)
        let picked = Set(selection.files.compactMap { paths[$0.path] })

        // The oracle: every file holding a changed key (the full key: first column and region when composite).
        struct K: Hashable { var key: Int64?; var region: String? }
        let composite = c.key.count > 1
        let changed = Set(rows.map { K(key: $0.key, region: composite ? $0.region : nil) })
        var holding: Set<Int> = []
        for (i, file) in c.files.enumerated() where file.contains(where: { changed.contains(K(key: $0.key, region: composite ? $0.region : nil)) }) {
            holding.insert(i)
        }
        #expect(holding.isSubset(of: picked), "pruned away files \(holding.subtracting(picked).sorted()) that hold changed keys")
        #expect(Set(selection.readPaths) == Set(selection.files.map(\.path)))
        return (picked, c.files.count, holding)
    }

    /// Files of clustered key ranges (ids grow with time, as in most tables), a few scattered ones,
    /// and changes mostly on the newest keys plus some old ones and some absent (inserts).
    static func clustered(_ t: KeyType, seed: UInt64, partitionBy: [String] = [], key: [String] = ["k"], nullChange: Bool = false) -> Case {
        var rng = Rng(state: seed)
        var files: [[Row]] = []
        let regions = ["eu", "us", "ap"]
        let base: Int64 = t == .date ? 19_000 : 0
        for f in 0..<30 {
            var rows: [Row] = []
            let region = regions[f % 3]
            for _ in 0..<(20 + rng.next(20)) {
                let k = base + Int64(f * 100 + rng.next(100))
                rows.append(Row(key: k, region: region, month: monthOf(days: 19_000 + Int64(f * 30))))
            }
            if f == 7 { rows.append(Row(key: nil, region: region, month: rows[0].month)) }
            files.append(rows)
        }
        // Scattered files (a late-arriving backfill): any key.
        for f in 0..<3 {
            let region = regions[f]
            files.append((0..<10).map { _ in Row(key: base + Int64(rng.next(3000)), region: region, month: monthOf(days: 19_000)) })
        }
        var changes: [Row] = []
        for i in 0..<40 {
            let k = i < 30 ? base + Int64(2700 + rng.next(300)) : base + Int64(rng.next(3300))  // some beyond: inserts
            // The change row's region/month: usually the existing row's, but the old copy may be elsewhere.
            let hit = files.flatMap { $0 }.first { $0.key == k }
            changes.append(Row(key: k, region: hit?.region ?? regions[rng.next(3)], month: monthOf(days: 19_000 + Int64(rng.next(900)))))
        }
        if nullChange { changes.append(Row(key: nil, region: "eu", month: monthOf(days: 19_000))) }
        return Case(keyType: t, key: key, partitionBy: partitionBy, files: files, changes: changes)
    }

    @Test(arguments: [KeyType.int, .string, .date])
    func unpartitionedKeepsEveryHoldingFileAndSkipsOthers(_ t: KeyType) async throws {
        for seed in 1...5 as ClosedRange<UInt64> {
            let c = Self.clustered(t, seed: seed)
            let r = try await Self.run(c)
            switch t {
            case .int:
                // Exactly the files whose [min, max] holds a changed key.
                let keys = c.changes.compactMap(\.key)
                let expected = Set(c.files.indices.filter { i in
                    let ks = c.files[i].compactMap(\.key)
                    guard let lo = ks.min(), let hi = ks.max() else { return false }
                    return keys.contains { $0 >= lo && $0 <= hi }
                })
                #expect(r.picked == expected)
            case .string:
                #expect(r.picked.count < r.total * 2 / 3, "picked \(r.picked.count) of \(r.total)")
            case .date:
                break  // other key types prune by the overall key range only; soundness is what counts
            }
        }
    }

    @Test(arguments: [KeyType.int, .string])
    func partitionByNonKeyColumnStillFindsMovedRows(_ t: KeyType) async throws {
        // Partitioned by month, which is not in the key: a change's month says nothing about where the old row is.
        for seed in 1...5 as ClosedRange<UInt64> {
            _ = try await Self.run(Self.clustered(t, seed: seed, partitionBy: ["month"]))
        }
    }

    @Test func partitionByKeyColumnPrunesOtherPartitions() async throws {
        // Key (k, region), partitioned by region: a changed key's partition is known.
        for seed in 1...5 as ClosedRange<UInt64> {
            var c = Self.clustered(.int, seed: seed, partitionBy: ["region"], key: ["k", "region"])
            c.changes = c.changes.map { Row(key: $0.key, region: "eu", month: $0.month) }
            let r = try await Self.run(c)
            let others = Set(c.files.indices.filter { c.files[$0][0].region != "eu" })
            #expect(r.picked.isDisjoint(with: others), "read files of other regions: \(r.picked.intersection(others).sorted())")
        }
    }

    @Test func partitionDerivedFromKeyPrunesOtherMonths() async throws {
        // Key is a date, partitioned by its month.
        for seed in 1...3 as ClosedRange<UInt64> {
            var c = Self.clustered(.date, seed: seed, partitionBy: ["k_month"])
            // One file per month here: regroup the rows by the key's month.
            let all = c.files.flatMap { $0 }.filter { $0.key != nil }
            let byMonth = Dictionary(grouping: all) { Self.monthOf(days: $0.key ?? 0) }
            c.files = byMonth.keys.sorted().flatMap { m -> [[Row]] in
                let rows = byMonth[m] ?? []
                return [Array(rows.prefix(rows.count / 2 + 1)), Array(rows.dropFirst(rows.count / 2 + 1))].filter { !$0.isEmpty }
            }
            let r = try await Self.run(c)
            let months = Set(c.changes.compactMap { $0.key.map { Self.monthOf(days: $0) } })
            for i in r.picked { #expect(months.contains(Self.monthOf(days: c.files[i][0].key ?? 0))) }
        }
    }

    @Test(arguments: [KeyType.int, .string])
    func nullKeyKeepsFilesWithNulls(_ t: KeyType) async throws {
        let r = try await Self.run(Self.clustered(t, seed: 9, nullChange: true))
        #expect(r.picked.contains(7))  // the file with a null key
    }
}

@Suite struct ReadPredicateTests {
    @Test func coversTheChangedKeysAndNulls() throws {
        let schema = Schema([Field("k", .int64), Field("v", .string)])
        var v = VarBytes()
        for _ in 0..<4 { v.append("x") }
        let rows = ColumnBatch(schema: schema, columns: [
            Column(.int64([40, -3, 0, 17]), validity: Bitmap([true, true, false, true])), Column(.bytes(v)),
        ], rowCount: 4)
        let resolution = try ChangeResolver.resolve(ChangeSet(rows: rows, ops: [.update, .delete, .update, .insert]), keyColumns: ["k"])
        let layout = Compactor.Layout(dataSchema: schema, tableSchema: schema, key: ["k"], partitionColumns: [], derived: [])
        let predicate = FilePruning(layout: layout, resolution: resolution).readPredicate()
        #expect(predicate == .or([.range("k", lower: .int(-3), upper: .int(40)), .isNull("k")]))
    }
}

@Suite struct RowGroupFilterTests {
    /// A Parquet file of `rows` keys in row groups of 100, and the filter for `changed`; checks every
    /// row group holding a changed key is kept. Returns how many row groups were kept of how many.
    func run(string: Bool, keys: [Int64?], changed: [Int64?]) async throws -> (kept: Int, total: Int) {
        func column(_ ks: [Int64?]) -> Column {
            let validity: Bitmap? = ks.allSatisfy { $0 != nil } ? nil : Bitmap(ks.map { $0 != nil })
            if string {
                var vb = VarBytes()
                for k in ks {
                    if let k { vb.append(k % 5 == 0 ? String(format: "id-%06lld-", k) + String(repeating: "z", count: 80) : String(format: "id-%06lld", k)) } else { vb.appendEmpty() }
                }
                return Column(.bytes(vb), validity: validity)
            }
            return Column(.int64(ks.map { $0 ?? 0 }), validity: validity)
        }
        let schema = Schema([Field("k", string ? .string : .int64)])
        let sink = MemorySink()
        var options = WriterOptions()
        options.rowGroupRows = 100
        let writer = try ParquetWriter(sink: sink, schema: schema, options: options)
        try writer.write(ColumnBatch(schema: schema, columns: [column(keys)], rowCount: keys.count))
        try writer.close()
        let reader = try await ParquetReader.open(InMemorySource(bytes: sink.bytes))

        let set = ChangeSet(rows: ColumnBatch(schema: schema, columns: [column(changed)], rowCount: changed.count),
                            ops: changed.map { _ in .update })
        let resolution = try ChangeResolver.resolve(set, keyColumns: ["k"])
        let layout = Compactor.Layout(dataSchema: schema, tableSchema: schema, key: ["k"], partitionColumns: [], derived: [])
        let filter = ChangedKeyFilter(keyName: "k", keys: FilePruning(layout: layout, resolution: resolution).changed)
        let wanted = Set(changed)
        var kept = 0
        for g in 0..<reader.rowGroupCount {
            let holds = keys[(g * 100)..<min(keys.count, g * 100 + 100)].contains { wanted.contains($0) }
            let keep = filter.mayHold(reader, rowGroup: g)
            if holds { #expect(keep, "row group \(g) holds a changed key but was pruned") }
            if keep { kept += 1 }
        }
        return (kept, reader.rowGroupCount)
    }

    @Test(arguments: [false, true])
    func keepsEveryRowGroupHoldingAChangedKey(_ string: Bool) async throws {
        var rng = FilePruningTests.Rng(state: 7)
        // Ascending keys with gaps (a sorted table), then a scattered tail, one null.
        var keys: [Int64?] = (0..<1000).map { Int64($0 * 3) }
        keys += (0..<200).map { _ in Int64(rng.next(3000)) }
        keys[450] = nil
        let changed: [Int64?] = (0..<30).map { _ in Int64(2700 + rng.next(400)) } + [Int64(5), Int64(3001)]
        let r = try await run(string: string, keys: keys, changed: changed)
        #expect(r.kept < r.total / 2, "kept \(r.kept) of \(r.total)")
        // A changed null key keeps the row group with the null.
        let n = try await run(string: string, keys: keys, changed: [nil, 7])
        #expect(n.kept >= 1)
    }
}

@Suite struct DenseKeySetTests {
    func changed(_ keys: [Int64]) throws -> ChangedKeys {
        let schema = Schema([Field("k", .int64)])
        let rows = ColumnBatch(schema: schema, columns: [Column(.int64(keys))], rowCount: keys.count)
        let resolution = try ChangeResolver.resolve(ChangeSet(rows: rows, ops: keys.map { _ in .update }), keyColumns: ["k"])
        return ChangedKeys(resolution: resolution, type: .int64)
    }

    @Test func holdsExactlyTheChangedKeys() throws {
        var rng = FilePruningTests.Rng(state: 11)
        let keys = (0..<5000).map { _ in Int64(rng.next(40_000)) - 20_000 }
        let set = try #require(DenseKeySet(try changed(keys)))
        let wanted = Set(keys)
        for v in Int64(-20_100)...Int64(20_100) { #expect(set.contains(v) == wanted.contains(v)) }
        #expect(!set.contains(.min) && !set.contains(.max))
    }

    @Test func sparseOrHugeRangesGetNoBitmap() throws {
        #expect(DenseKeySet(try changed([0, 1 << 40])) == nil)
        #expect(DenseKeySet(try changed([.min, .max])) == nil)
        #expect(DenseKeySet(try changed((0..<100).map { $0 * 1000 })) == nil)
    }
}

@Suite struct ChangedStringKeysTests {
    /// `anyString` and the read-predicate bounds agree with a brute force over the keys, for keys
    /// sharing a long prefix (the sort looks past it), prefixes of one another, and non-ASCII keys.
    @Test(arguments: [false, true])
    func rangeQueriesMatchBruteForce(_ unicode: Bool) throws {
        var rng = FilePruningTests.Rng(state: unicode ? 5 : 3)
        var v = VarBytes()
        var keys: [[UInt8]] = []
        for i in 0..<3000 {
            var text = "order-2024-" + String(rng.next(100_000))
            if i % 7 == 0 { text = String(text.prefix(12)) }  // prefixes of other keys
            if unicode, i % 5 == 0 { text += ["é", "日本", "\u{1F389}", "e\u{301}"][rng.next(4)] }
            v.append(text)
            keys.append(Array(text.utf8))
        }
        let schema = Schema([Field("k", .string)])
        let rows = ColumnBatch(schema: schema, columns: [Column(.bytes(v))], rowCount: keys.count)
        let resolution = try ChangeResolver.resolve(ChangeSet(rows: rows, ops: keys.map { _ in .update }), keyColumns: ["k"])
        let changed = ChangedKeys(resolution: resolution, type: .string)
        func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
        for _ in 0..<400 {
            let a = bytes("order-2024-" + String(rng.next(100_000))), b = bytes("order-2024-" + String(rng.next(100_000)))
            let (lo, hi) = a.lexicographicallyPrecedes(b) ? (a, b) : (b, a)
            let want = keys.contains { !$0.lexicographicallyPrecedes(lo) && !hi.lexicographicallyPrecedes($0) }
            #expect(changed.anyString(from: lo, through: hi) == want)
            let open = keys.contains { !$0.lexicographicallyPrecedes(lo) }
            #expect(changed.anyString(from: lo, through: nil) == open)
        }
        guard case .range(.string(let lo), .string(let hi))? = changed.bounds else {
            Issue.record("no string bounds")
            return
        }
        let texts = keys.map { String(decoding: $0, as: UTF8.self) }
        #expect(texts.allSatisfy { lo <= $0 && $0 <= hi })
        #expect(texts.contains(lo) && texts.contains(hi))
    }
}

@Suite struct TruncatedMaximumTests {
    @Test func truncationMarkersBoundEveryContinuation() {
        for marker in ["\u{FFFF}", "\u{FFFD}"] {
            let bound = FilePruning.upperBound("abcdefghijklmnopqrstuvwxyz012345" + marker)
            for key in ["abcdefghijklmnopqrstuvwxyz012345\u{1F389}", "abcdefghijklmnopqrstuvwxyz012345\u{FFFF}zz",
                        "abcdefghijklmnopqrstuvwxyz0123456"] {
                #expect(!bound.lexicographicallyPrecedes(Array(key.utf8)), "\(key) must be below the bound")
            }
            #expect(bound.lexicographicallyPrecedes(Array("abcdefghijklmnopqrstuvwxyz012346".utf8)))
        }
        #expect(FilePruning.upperBound("plain") == Array("plain".utf8))
    }
}

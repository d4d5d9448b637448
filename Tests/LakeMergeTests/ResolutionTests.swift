import LakeColumnar
import LakeTesting
import Testing

@testable import LakeMerge

/// Builds a change set over (id int64, region string, v string) from compact row specs.
private func changes(_ rows: [(ChangeOp, Int64, String?, String?)], seq: [Int128]? = nil, time: [Int64]? = nil,
                     before: [Int64?]? = nil) -> ChangeSet {
    var ids: [Int64] = []
    var regions = VarBytes()
    var regionValid = Bitmap()
    var values = VarBytes()
    var valueValid = Bitmap()
    for (_, id, region, value) in rows {
        ids.append(id)
        if let region { regions.append(region) } else { regions.appendEmpty() }
        regionValid.append(region != nil)
        if let value { values.append(value) } else { values.appendEmpty() }
        valueValid.append(value != nil)
    }
    let schema = Schema([Field("id", .int64), Field("region", .string), Field("v", .string)])
    let batch = ColumnBatch(schema: schema, columns: [
        Column(.int64(ids)), Column(.bytes(regions), validity: regionValid), Column(.bytes(values), validity: valueValid),
    ], rowCount: rows.count)
    var beforeKeys: [Column]?
    if let before {
        beforeKeys = [Column(.int64(before.map { $0 ?? 0 }), validity: Bitmap(before.map { $0 != nil }))]
    }
    return ChangeSet(rows: batch, ops: rows.map(\.0), sequence: seq, commitTime: time, beforeKeys: beforeKeys)
}

/// The resolved outcome as a dictionary id → final value (nil = deleted), for assertions.
private func outcome(_ r: Resolution) -> [Int64: String?] {
    guard case .bytes(let values) = r.changes.rows.columns[2].storage
    else { return [:] }
    var out: [Int64: String?] = [:]
    let keys = r.index.sources
    for g in 0..<r.keyCount {
        let rep = r.index.representatives[g]
        guard case .int64(let keyIds) = keys[Int(rep.source)].columns[0].storage else { continue }
        let id = keyIds[Int(rep.row)]
        out[id] = r.outcome[g] >= 0 ? .some(values.string(at: Int(r.outcome[g]))) : .some(nil)
    }
    return out
}

@Suite struct ResolutionTests {
    @Test func lastChangeWinsInArrivalOrder() throws {
        let c = changes([(.insert, 1, "eu", "a"), (.update, 1, "eu", "b"), (.insert, 2, "us", "x"), (.update, 1, "eu", "c")])
        let r = try ChangeResolver.resolve(c, keyColumns: ["id"])
        #expect(outcome(r) == [1: "c", 2: "x"])
        #expect(r.upsertRows == [2, 3])
    }

    @Test func deleteWinsAndDeleteOfAbsentKeyIsNoOpDelete() throws {
        let c = changes([(.insert, 1, "eu", "a"), (.delete, 1, nil, nil), (.delete, 9, nil, nil)])
        let r = try ChangeResolver.resolve(c, keyColumns: ["id"])
        #expect(outcome(r) == ([1: nil, 9: nil] as [Int64: String?]))
        #expect(r.upsertRows.isEmpty)
    }

    @Test func insertAfterDeleteReinserts() throws {
        let c = changes([(.delete, 1, nil, nil), (.insert, 1, "eu", "new")])
        #expect(outcome(try ChangeResolver.resolve(c, keyColumns: ["id"])) == [1: "new"])
    }

    @Test func sequenceOrdersBeforeArrival() throws {
        // Arrival order says "late" wins; the sequence says "first" is the newest change.
        let c = changes([(.update, 1, "eu", "first"), (.update, 1, "eu", "late")], seq: [20, 10])
        #expect(outcome(try ChangeResolver.resolve(c, keyColumns: ["id"])) == [1: "first"])
    }

    @Test func missingSequenceSortsFirst() throws {
        // A full-load row (no sequence) arriving after a CDC row with one is still older.
        let c = changes([(.update, 1, "eu", "cdc"), (.insert, 1, "eu", "load")], seq: [5, ChangeSet.noSequence])
        #expect(outcome(try ChangeResolver.resolve(c, keyColumns: ["id"])) == [1: "cdc"])
    }

    @Test func commitTimeOrdersWhenNoSequenceAndTiesFallBackToArrival() throws {
        let c = changes([(.update, 1, "eu", "b"), (.update, 1, "eu", "a"), (.delete, 2, nil, nil), (.insert, 2, "eu", "z")],
                        time: [200, 100, 300, 300])
        #expect(outcome(try ChangeResolver.resolve(c, keyColumns: ["id"])) == [1: "b", 2: "z"])
    }

    @Test func primaryKeyChangeThroughBeforeImageMovesTheRow() throws {
        let c = changes([(.update, 2, "eu", "moved")], before: [1])
        let r = try ChangeResolver.resolve(c, keyColumns: ["id"])
        #expect(outcome(r) == ([1: nil, 2: "moved"] as [Int64: String?]))
        #expect(r.keyMoves == 1)
    }

    @Test func beforeImageEqualToAfterIsAPlainUpdate() throws {
        let c = changes([(.insert, 1, "eu", "a"), (.update, 1, "eu", "b")], before: [nil, 1])
        let r = try ChangeResolver.resolve(c, keyColumns: ["id"])
        #expect(outcome(r) == [1: "b"])
        #expect(r.keyMoves == 0)
    }

    @Test func reinsertOfOldKeyAfterMoveSurvives() throws {
        let c = changes([(.update, 2, "eu", "moved"), (.insert, 1, "eu", "again")], before: [1, nil])
        #expect(outcome(try ChangeResolver.resolve(c, keyColumns: ["id"])) == [1: "again", 2: "moved"])
    }

    @Test func compositeKeysAndNullKeyParts() throws {
        let c = changes([(.insert, 1, "eu", "a"), (.insert, 1, "us", "b"), (.update, 1, "eu", "c"),
                         (.insert, 1, nil, "n1"), (.update, 1, nil, "n2")])
        let r = try ChangeResolver.resolve(c, keyColumns: ["id", "region"])
        #expect(r.keyCount == 3)
        #expect(r.upsertRows == [1, 2, 4])
    }

    @Test func unicodeStringKeysCompareByBytes() throws {
        var keys = VarBytes()
        for s in ["é", "e\u{301}", "é", "日本", ""] { keys.append(s) }
        let batch = ColumnBatch(schema: Schema([Field("k", .string)]), columns: [Column(.bytes(keys))], rowCount: 5)
        let r = try ChangeResolver.resolve(ChangeSet(rows: batch, ops: [.insert, .insert, .update, .insert, .insert]),
                                           keyColumns: ["k"])
        #expect(r.keyCount == 4)  // "é" (precomposed) twice; the decomposed form is a different key
        #expect(r.upsertRows == [1, 2, 3, 4])
    }

    @Test func missingKeyColumnIsAClearError() {
        let c = changes([(.insert, 1, "eu", "a")])
        #expect(throws: MergeError.self) { try ChangeResolver.resolve(c, keyColumns: ["nope"]) }
        #expect(throws: MergeError.self) { try ChangeResolver.resolve(c, keyColumns: []) }
    }

    @Test func tableRowsFindTheirGroup() throws {
        let r = try ChangeResolver.resolve(changes([(.update, 5, "eu", "x"), (.delete, 7, nil, nil)]), keyColumns: ["id"])
        let table = KeyColumns([Column(.int64([1, 5, 7, 9]))])
        let hashes = table.hashes()
        let found = (0..<4).map { r.group(of: table, row: $0, hash: hashes[$0]) != nil }
        #expect(found == [false, true, true, false])
    }

    @Test func manyKeysResolveLikeADictionary() throws {
        // A deterministic pseudo-random stream checked against a straightforward dictionary replay.
        var rng = SplitMix64(seed: 42)
        var rows: [(ChangeOp, Int64, String?, String?)] = []
        var expected: [Int64: String?] = [:]
        for i in 0..<20_000 {
            let id = Int64(rng.next() % 3_000)
            let op: ChangeOp = [.insert, .update, .delete][Int(rng.next() % 3)]
            let value = op == .delete ? nil : "v\(i)"
            rows.append((op, id, "r", value))
            expected[id] = .some(value)
        }
        let r = try ChangeResolver.resolve(changes(rows), keyColumns: ["id"])
        #expect(outcome(r) == expected)
    }
}

import LakeColumnar

/// Resolves a ``ChangeSet`` to one outcome per primary key. **This is the one place the rule lives**
/// (docs/MERGE.md repeats it for users):
///
/// 1. Each change becomes an *event* on its key. A `U` whose before-image key is present and differs
///    from its after-image key (a primary-key change) becomes two events at the same position: a `D`
///    of the old key, then the `U` of the new key.
/// 2. A key's events are ordered by
///    a. the sequence column (`$AR_H_CHANGE_SEQ`, lakectl's `_seq`), a row without one sorting first
///       (DMS leaves it empty during full load);
///    b. then the commit timestamp, a row without one sorting first;
///    c. then arrival order: file order (full-load files, then CDC files by the time in their names,
///       then lakectl change-log order), then the row's position in its file;
///    d. then the before-image `D` before the `U` it was split from.
/// 3. The **last** event wins: a `D` deletes the key (deleting an absent key is a no-op); an `I` or a
///    `U` makes the key's row equal to its after-image (a `U` of an absent key inserts, an `I` of a
///    present key overwrites). Earlier events of the key have no effect.
/// 4. Applying an outcome removes the key's old row wherever it lives, so an update that changes a
///    partition column moves the row (the old copy is removed, the new one written in its partition).
///
/// Changes already committed to the table in earlier runs are not re-ordered against a new batch:
/// each run applies its resolved batch on top of the table (commit order across runs).
public enum ChangeResolver {
    /// Resolves `changes` keyed on `keyColumns` (names of columns of `changes.rows`).
    public static func resolve(_ changes: ChangeSet, keyColumns: [String]) throws -> Resolution {
        try changes.validate()
        guard !keyColumns.isEmpty else { throw MergeError("no primary key: pass --key COL,... or put \"key\" in the schema file") }
        let after = try KeyColumns(batch: changes.rows, names: keyColumns, context: "changes")
        var sources = [after]
        var before: KeyColumns?
        if let beforeKeys = changes.beforeKeys {
            guard beforeKeys.count == keyColumns.count else {
                throw MergeError("changes have \(beforeKeys.count) before-image key columns but the key has \(keyColumns.count)")
            }
            let b = KeyColumns(beforeKeys)
            before = b
            sources.append(b)
        }
        let n = changes.count
        var index = KeyIndex(sources: sources, expectedGroups: n)

        // Every event's group, in arrival order (kind 0 = a split-off delete of a before-image key,
        // 1 = the row itself); then per group the winning event (winRow, winKind).
        var moves = 0
        var eventGroup: [Int32]
        var eventRow: [Int32] = []
        var eventKind: [UInt8] = []
        if before == nil, index.int64Keys != nil {
            // One integer key column and no before-images: every row's group in one pass.
            eventGroup = index.findOrInsertAll(int64Source: 0)
        } else {
            let afterHashes = after.hashes()
            let beforeHashes = before?.hashes()
            eventGroup = []
            eventGroup.reserveCapacity(n)
            eventRow.reserveCapacity(n)
            eventKind.reserveCapacity(n)
            for row in 0..<n {
                if let before, let beforeHashes, changes.ops[row] == .update, !before.allNull(row),
                   !before.equal(row, after, row) {
                    eventGroup.append(Int32(index.findOrInsert(source: 1, row: row, hash: beforeHashes[row])))
                    eventRow.append(Int32(row))
                    eventKind.append(0)
                    moves += 1
                }
                eventGroup.append(Int32(index.findOrInsert(source: 0, row: row, hash: afterHashes[row])))
                eventRow.append(Int32(row))
                eventKind.append(1)
            }
        }
        // Without split events, event i is row i of kind 1.
        let rowsAreEvents = eventRow.isEmpty
        var winRow = [Int32](repeating: -1, count: index.groupCount)
        var winKind = [UInt8](repeating: 1, count: index.groupCount)
        changes.sequence.withUnsafeBufferPointer { seq in
            changes.commitTime.withUnsafeBufferPointer { time in
                winRow.withUnsafeMutableBufferPointer { win in
                    winKind.withUnsafeMutableBufferPointer { winKind in
                        for e in 0..<eventGroup.count {
                            let g = Int(eventGroup[e])
                            let row = rowsAreEvents ? e : Int(eventRow[e])
                            let kind: UInt8 = rowsAreEvents ? 1 : eventKind[e]
                            let w = Int(win[g])
                            if w < 0 || precedes(seq, time, w, winKind[g], row, kind) {
                                win[g] = Int32(row)
                                winKind[g] = kind
                            }
                        }
                    }
                }
            }
        }

        var outcome = [Int32](repeating: -1, count: winRow.count)
        for g in 0..<winRow.count where winKind[g] == 1 && changes.ops[Int(winRow[g])] != .delete {
            outcome[g] = winRow[g]
        }
        return Resolution(changes: changes, keyColumns: keyColumns, index: index, outcome: outcome,
                          keyMoves: moves)
    }

    /// Whether event (`a`, `aKind`) comes strictly before event (`b`, `bKind`) in the rule's order.
    @inline(__always)
    static func precedes(_ c: ChangeSet, _ a: Int, _ aKind: UInt8, _ b: Int, _ bKind: UInt8) -> Bool {
        precedes(c.sequence, c.commitTime, a, aKind, b, bKind)
    }

    /// ``precedes(_:_:_:_:_:)`` on the change set's ordering columns (arrays or raw buffers).
    @inline(__always)
    static func precedes<Sequence: RandomAccessCollection<Int128>, Time: RandomAccessCollection<Int64>>(
        _ sequence: Sequence, _ time: Time, _ a: Int, _ aKind: UInt8, _ b: Int, _ bKind: UInt8
    ) -> Bool where Sequence.Index == Int, Time.Index == Int {
        if sequence[a] != sequence[b] { return sequence[a] < sequence[b] }
        if time[a] != time[b] { return time[a] < time[b] }
        if a != b { return a < b }
        return aKind < bKind
    }
}

/// The outcome of resolving a change set: for each distinct key touched, its final row or a delete.
public struct Resolution: Sendable {
    public let changes: ChangeSet
    public let keyColumns: [String]
    /// The distinct keys (groups) the changes touch.
    public let index: KeyIndex
    /// Per group: the row of ``changes`` holding the key's final after-image, or -1 for "deleted".
    public let outcome: [Int32]
    /// How many updates changed their primary key (before-image differs).
    public let keyMoves: Int

    public var keyCount: Int { outcome.count }

    /// Rows of ``changes`` that are final after-images (one per surviving key), in change order.
    public var upsertRows: [Int] {
        // A flag per change row, then one ascending pass: no sort of the (up to millions of) rows.
        var final = [Bool](repeating: false, count: changes.count)
        var count = 0
        for row in outcome where row >= 0 {
            final[Int(row)] = true
            count += 1
        }
        var rows: [Int] = []
        rows.reserveCapacity(count)
        for (row, isFinal) in final.enumerated() where isFinal { rows.append(row) }
        return rows
    }

    /// The group a table row's key belongs to, if the changes touch that key.
    @inline(__always)
    public func group(of keys: KeyColumns, row: Int, hash: UInt64) -> Int? {
        index.find(keys, row: row, hash: hash)
    }
}

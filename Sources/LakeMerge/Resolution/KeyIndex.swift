/// An open-addressing hash table from keys to dense group numbers `0..<groupCount`.
///
/// Each group remembers the first row that introduced it (a `KeyRef`: which key source and which
/// row), so lookups from any other ``KeyColumns`` compare typed values, never boxed ones.
public struct KeyIndex: Sendable {
    /// A row of one of the index's key sources.
    public struct KeyRef: Sendable, Hashable {
        public var source: Int32
        public var row: Int32
    }

    public private(set) var sources: [KeyColumns]
    private var slots: [Int32]
    private var mask: Int
    public private(set) var groupHashes: [UInt64] = []
    /// The row that introduced each group.
    public private(set) var representatives: [KeyRef] = []

    public var groupCount: Int { representatives.count }

    /// Each group's key when every source is one non-null 64-bit integer column (the common
    /// `id bigint` key): lookups then compare integers instead of going through ``KeyColumns``.
    public private(set) var int64Keys: [Int64]?
    /// The sources' key values in that case.
    private var sourceInt64: [[Int64]] = []

    /// - Parameters:
    ///   - sources: the key columns rows may come from (e.g. after-image keys and before-image keys).
    ///   - expectedGroups: a sizing hint.
    public init(sources: [KeyColumns], expectedGroups: Int) {
        self.sources = sources
        var capacity = 16
        while capacity < expectedGroups * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        groupHashes.reserveCapacity(expectedGroups)
        representatives.reserveCapacity(expectedGroups)
        let values = sources.compactMap(\.int64Values)
        if values.count == sources.count {
            sourceInt64 = values
            int64Keys = []
            int64Keys?.reserveCapacity(expectedGroups)
        }
    }

    /// The group of row `row` of source `source` (whose hash is `hash`), created if new.
    public mutating func findOrInsert(source: Int, row: Int, hash: UInt64) -> Int {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let g = Int(slots[slot])
            if g < 0 {
                let group = representatives.count
                slots[slot] = Int32(group)
                groupHashes.append(hash)
                representatives.append(KeyRef(source: Int32(source), row: Int32(row)))
                if int64Keys != nil { int64Keys?.append(sourceInt64[source][row]) }
                if representatives.count * 2 > slots.count { grow() }
                return group
            }
            if let keys = int64Keys {
                if keys[g] == sourceInt64[source][row] { return g }
            } else if groupHashes[g] == hash {
                let rep = representatives[g]
                if sources[source].equal(row, sources[Int(rep.source)], Int(rep.row)) { return g }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The group holding row `row` of `keys` (a batch outside the index, e.g. a table file), if any.
    public func find(_ keys: KeyColumns, row: Int, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let g = Int(slots[slot])
            if g < 0 { return nil }
            if groupHashes[g] == hash {
                let rep = representatives[g]
                if keys.equal(row, sources[Int(rep.source)], Int(rep.row)) { return g }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The group of every row of `source` (a single 64-bit integer key column, ``int64Keys`` set),
    /// inserting new keys: the bulk form of ``findOrInsert(source:row:hash:)``, on raw buffers.
    public mutating func findOrInsertAll(int64Source source: Int) -> [Int32] {
        let values = sourceInt64[source]
        var groups = [Int32](repeating: 0, count: values.count)
        guard var keys = int64Keys else { return groups }
        int64Keys = nil  // owned here while inserting (no copy on append)
        for row in 0..<values.count {
            if (representatives.count + 1) * 2 > slots.count {
                int64Keys = keys
                grow()
                int64Keys = nil
            }
            let v = values[row]
            let hash = KeyColumns.int64Hash(v)
            var slot = Int(truncatingIfNeeded: hash) & mask
            var group = -1
            while true {
                let g = Int(slots[slot])
                if g < 0 { break }
                if keys[g] == v {
                    group = g
                    break
                }
                slot = (slot + 1) & mask
            }
            if group < 0 {
                group = representatives.count
                slots[slot] = Int32(group)
                groupHashes.append(hash)
                representatives.append(KeyRef(source: Int32(source), row: Int32(row)))
                keys.append(v)
            }
            groups[row] = Int32(group)
        }
        int64Keys = keys
        return groups
    }

    /// The group of a single 64-bit integer key (only when ``int64Keys`` is set); `hash` is
    /// ``KeyColumns/int64Hash(_:)`` of it.
    @inline(__always)
    public func find(int64 value: Int64, hash: UInt64, keys: UnsafeBufferPointer<Int64>) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let g = Int(slots[slot])
                if g < 0 { return nil }
                if keys[g] == value { return g }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for (g, hash) in groupHashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(g)
        }
    }
}

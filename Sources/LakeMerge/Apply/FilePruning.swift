import DeltaLog
import LakeColumnar
import LakeParquet

/// Step 4 of a compact round: which live files of the snapshot may hold a changed key, so only those
/// are read (and, when they do hold one, rewritten). A file is ruled out only when it provably holds
/// none of the changed keys; when the log cannot tell, the file is kept.
///
/// The rules (docs/MERGE.md, "Which files are read"):
/// 1. **Partitions, only where the key decides them.** A key's old row may sit in any partition when
///    the partition column is an ordinary column (an update may move the row, a delete may carry only the
///    key). But when a partition column *is* a key column, or is derived (`COL:month`, ...) from one, the
///    key fixes the partition: a file of another partition cannot hold it.
/// 2. **Key statistics.** Per file, the `minValues`/`maxValues` of the first key column in the file's
///    `add.stats`: the file is kept when one of the changed keys (of its partition, under rule 1) lies in
///    `[min, max]` — a binary search in the sorted keys. Integer and string keys are checked key by
///    key (strings in UTF-8 byte order, the order Delta statistics use; a string minimum may be a
///    truncated prefix, still a lower bound; a missing maximum means no upper bound). Other key types
///    are checked against the changed keys' overall `[lowest, highest]` range.
/// 3. A changed key whose first column is null can only be in files whose statistics allow nulls there.
/// 4. A file without statistics for the key is kept.
struct FilePruning: Sendable {
    let layout: Compactor.Layout
    let resolution: Resolution

    /// The files to read, and what the commit must record as read for conflict detection.
    struct Selection: Sendable {
        var files: [AddFile]
        /// The paths read, when not the whole table (the commit's read set).
        var readPaths: [String] = []
        /// True when every file had to be read (statistics could not rule any out).
        var readWholeTable = false
    }

    /// The changed keys of one partition (or of the whole table when partitions cannot be used),
    /// sorted, in the comparable form of the key's type.
    private struct KeyGroup {
        var ints: [Int64] = []
        var strings: [[UInt8]] = []
        var lowest: ScalarValue?
        var highest: ScalarValue?
        var hasNull = false
        /// A key the statistics cannot place: every file of the partition is kept.
        var keepAll = false
    }

    private enum KeyKind { case int, string, other }

    func select(_ snapshot: Snapshot) throws -> Selection {
        let files = snapshot.files
        guard !files.isEmpty, resolution.keyCount > 0 else { return Selection(files: []) }
        let keyName = layout.key[0]
        guard let keyIndex = layout.tableSchema.index(of: keyName) else { return Selection(files: files) }
        let type = layout.tableSchema.fields[keyIndex].type
        let kind: KeyKind
        switch type {
        case .int8, .int16, .int32, .int64: kind = .int
        case .string: kind = .string
        default: kind = .other
        }

        let keyed = try keyedPartitions(snapshot: snapshot)
        var groups: [[String?]: KeyGroup] = [:]
        let sources = resolution.index.sources
        for ref in resolution.index.representatives {
            let keys = sources[Int(ref.source)]
            let row = Int(ref.row)
            let part = try keyed.map { try $0.values(keys, row: row) } ?? []
            // In place: a copy of the group out of the dictionary would copy its arrays on every append.
            Self.add(keys.columns[0], row: row, kind: kind, type: type, to: &groups[part, default: KeyGroup()])
        }
        for (part, var group) in groups {
            group.ints.sort()
            group.strings.sort { $0.lexicographicallyPrecedes($1) }
            groups[part] = group
        }

        // Other key types: the files whose statistics overlap a group's [lowest, highest] (checked by the log).
        var inRange: Set<String> = []
        if kind == .other {
            for group in groups.values {
                guard let lowest = group.lowest, let highest = group.highest else { continue }
                inRange.formUnion(try snapshot.scan(.range(keyName, lower: lowest, upper: highest)).map(\.path))
            }
        }
        let picked = files.filter { file in
            let part = keyed?.fileValues(file) ?? []
            guard let group = groups[part] else { return false }
            if group.keepAll { return true }
            return Self.mayHold(group, file: file, keyName: keyName, kind: kind, inRange: inRange)
        }
        return Selection(files: picked, readPaths: picked.map(\.path))
    }

    /// Adds one changed key (first key column, `row`) to its partition's group.
    private static func add(_ column: Column, row: Int, kind: KeyKind, type: DataType, to group: inout KeyGroup) {
        if column.isNull(row) {
            group.hasNull = true
            return
        }
        switch (kind, column.storage) {
        case (.string, .bytes(let v)): group.strings.append(Array(v[row]))
        default:
            let value = column.scalar(at: row, type: type)
            if kind == .int, case .int(let i) = value { group.ints.append(i); return }
            if kind != .other { group.keepAll = true; return }
            if group.lowest.map({ (ScalarValue.compare(value, $0) ?? 0) < 0 }) ?? true { group.lowest = value }
            if group.highest.map({ (ScalarValue.compare(value, $0) ?? 0) > 0 }) ?? true { group.highest = value }
        }
    }

    /// What a round depends on besides the files it read, for the commit's conflict check: a
    /// concurrent commit that adds a file which may hold a changed key (first key column within the
    /// changed keys' `[lowest, highest]`, or null when a changed key's is) makes this round redo its
    /// work, so a key is never written twice by two writers. Nil when there are no changed keys.
    func readPredicate() -> ScanPredicate? {
        let keyName = layout.key[0]
        guard let keyIndex = layout.tableSchema.index(of: keyName) else { return nil }
        let type = layout.tableSchema.fields[keyIndex].type
        var lowest: ScalarValue?, highest: ScalarValue?
        var hasNull = false
        let sources = resolution.index.sources
        for ref in resolution.index.representatives {
            let column = sources[Int(ref.source)].columns[0]
            let value = column.scalar(at: Int(ref.row), type: type)
            if case .null = value {
                hasNull = true
                continue
            }
            guard let lo = lowest, let hi = highest else {
                lowest = value
                highest = value
                continue
            }
            guard let cl = ScalarValue.compare(value, lo), let ch = ScalarValue.compare(value, hi) else { return nil }
            if cl < 0 { lowest = value }
            if ch > 0 { highest = value }
        }
        var parts: [ScanPredicate] = []
        if let lowest, let highest { parts.append(.range(keyName, lower: lowest, upper: highest)) }
        if hasNull { parts.append(.isNull(keyName)) }
        return parts.count <= 1 ? parts.first : .or(parts)
    }

    /// Whether `file` may hold one of `group`'s keys, by its statistics of the first key column.
    private static func mayHold(_ group: KeyGroup, file: AddFile, keyName: String, kind: KeyKind, inRange: Set<String>) -> Bool {
        guard let stats = file.parsedStats else { return true }
        if stats.numRecords == 0 { return false }
        let nulls = stats.nullCount[keyName]
        if group.hasNull, nulls.map({ $0 > 0 }) ?? true { return true }
        if let nulls, stats.numRecords > 0, nulls == stats.numRecords { return false }  // only nulls there
        let minStat = stats.minValues[keyName], maxStat = stats.maxValues[keyName]
        switch kind {
        case .int:
            guard !group.ints.isEmpty else { return false }
            guard let min = minStat?.int64Value, let max = maxStat?.int64Value else { return true }
            let i = lowerBound(group.ints, min, less: <)
            return i < group.ints.count && group.ints[i] <= max
        case .string:
            guard !group.strings.isEmpty else { return false }
            guard let minText = minStat?.stringValue else { return true }
            let min = Array(minText.utf8)
            let i = lowerBound(group.strings, min) { $0.lexicographicallyPrecedes($1) }
            guard i < group.strings.count else { return false }
            // A maximum that is absent (e.g. too long to record) bounds nothing.
            guard let maxText = maxStat?.stringValue else { return true }
            return !Array(maxText.utf8).lexicographicallyPrecedes(group.strings[i])
        case .other:
            // Coarse: within some group's key range. (Per partition group would be finer; rare key types.)
            return group.lowest != nil && inRange.contains(file.path)
        }
    }

    /// The first index whose element is not less than `value`.
    private static func lowerBound<T>(_ sorted: [T], _ value: T, less: (T, T) -> Bool) -> Int {
        var a = 0, b = sorted.count
        while a < b {
            let m = (a + b) / 2
            if less(sorted[m], value) { a = m + 1 } else { b = m }
        }
        return a
    }

    /// The partition columns whose value a key decides (rule 1), or nil when there are none.
    private func keyedPartitions(snapshot: Snapshot) throws -> KeyedPartitions? {
        var entries: [KeyedPartitions.Entry] = []
        for column in snapshot.partitionColumns {
            if let k = layout.key.firstIndex(of: column), let i = layout.tableSchema.index(of: column) {
                let type = layout.tableSchema.fields[i].type
                // Only types whose partition text has one spelling (any writer), so equal values compare equal.
                switch type {
                case .int8, .int16, .int32, .int64, .string, .date: entries.append(.init(column: column, keyPosition: k, type: type, spec: nil))
                default: continue
                }
            } else if let spec = layout.derived.first(where: { $0.column == column }), let k = layout.key.firstIndex(of: spec.source),
                      let i = layout.tableSchema.index(of: spec.source) {
                entries.append(.init(column: column, keyPosition: k, type: layout.tableSchema.fields[i].type, spec: spec))
            }
        }
        return entries.isEmpty ? nil : KeyedPartitions(entries: entries)
    }
}

/// The partition columns a key decides, and how to compute their values from a key.
private struct KeyedPartitions {
    struct Entry {
        var column: String
        /// The key column the partition value comes from.
        var keyPosition: Int
        /// That key column's type.
        var type: DataType
        /// Set when the partition column is derived (`COL:month`) from the key column.
        var spec: PartitionSpec?
    }

    var entries: [Entry]

    /// The partition values (log text) of row `row` of `keys`, in ``entries`` order.
    func values(_ keys: KeyColumns, row: Int) throws -> [String?] {
        try entries.map { entry in
            let column = keys.columns[entry.keyPosition]
            if let spec = entry.spec {
                let one = column.slice(row..<(row + 1))
                let batch = ColumnBatch(schema: Schema([Field(spec.source, entry.type)]), columns: [one], rowCount: 1)
                let derived = try spec.derive(from: batch)
                if derived.isNull(0) { return nil }
                guard case .bytes(let v) = derived.storage else { return nil }
                return String(decoding: v[0], as: UTF8.self)
            }
            return DeltaValueFormat.partitionString(column.scalar(at: row, type: entry.type), type: entry.type)
        }
    }

    /// A file's values of the same columns (an empty string is null, as the protocol says).
    func fileValues(_ file: AddFile) -> [String?] {
        entries.map { entry in
            guard let text = file.partitionValues[entry.column] ?? nil, !text.isEmpty else { return nil }
            return text
        }
    }
}

/// Row-group pruning inside a file that file pruning kept: the changed keys' first column checked
/// against each row group's Parquet statistics (min/max, null count), so the scan need not decode the
/// key columns of row groups that cannot hold a changed key. Integer and string keys; any other key
/// type, or statistics the reader cannot decode, keep the row group.
struct ChangedKeyFilter: Sendable {
    let keyName: String
    private var ints: [Int64] = []
    private var strings: [[UInt8]] = []
    private var hasNull = false
    /// False when the filter cannot judge (key type or an unplaceable key): every row group is kept.
    private var usable = true

    init(layout: Compactor.Layout, resolution: Resolution) {
        keyName = layout.key[0]
        guard let keyIndex = layout.tableSchema.index(of: keyName) else {
            usable = false
            return
        }
        let type = layout.tableSchema.fields[keyIndex].type
        let sources = resolution.index.sources
        for ref in resolution.index.representatives {
            let column = sources[Int(ref.source)].columns[0]
            let row = Int(ref.row)
            if column.isNull(row) {
                hasNull = true
                continue
            }
            switch (type, column.storage) {
            case (.string, .bytes(let v)): strings.append(Array(v[row]))
            case (.int8, _), (.int16, _), (.int32, _), (.int64, _):
                guard case .int(let i) = column.scalar(at: row, type: type) else {
                    usable = false
                    return
                }
                ints.append(i)
            default:
                usable = false
                return
            }
        }
        ints.sort()
        strings.sort { $0.lexicographicallyPrecedes($1) }
    }

    /// Whether row group `group` of `reader` may hold a changed key (true when its statistics cannot tell).
    func mayHold(_ reader: ParquetReader, rowGroup group: Int) -> Bool {
        guard usable, reader.metadata.rowGroups.indices.contains(group), let column = reader.column(named: keyName),
              let stats = reader.statistics(rowGroup: group, column: column) else { return true }
        let rows = reader.metadata.rowGroups[group].numRows
        if hasNull, stats.nullCount.map({ $0 > 0 }) ?? true { return true }
        if let nulls = stats.nullCount, rows > 0, nulls == rows { return false }  // only nulls there
        switch (stats.min, stats.max) {
        case (.int(let lo)?, .int(let hi)?):
            var a = 0, b = ints.count
            while a < b {
                let m = (a + b) / 2
                if ints[m] < lo { a = m + 1 } else { b = m }
            }
            return a < ints.count && ints[a] <= hi
        case (.bytes(let lo)?, let max):
            var a = 0, b = strings.count
            while a < b {
                let m = (a + b) / 2
                if strings[m].lexicographicallyPrecedes(lo) { a = m + 1 } else { b = m }
            }
            guard a < strings.count else { return false }
            guard case .bytes(let hi)? = max else { return true }
            return !hi.lexicographicallyPrecedes(strings[a])
        default:
            return true
        }
    }
}

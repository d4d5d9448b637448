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
    /// Every changed key's first column, sorted (extracted once: the selection, the row-group filter
    /// and the commit's read predicate all use it).
    let changed: ChangedKeys

    init(layout: Compactor.Layout, resolution: Resolution) {
        self.layout = layout
        self.resolution = resolution
        let type = layout.tableSchema.index(of: layout.key[0]).map { layout.tableSchema.fields[$0].type }
        changed = ChangedKeys(resolution: resolution, type: type)
    }

    /// The files to read, and what the commit must record as read for conflict detection.
    struct Selection: Sendable {
        var files: [AddFile]
        /// The paths read, when not the whole table (the commit's read set).
        var readPaths: [String] = []
        /// True when every file had to be read (statistics could not rule any out).
        var readWholeTable = false
    }

    func select(_ snapshot: Snapshot) throws -> Selection {
        let files = snapshot.files
        guard !files.isEmpty, resolution.keyCount > 0 else { return Selection(files: []) }
        let keyName = layout.key[0]
        guard let type = changed.type else { return Selection(files: files) }

        // Rule 1: with partitions a key decides, each partition's files are checked against its own keys.
        let keyed = try keyedPartitions(snapshot: snapshot)
        var groups: [[String?]: ChangedKeys] = [:]
        if let keyed {
            let sources = resolution.index.sources
            for ref in resolution.index.representatives {
                let keys = sources[Int(ref.source)]
                let row = Int(ref.row)
                let part = try keyed.values(keys, row: row)
                // In place: a copy of the group out of the dictionary would copy its arrays on every append.
                groups[part, default: ChangedKeys(type: type)].add(keys.columns[0], row: row)
            }
            for part in Array(groups.keys) { groups[part]?.sort() }
        } else {
            groups[[]] = changed
        }

        // Other key types: the files whose statistics overlap a group's [lowest, highest] (checked by the log).
        var inRange: Set<String> = []
        if changed.kind == .other {
            for group in groups.values {
                guard let lowest = group.lowest, let highest = group.highest else { continue }
                inRange.formUnion(try snapshot.scan(.range(keyName, lower: lowest, upper: highest)).map(\.path))
            }
        }
        let picked = files.filter { file in
            let part = keyed?.fileValues(file) ?? []
            guard let group = groups[part] else { return false }
            if group.keepAll { return true }
            return Self.mayHold(group, file: file, keyName: keyName, inRange: inRange)
        }
        return Selection(files: picked, readPaths: picked.map(\.path))
    }

    /// What a round depends on besides the files it read, for the commit's conflict check: a
    /// concurrent commit that adds a file which may hold a changed key (first key column within the
    /// changed keys' `[lowest, highest]`, or null when a changed key's is) makes this round redo its
    /// work, so a key is never written twice by two writers. Nil when there are no changed keys.
    func readPredicate() -> ScanPredicate? {
        let keyName = layout.key[0]
        guard changed.type != nil, let bounds = changed.bounds else { return nil }
        var parts: [ScanPredicate] = []
        if case .range(let lowest, let highest) = bounds { parts.append(.range(keyName, lower: lowest, upper: highest)) }
        if changed.hasNull { parts.append(.isNull(keyName)) }
        return parts.count <= 1 ? parts.first : .or(parts)
    }

    /// Whether `file` may hold one of `group`'s keys, by its statistics of the first key column.
    private static func mayHold(_ group: ChangedKeys, file: AddFile, keyName: String, inRange: Set<String>) -> Bool {
        guard let stats = file.parsedStats else { return true }
        if stats.numRecords == 0 { return false }
        let nulls = stats.nullCount[keyName]
        if group.hasNull, nulls.map({ $0 > 0 }) ?? true { return true }
        if let nulls, stats.numRecords > 0, nulls == stats.numRecords { return false }  // only nulls there
        let minStat = stats.minValues[keyName], maxStat = stats.maxValues[keyName]
        switch group.kind {
        case .int:
            guard !group.ints.isEmpty else { return false }
            guard let min = minStat?.int64Value, let max = maxStat?.int64Value else { return true }
            return group.anyInt(from: min, through: max)
        case .string:
            guard !group.noStrings else { return false }
            guard let minText = minStat?.stringValue else { return true }
            // A maximum that is absent (e.g. too long to record) bounds nothing.
            return group.anyString(from: Array(minText.utf8), through: maxStat?.stringValue.map(Self.upperBound))
        case .other:
            // Coarse: within some group's key range. (Per partition group would be finer; rare key types.)
            return group.lowest != nil && inRange.contains(file.path)
        }
    }

    /// A string maximum from Delta statistics as an upper bound in byte order. Writers that truncate
    /// a long maximum end it with U+FFFF (delta-spark) or, in older versions, U+FFFD; a key with the
    /// same prefix followed by a higher character (an emoji, U+10000 and up) is above that marker,
    /// so the marker is read as "anything after this prefix" (a 0xFF byte, above all UTF-8).
    static func upperBound(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        let markers: [[UInt8]] = [[0xEF, 0xBF, 0xBF], [0xEF, 0xBF, 0xBD]]
        if let marker = markers.first(where: { bytes.count >= 3 && Array(bytes.suffix(3)) == $0 }) {
            bytes.removeLast(marker.count)
            bytes.append(0xFF)
        }
        return bytes
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
    let keys: ChangedKeys
    /// The changed keys as a bitmap, when they are dense integers (row-level filtering in the scan).
    let dense: DenseKeySet?

    init(keyName: String, keys: ChangedKeys) {
        self.keyName = keyName
        self.keys = keys
        dense = DenseKeySet(keys)
    }

    /// Whether row group `group` of `reader` may hold a changed key (true when its statistics cannot tell).
    func mayHold(_ reader: ParquetReader, rowGroup group: Int) -> Bool {
        guard keys.kind != .other, !keys.keepAll, reader.metadata.rowGroups.indices.contains(group),
              let column = reader.column(named: keyName),
              let stats = reader.statistics(rowGroup: group, column: column) else { return true }
        let rows = reader.metadata.rowGroups[group].numRows
        if keys.hasNull, stats.nullCount.map({ $0 > 0 }) ?? true { return true }
        if let nulls = stats.nullCount, rows > 0, nulls == rows { return false }  // only nulls there
        switch (keys.kind, stats.min, stats.max) {
        case (.int, .int(let lo)?, .int(let hi)?):
            return keys.anyInt(from: lo, through: hi)
        case (.string, .bytes(let lo)?, let max):
            guard case .bytes(let hi)? = max else { return keys.anyString(from: lo, through: nil) }
            return keys.anyString(from: lo, through: hi)
        default:
            return true
        }
    }
}

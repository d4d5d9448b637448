import DeltaLog
import LakeColumnar

/// Step 4 of a compact round: which live files of the snapshot may hold a changed key, so only those
/// are read (and, when they do hold one, rewritten). Everything it rules out must be provably free of
/// the changed keys; when it cannot tell, it keeps the file.
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

    /// The live files that may hold a changed key: by the key's min/max statistics when the first key
    /// column is an integer, else every file.
    func select(_ snapshot: Snapshot) throws -> Selection {
        let files = snapshot.files
        guard !files.isEmpty else { return Selection(files: []) }
        let keyName = layout.key[0]
        guard let keyIndex = layout.tableSchema.index(of: keyName) else { return Selection(files: files) }
        let type = layout.tableSchema.fields[keyIndex].type
        let sources = resolution.index.sources
        let reps = resolution.index.representatives
        func keyColumn(_ ref: KeyIndex.KeyRef) -> Column { sources[Int(ref.source)].columns[0] }

        switch type {
        case .int8, .int16, .int32, .int64:
            var values: [Int64] = []
            values.reserveCapacity(reps.count)
            for ref in reps {
                let col = keyColumn(ref)
                guard case .int(let v) = col.scalar(at: Int(ref.row), type: type) else {
                    // A null key part: statistics cannot rule files out.
                    return Selection(files: files, readWholeTable: true)
                }
                values.append(v)
            }
            values.sort()
            guard let lo = values.first, let hi = values.last else { return Selection(files: []) }
            let predicate = ScanPredicate.range(keyName, lower: .int(lo), upper: .int(hi))
            let coarse = try snapshot.scan(predicate)
            let picked = coarse.filter { file in
                guard let stats = file.parsedStats, let min = stats.minValues[keyName]?.int64Value,
                      let max = stats.maxValues[keyName]?.int64Value else { return true }
                // Any changed key within [min, max]?
                var a = 0, b = values.count
                while a < b {
                    let m = (a + b) / 2
                    if values[m] < min { a = m + 1 } else { b = m }
                }
                return a < values.count && values[a] <= max
            }
            return Selection(files: picked, readPaths: picked.map(\.path))
        default:
            return Selection(files: files, readWholeTable: true)
        }
    }
}

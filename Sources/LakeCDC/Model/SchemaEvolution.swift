import LakeColumnar

/// Which schema changes a table accepts between batches: new columns (nullable), and type
/// widening (byte→short→integer→long, float→double, integers→double, decimal to more digits).
public enum SchemaEvolution {
    /// Whether values of `from` can be stored in a column of type `to` without loss.
    public static func widens(_ from: DataType, to: DataType) -> Bool {
        if from == to { return true }
        switch (from, to) {
        case (.int8, .int16), (.int8, .int32), (.int8, .int64), (.int16, .int32), (.int16, .int64), (.int32, .int64):
            return true
        case (.float32, .float64), (.int8, .float64), (.int16, .float64), (.int32, .float64):
            return true
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            return s2 >= s1 && p2 - s2 >= p1 - s1
        case (.int8, .decimal(let p, let s)): return p - s >= 3
        case (.int16, .decimal(let p, let s)): return p - s >= 5
        case (.int32, .decimal(let p, let s)): return p - s >= 10
        case (.int64, .decimal(let p, let s)): return p - s >= 19
        case (.date, .timestamp): return true
        default:
            return false
        }
    }

    /// The schema that holds both the table's `current` columns and an event's `incoming` ones:
    /// current columns keep their order (a column the event lacks stays, null for its rows),
    /// wider types win, new columns are appended. Returns `current` unchanged when nothing is new.
    /// - Throws: ``IngestError`` naming the column when a type cannot hold both, or when a new
    ///   column is not nullable.
    public static func merge(current: [Field], incoming: [Field], table: TableID) throws -> [Field] {
        if current.isEmpty { return incoming }
        var merged = current
        var index: [String: Int] = [:]
        for (i, f) in current.enumerated() { index[f.name] = i }
        for f in incoming {
            if let i = index[f.name] {
                let old = merged[i].type
                if widens(f.type, to: old) { continue }
                if widens(old, to: f.type) {
                    merged[i].type = f.type
                    continue
                }
                throw IngestError(.incompatibleSchema,
                                  "table \(table): column \(f.name) changed type from \(SchemaFile.typeName(old)) to \(SchemaFile.typeName(f.type)), which is not a widening; write to a new table or rewrite the column")
            } else {
                guard f.nullable else {
                    throw IngestError(.incompatibleSchema,
                                      "table \(table): new column \(f.name) is not nullable; rows already written cannot have a value for it")
                }
                index[f.name] = merged.count
                merged.append(f)
            }
        }
        return merged
    }
}

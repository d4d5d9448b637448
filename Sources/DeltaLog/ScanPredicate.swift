import LakeColumnar

/// A filter on a table's rows, used to skip files (partition values, min/max statistics) and as the
/// read predicate a transaction records for conflict checking.
public indirect enum ScanPredicate: Sendable, Hashable, CustomStringConvertible {
    /// `column = value` (`.null` matches null values).
    case equals(String, ScalarValue)
    /// `column IN (values...)`.
    case isIn(String, [ScalarValue])
    /// `lower <= column <= upper` (each bound optional, inclusive or not).
    case range(String, lower: ScalarValue?, lowerInclusive: Bool = true, upper: ScalarValue?, upperInclusive: Bool = true)
    case isNull(String)
    case and([ScanPredicate])
    case or([ScanPredicate])

    /// SQL-like text, as recorded in `commitInfo.operationParameters.predicate`.
    public var description: String {
        func lit(_ v: ScalarValue) -> String {
            switch v {
            case .null: return "NULL"
            case .int, .double, .decimal, .bool: return v.description
            default: return "'" + v.description.replacingOccurrences(of: "'", with: "''") + "'"
            }
        }
        func col(_ c: String) -> String { c.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? c : "`\(c)`" }
        switch self {
        case .equals(let c, .null): return "\(col(c)) IS NULL"
        case .equals(let c, let v): return "\(col(c)) = \(lit(v))"
        case .isIn(let c, let vs): return "\(col(c)) IN (\(vs.map(lit).joined(separator: ", ")))"
        case .range(let c, let lo, let loInc, let hi, let hiInc):
            var parts: [String] = []
            if let lo { parts.append("\(col(c)) \(loInc ? ">=" : ">") \(lit(lo))") }
            if let hi { parts.append("\(col(c)) \(hiInc ? "<=" : "<") \(lit(hi))") }
            return parts.isEmpty ? "true" : parts.joined(separator: " AND ")
        case .isNull(let c): return "\(col(c)) IS NULL"
        case .and(let ps): return ps.isEmpty ? "true" : ps.map { "(\($0))" }.joined(separator: " AND ")
        case .or(let ps): return ps.isEmpty ? "false" : ps.map { "(\($0))" }.joined(separator: " OR ")
        }
    }

    /// The columns the predicate mentions.
    public var columns: Set<String> {
        switch self {
        case .equals(let c, _), .isIn(let c, _), .range(let c, _, _, _, _), .isNull(let c): [c]
        case .and(let ps), .or(let ps): ps.reduce(into: Set<String>()) { $0.formUnion($1.columns) }
        }
    }
}

/// Decides whether a file may hold matching rows. Conservative: anything unknown keeps the file.
struct FilePruner {
    let schema: Schema
    let partitionColumns: Set<String>

    func type(of column: String) -> DataType? { schema.index(of: column).map { schema.fields[$0].type } }

    func mayMatch(_ predicate: ScanPredicate, file: AddFile) -> Bool {
        mayMatch(predicate, partitionValues: file.partitionValues, stats: file.parsedStats)
    }

    func mayMatch(_ predicate: ScanPredicate, partitionValues: PartitionValues, stats: FileStats?) -> Bool {
        switch predicate {
        case .and(let ps): return ps.allSatisfy { mayMatch($0, partitionValues: partitionValues, stats: stats) }
        case .or(let ps): return ps.isEmpty ? false : ps.contains { mayMatch($0, partitionValues: partitionValues, stats: stats) }
        case .isNull(let c): return mayMatch(.equals(c, .null), partitionValues: partitionValues, stats: stats)
        case .equals(let c, let v): return mayMatch(.isIn(c, [v]), partitionValues: partitionValues, stats: stats)
        case .isIn(let c, let values):
            return values.contains { v in
                if case .null = v { return columnMayBeNull(c, partitionValues: partitionValues, stats: stats) }
                return valueMayFit(c, lower: v, lowerInclusive: true, upper: v, upperInclusive: true,
                                   partitionValues: partitionValues, stats: stats)
            }
        case .range(let c, let lo, let loInc, let hi, let hiInc):
            return valueMayFit(c, lower: lo, lowerInclusive: loInc, upper: hi, upperInclusive: hiInc,
                               partitionValues: partitionValues, stats: stats)
        }
    }

    func columnMayBeNull(_ column: String, partitionValues: PartitionValues, stats: FileStats?) -> Bool {
        if partitionColumns.contains(column) {
            guard let entry = partitionValues[column] else { return true }
            return entry == nil || entry == ""
        }
        guard let stats, let nulls = stats.nullCount[column] else { return true }
        return nulls > 0
    }

    func valueMayFit(_ column: String, lower: ScalarValue?, lowerInclusive: Bool, upper: ScalarValue?, upperInclusive: Bool,
                     partitionValues: PartitionValues, stats: FileStats?) -> Bool {
        guard let type = type(of: column) else { return true }
        func within(_ v: ScalarValue) -> Bool {
            if let lower, let c = ScalarValue.compare(v, lower) { if c < 0 || (c == 0 && !lowerInclusive) { return false } }
            if let upper, let c = ScalarValue.compare(v, upper) { if c > 0 || (c == 0 && !upperInclusive) { return false } }
            return true
        }
        if partitionColumns.contains(column) {
            guard let entry = partitionValues[column] else { return true }
            guard let text = entry, !text.isEmpty else { return false } // null never equals/ranges
            guard let value = DeltaValueFormat.parse(text, type: type) else { return true }
            return within(value)
        }
        guard let stats else { return true }
        if stats.numRecords == 0 { return false }
        if let nulls = stats.nullCount[column], stats.numRecords > 0, nulls == stats.numRecords { return false }
        let minV = stats.minValues[column].flatMap { DeltaValueFormat.parseStat($0, type: type) }
        var maxV = stats.maxValues[column].flatMap { DeltaValueFormat.parseStat($0, type: type) }
        // Timestamp statistics are truncated to milliseconds: widen the maximum.
        if case .timestamp(let t)? = maxV { maxV = .timestamp(t + 999) }
        // String minima may be prefixes (still lower bounds); maxima are full values when present.
        if let upper, let minV, let c = ScalarValue.compare(minV, upper) {
            if c > 0 || (c == 0 && !upperInclusive) { return false }
        }
        if let lower, let maxV, let c = ScalarValue.compare(maxV, lower) {
            if c < 0 || (c == 0 && !lowerInclusive) { return false }
        }
        return true
    }
}

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

    /// Whether a decimal statistic may have passed through a double: a JSON number in exponent form
    /// or with at most 17 significant digits (a double's shortest text never has more).
    static func isApproximate(_ json: JSONValue) -> Bool {
        guard case .number(let text) = json else { return false }
        if text.contains(where: { $0 == "e" || $0 == "E" }) { return true }
        var digits = Substring(text.filter(\.isNumber))
        while digits.first == "0" { digits.removeFirst() }
        while digits.last == "0" { digits.removeLast() }
        return digits.count <= 17
    }

    /// A decimal statistic read as a double and moved outward (`up` for a maximum) by more than a
    /// double's rounding error; nil (no bound) when it does not fit a decimal.
    static func widened(_ json: JSONValue, scale: Int, up: Bool) -> ScalarValue? {
        guard case .number(let text) = json, let d = Double(text), d.isFinite, scale >= 0, scale <= 38 else { return nil }
        let margin = abs(d) * 1e-15
        var scaled = (up ? d + margin : d - margin)
        for _ in 0..<scale { scaled *= 10 }
        scaled = up ? scaled.rounded(.up) + 1 : scaled.rounded(.down) - 1
        guard scaled.isFinite, abs(scaled) < 1e38 else { return nil }
        return .decimal(Int128(scaled), scale: scale)
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
        var minV = stats.minValues[column].flatMap { DeltaValueFormat.parseStat($0, type: type) }
        var maxV = stats.maxValues[column].flatMap { DeltaValueFormat.parseStat($0, type: type) }
        // Decimal statistics some writers (delta-rs) write through a double: past 15 digits the
        // number is only near the true bound, on either side. Widen such bounds by the error.
        if case .decimal(let precision, let scale) = type, precision > 15 {
            if let json = stats.minValues[column], Self.isApproximate(json) { minV = Self.widened(json, scale: scale, up: false) }
            if let json = stats.maxValues[column], Self.isApproximate(json) { maxV = Self.widened(json, scale: scale, up: true) }
        }
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

import DeltaLog
import LakeColumnar

/// One `--partition-by COL[:year|month|day|hour]` entry. With a unit, the table gets a derived
/// string column `COL_<unit>` (e.g. `created_month` = `2024-06`) computed from a date or timestamp
/// column, and is partitioned by it; without, it is partitioned by `COL` itself.
public struct PartitionSpec: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable, CaseIterable {
        case year, month, day, hour
    }

    public var source: String
    public var unit: Unit?

    public init(source: String, unit: Unit? = nil) {
        self.source = source
        self.unit = unit
    }

    /// Parses `COL` or `COL:unit`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let column = parts.first, !column.isEmpty else { throw MergeError("--partition-by: empty column name in '\(text)'") }
        source = column
        if parts.count == 2 {
            guard let unit = Unit(rawValue: parts[1].lowercased()) else {
                throw MergeError("--partition-by \(text): unknown unit '\(parts[1])'; use year, month, day or hour")
            }
            self.unit = unit
        }
    }

    /// The table's partition column.
    public var column: String { unit.map { "\(source)_\($0.rawValue)" } ?? source }

    public var description: String { unit.map { "\(source):\($0.rawValue)" } ?? source }

    /// The derived column's values for `batch` (which holds ``source``).
    func derive(from batch: ColumnBatch) throws -> Column {
        guard let unit else { throw MergeError("partition column \(source) is not derived") }
        guard let index = batch.schema.index(of: source) else {
            throw MergeError("--partition-by \(description): column '\(source)' is not in the table")
        }
        let field = batch.schema.fields[index]
        let column = batch.columns[index]
        var out = VarBytes()
        var valid = Bitmap()
        for row in 0..<batch.rowCount {
            let micros: Int64
            switch (field.type, column.storage) {
            case (.date, .int32(let v)): micros = Int64(v[row]) * 86_400_000_000
            case (.timestamp, .int64(let v)): micros = v[row]
            default:
                throw MergeError("--partition-by \(description): '\(source)' is \(field.type), not a date or timestamp")
            }
            if column.isNull(row) {
                out.appendEmpty()
                valid.append(false)
                continue
            }
            let text = DeltaValueFormat.timestampPartition(micros)  // yyyy-MM-dd HH:mm:ss[.ffffff]
            let length: Int
            switch unit {
            case .year: length = 4
            case .month: length = 7
            case .day: length = 10
            case .hour: length = 13
            }
            var prefix = String(text.prefix(length))
            if unit == .hour { prefix = prefix.replacingOccurrences(of: " ", with: "T") }
            out.append(prefix)
            valid.append(true)
        }
        return Column(.bytes(out), validity: valid.nonzeroBitCount == batch.rowCount ? nil : valid)
    }
}

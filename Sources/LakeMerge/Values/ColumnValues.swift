import DeltaLog
import LakeColumnar

extension Column {
    /// The value at `row` as a Delta scalar (for partition values, pruning and `--explain`).
    func scalar(at row: Int, type: DataType) -> ScalarValue {
        DeltaValueFormat.scalar(self, row: row, type: type)
    }

    /// Display text of the value at `row` (`NULL` for null), as `--explain` prints and matches keys.
    func displayText(at row: Int, type: DataType) -> String {
        let value = scalar(at: row, type: type)
        if case .null = value { return "NULL" }
        if case .timestamp(let t) = value { return DeltaValueFormat.timestampPartition(t) }
        return value.description
    }
}

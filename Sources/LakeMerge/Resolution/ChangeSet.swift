import LakeColumnar

/// A batch of changes to one table, in arrival order (file order, then row order within a file).
///
/// `rows` holds the after-images in the table's schema (every column nullable: a delete row may carry
/// only the key). The ordering columns are plain typed arrays with a sentinel for "absent", so the
/// resolver compares integers only.
public struct ChangeSet: Sendable {
    /// `Int128.min` in ``sequence``: the row has no sequence value (e.g. a DMS full-load row).
    public static let noSequence = Int128.min
    /// `Int64.min` in ``commitTime``: the row has no commit timestamp.
    public static let noTime = Int64.min

    /// After-images (for deletes: at least the key columns), in the table schema.
    public var rows: ColumnBatch
    /// One op per row.
    public var ops: [ChangeOp]
    /// The source's sequence number per row (`$AR_H_CHANGE_SEQ`, lakectl's `_seq`), or ``noSequence``.
    public var sequence: [Int128]
    /// Commit time per row in microseconds since the epoch, or ``noTime``.
    public var commitTime: [Int64]
    /// The source file of each row, as an index into ``sourceNames``.
    public var file: [Int32]
    /// The row's number within its source file (0-based, data rows only).
    public var rowInFile: [Int32]
    /// Before-image key columns (in key order), when the source has them; all-null when a row has none.
    public var beforeKeys: [Column]?
    /// Names of the source files, for messages and `--explain`.
    public var sourceNames: [String]

    public init(rows: ColumnBatch, ops: [ChangeOp], sequence: [Int128]? = nil, commitTime: [Int64]? = nil,
                file: [Int32]? = nil, rowInFile: [Int32]? = nil, beforeKeys: [Column]? = nil,
                sourceNames: [String] = []) {
        let n = rows.rowCount
        self.rows = rows
        self.ops = ops
        self.sequence = sequence ?? [Int128](repeating: Self.noSequence, count: n)
        self.commitTime = commitTime ?? [Int64](repeating: Self.noTime, count: n)
        self.file = file ?? [Int32](repeating: 0, count: n)
        self.rowInFile = rowInFile ?? (0..<n).map { Int32(truncatingIfNeeded: $0) }
        self.beforeKeys = beforeKeys
        self.sourceNames = sourceNames.isEmpty ? ["changes"] : sourceNames
    }

    public var count: Int { rows.rowCount }

    /// Checks that every per-row array is as long as ``rows``.
    public func validate() throws {
        let n = rows.rowCount
        guard ops.count == n, sequence.count == n, commitTime.count == n, file.count == n, rowInFile.count == n,
              beforeKeys?.allSatisfy({ $0.count == n }) ?? true
        else { throw MergeError("change set is inconsistent: per-row arrays differ in length from its \(n) rows") }
    }
}

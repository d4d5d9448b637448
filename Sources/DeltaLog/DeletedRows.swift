import Foundation
import LakeObjectStore

extension DeltaTable {
    /// The physical row indexes (sorted, distinct, counted from 0 across the file's row groups) that
    /// `file`'s deletion vector deletes; empty when the file has none.
    /// - Parameter physicalRows: the data file's row count (from its footer): the DV must stay below it.
    public func deletedRows(of file: AddFile, physicalRows: Int64) async throws -> [UInt64] {
        guard let descriptor = try file.deletionVectorDescriptor() else { return [] }
        do {
            return try await DeletionVectorStore.load(descriptor, store: store, tableRoot: root, tableURL: nil, rowCount: physicalRows)
        } catch let error as ObjectStoreError where error.code == .notFound {
            throw DeltaLogError("the deletion vector \(descriptor.uniqueId) of \(file.path) is missing (vacuumed too early, or the table is damaged)")
        }
    }
}

/// Row-index arithmetic for deletion vectors applied to a file read row group by row group.
public enum DeletedRows {
    /// Splits sorted file-wide row indexes into per-row-group local indexes (ascending).
    /// - Throws: when an index lies beyond the file's rows.
    public static func perGroup(_ rows: [UInt64], groupSizes: [Int], file: String) throws -> [[Int32]] {
        var out = [[Int32]](repeating: [], count: groupSizes.count)
        var at = 0
        var start: UInt64 = 0
        for (g, size) in groupSizes.enumerated() {
            let end = start + UInt64(max(size, 0))
            while at < rows.count, rows[at] < end {
                out[g].append(Int32(truncatingIfNeeded: rows[at] - start))
                at += 1
            }
            start = end
        }
        guard at == rows.count else {
            throw DeltaLogError("the deletion vector of \(file) deletes row \(rows[at]), but the file has \(start) rows")
        }
        return out
    }

    /// The rows `0..<count` minus `dropped` (ascending, distinct, each below `count`).
    public static func kept(count: Int, dropping dropped: [Int32]) -> [Int] {
        var keep: [Int] = []
        keep.reserveCapacity(max(0, count - dropped.count))
        var row = 0
        for d in dropped {
            let end = min(Int(d), count)
            while row < end { keep.append(row); row += 1 }
            row = max(row, end + 1)
        }
        while row < count { keep.append(row); row += 1 }
        return keep
    }

    /// The union of two ascending, distinct lists.
    public static func union(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [Int32] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) { out.append(a[i]); i += 1 }
            else if i == a.count || b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }
}

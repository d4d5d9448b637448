import Foundation
import LakeObjectStore

extension DeltaTable {
    /// What ``vacuum(retentionHours:gracePeriod:dryRun:now:)`` found (and deleted unless dry run).
    public struct VacuumReport: Sendable {
        /// Keys (relative to the table root) of unreferenced files older than the retention period.
        public var files: [String]
        public var bytes: Int64
        public var dryRun: Bool
        /// Files left because they are newer than the grace period (possibly from in-flight commits).
        public var skippedRecent: Int
    }

    /// The table's tombstone retention (`delta.deletedFileRetentionDuration`, default 7 days), in hours.
    public static func retentionHours(configuration: [String: String]) -> Double {
        guard let text = configuration["delta.deletedFileRetentionDuration"] else { return 168 }
        // "interval 7 days", "interval 12 hours", ...
        let parts = text.lowercased().split(separator: " ").map(String.init).filter { $0 != "interval" }
        guard parts.count >= 2, let n = Double(parts[0]) else { return 168 }
        switch parts[1] {
        case "week", "weeks": return n * 168
        case "day", "days": return n * 24
        case "hour", "hours": return n
        case "minute", "minutes": return n / 60
        case "second", "seconds": return n / 3600
        default: return 168
        }
    }

    /// Deletes data files (and `deletion_vector_*.bin` files) that no version within the retention
    /// period references: files neither live now nor removed less than `retentionHours` ago. Files modified within `gracePeriod` are never
    /// deleted (they may belong to a commit still in flight), nor anything in `_`- or `.`-prefixed folders.
    public func vacuum(retentionHours: Double? = nil, gracePeriod: TimeInterval = 3600, dryRun: Bool = true,
                       now: Date = Date()) async throws -> VacuumReport {
        let snapshot = try await snapshot()
        let retention = retentionHours ?? DeltaTable.retentionHours(configuration: snapshot.configuration)
        let cutoff = Int64((now.timeIntervalSince1970 - retention * 3600) * 1000)
        var keep = Set(snapshot.filesByPath.values.map(\.decodedPath))
        // Deletion vector files are kept like the data files they belong to.
        func keepDV(_ json: JSONValue?) throws {
            guard let json, !json.isNull, let relative = try DeletionVectorDescriptor(json: json).relativePath() else { return }
            keep.insert(relative)
        }
        for file in snapshot.filesByPath.values { try keepDV(file.deletionVector) }
        for tombstone in snapshot.tombstones.values where (tombstone.deletionTimestamp ?? Int64.max) > cutoff {
            keep.insert(tombstone.decodedPath)
            try keepDV(tombstone.deletionVector)
        }
        let prefix = root.isEmpty ? "" : root + "/"
        var report = VacuumReport(files: [], bytes: 0, dryRun: dryRun, skippedRecent: 0)
        for object in try await store.listAll(prefix: prefix) {
            let relative = String(object.key.dropFirst(prefix.count))
            let segments = relative.split(separator: "/")
            if segments.dropLast().contains(where: { $0.hasPrefix("_") || $0.hasPrefix(".") }) { continue }
            if let name = segments.last, name.hasPrefix("_") || name.hasPrefix(".") { continue }
            if keep.contains(relative) { continue }
            if object.lastModified.timeIntervalSince1970 > now.timeIntervalSince1970 - max(gracePeriod, 0) {
                report.skippedRecent += 1
                continue
            }
            if Int64(object.lastModified.timeIntervalSince1970 * 1000) > cutoff && retention > 0 {
                // Written within the retention window: a reader of a recent version may still need it.
                report.skippedRecent += 1
                continue
            }
            report.files.append(relative)
            report.bytes += object.size
        }
        report.files.sort()
        if !dryRun, !report.files.isEmpty {
            let keys = report.files.map { key($0) }
            var start = 0
            while start < keys.count {
                let end = min(start + 1000, keys.count)
                try await store.delete(keys: Array(keys[start..<end]))
                start = end
            }
        }
        return report
    }
}

import Foundation
import LakeColumnar
import LakeObjectStore
@testable import DeltaLog

/// A fresh local folder store under the system temp folder.
func temporaryStore() -> (LocalFolderStore, URL) {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("deltalog-\(UUID().uuidString)", isDirectory: true)
    return (LocalFolderStore(root: url), url)
}

let sampleSchema = Schema([
    Field("id", .int64, nullable: false),
    Field("region", .string),
    Field("amount", .decimal(precision: 10, scale: 2)),
    Field("ts", .timestamp(utc: true)),
])

/// An add for a (fake) data file in `region`, with stats on `id`.
func sampleAdd(_ name: String, region: String?, ids: ClosedRange<Int64> = 1...10) -> AddFile {
    let folder = DeltaPaths.partitionFolder(columns: ["region"], values: ["region": region])
    let stats = FileStats(numRecords: Int64(ids.count), minValues: ["id": .int(ids.lowerBound)], maxValues: ["id": .int(ids.upperBound)],
                          nullCount: ["id": 0])
    return AddFile(path: DeltaPaths.encodeURIPath(folder + name), partitionValues: ["region": region], size: 100,
                   modificationTime: 1_700_000_000_000, dataChange: true, stats: stats.jsonString(order: ["id"]))
}

func makeTable(_ store: any ObjectStore, configuration: [String: String] = [:]) async throws -> DeltaTable {
    try await DeltaTable.create(store: store, root: "t", schema: sampleSchema, partitionColumns: ["region"],
                                configuration: configuration)
}

@discardableResult
func append(_ table: DeltaTable, _ files: [AddFile]) async throws -> CommitResult {
    var txn = try await table.startTransaction(operation: "WRITE")
    txn.parameters["mode"] = "Append"
    txn.add(contentsOf: files)
    return try await txn.commit()
}

import DeltaLog
import Foundation
import LakeColumnar

/// `lakectl compact --optimize`: bin-packs the small files of each partition into files of about
/// the target size without changing any row (like Delta's OPTIMIZE). The commit's removes and adds
/// carry `dataChange=false`, so streaming readers skip it; a concurrent writer that touched the same
/// files makes the commit conflict, and the round is redone.
public struct Optimizer: Sendable {
    public let table: DeltaTable
    public let name: String
    public var options: CompactOptions

    public init(table: DeltaTable, name: String, options: CompactOptions) {
        self.table = table
        self.name = name
        self.options = options
    }

    public func run() async throws -> CompactSummary {
        let started = Date()
        var retries = 0
        while true {
            do {
                var summary = try await round()
                summary.retries = retries
                summary.seconds = Date().timeIntervalSince(started)
                return summary
            } catch is DeltaConflictError {
                retries += 1
                guard retries <= options.maxRetries else { throw MergeError("\(name): optimize kept losing the commit race; run it again later") }
            }
        }
    }

    func round() async throws -> CompactSummary {
        var summary = CompactSummary(table: name)
        summary.dryRun = options.dryRun
        guard try await table.latestVersion() != nil else {
            throw MergeError("\(name): no table at \(table.store.description)/\(table.root) to optimize")
        }
        let snapshot = try await table.snapshot()
        let schema = try snapshot.schema.columnarSchema()
        let small = Int64(options.targetFileSize / 2)
        var groups: [String: [AddFile]] = [:]
        for file in snapshot.files where file.size < small {
            let id = snapshot.partitionColumns.map { "\($0)=\(file.partitionValues[$0].flatMap { $0 } ?? "\u{0}")" }.joined(separator: "\u{1}")
            groups[id, default: []].append(file)
        }
        let bins = groups.values.filter { $0.count > 1 }.sorted { $0[0].path < $1[0].path }
        let inputs = bins.flatMap { $0 }
        summary.filesRead = inputs.count
        summary.bytesRead = inputs.reduce(0) { $0 + $1.size }
        guard !inputs.isEmpty else {
            summary.message = "nothing to optimize: no partition has two or more files under \(small) bytes"
            return summary
        }
        if options.dryRun {
            summary.plannedTableFiles = inputs.map(\.path)
            summary.requests = inputs.count * 2 + bins.count + 1
            return summary
        }
        var io = TableFiles(table: table, schema: schema, partitionColumns: snapshot.partitionColumns)
        io.writerOptions.compression = .zstd
        // Streamed row group by row group into the partition's new files, like a compact rewrite:
        // memory is a row group and the open file's unsent part, not the bin.
        let limits = StreamLimits(options: options, minimumPartSize: table.store.minimumPartSize)
        let pool = FileWriterPool(limits: limits) { [io] partition in
            StreamingFile(table: io.table, folder: DeltaPaths.partitionFolder(columns: io.partitionColumns, values: partition),
                          partition: partition, schema: io.fileSchema, options: io.writerOptions, limits: limits)
        }
        var written: [AddFile] = []
        do {
            for bin in bins {
                for file in bin {
                    let reader = try await io.open(file)
                    // Rows the file's deletion vector deletes are not written again.
                    let deleted = try await io.deletedRows(file, reader: reader)
                    for group in 0..<reader.rowGroupCount {
                        let batch = TableFiles.dropping(deleted[group], from: try await io.readStored(file, reader: reader, group: group))
                        if batch.rowCount == 0 { continue }
                        written += try await pool.write(batch, partition: file.partitionValues)
                    }
                }
            }
            written += try await pool.finishAll()
        } catch {
            await pool.abortAll()
            throw error
        }
        let adds = written.map { add in
            var add = add
            add.dataChange = false
            return add
        }
        var tx = try await table.startTransaction(operation: "OPTIMIZE", snapshot: snapshot)
        for file in inputs { tx.remove(file, dataChange: false) }
        tx.add(contentsOf: adds)
        tx.readFiles = Set(inputs.map(\.path))
        tx.parameters = ["targetSize": String(options.targetFileSize)]
        let result = try await tx.commit()
        summary.version = result.version
        summary.filesAdded = adds.count
        summary.filesRemoved = inputs.count
        summary.bytesAdded = adds.reduce(0) { $0 + $1.size }
        summary.bytesRemoved = summary.bytesRead
        return summary
    }
}

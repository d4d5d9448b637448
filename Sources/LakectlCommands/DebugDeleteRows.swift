import ArgumentParser
import DeltaLog
import Foundation

/// `lakectl debug delete-rows TABLE --file PATH --rows 2,5,70000-70010 [--file ... --rows ...] [--placement inline|file|auto]`:
/// soft-deletes rows of data files with a deletion vector (merge-on-read), for the DV interop
/// tests. It commits `remove` + `add`-with-DV and raises the protocol to reader 3 / writer 7 with
/// the `deletionVectors` feature (keeping the table's existing features) and sets
/// `delta.enableDeletionVectors=true`, all in one commit. Tables that already use DVs are refused
/// (lakectl does not read them yet), so give every file in one call.
struct DebugDeleteRows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-rows",
        abstract: "Soft-delete rows of one data file with a deletion vector (test tool).",
        shouldDisplay: false
    )

    enum PlacementChoice: String, ExpressibleByArgument {
        case inline, file, auto
    }

    @Argument(help: "Table URL (folder path, file:// or s3://).")
    var table: String

    @Option(help: "A data file's path as in the log (add.path) or decoded; repeat for several files.")
    var file: [String]

    @Option(help: "0-based row indexes to delete in the matching --file: comma-separated numbers or ranges a-b (inclusive).")
    var rows: [String]

    @Option(help: "Where the DVs go: inline, file or auto (inline when small).")
    var placement: PlacementChoice = .auto

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard !file.isEmpty, file.count == rows.count else {
            throw ValidationError("give one --rows per --file (got \(file.count) --file and \(rows.count) --rows)")
        }
    }

    static func parseRows(_ text: String) throws -> [UInt64] {
        var result = Set<UInt64>()
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 1, let value = bounds[0] {
                result.insert(value)
            } else if bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high, high - low < 10_000_000 {
                for value in low...high { result.insert(value) }
            } else {
                throw ValidationError("--rows: \"\(part)\" is not a row index or a range a-b")
            }
        }
        guard !result.isEmpty else { throw ValidationError("--rows: give at least one row index") }
        return result.sorted()
    }

    func run() async throws {
        let deltaTable = DeltaTable(store: try store.open(table), root: "")
        let snapshot = try await deltaTable.snapshot()
        let dvPlacement: DeletionVectorStore.Placement
        switch placement {
        case .inline: dvPlacement = .inline
        case .file: dvPlacement = .file
        case .auto: dvPlacement = .automatic(maxInlineBytes: DeletionVectorStore.defaultMaxInlineBytes)
        }
        var transaction = try await deltaTable.startTransaction(operation: "DELETE", snapshot: snapshot)
        transaction.parameters = ["predicate": "[]"]
        transaction.newProtocol = Self.withDeletionVectors(snapshot.protocol)
        var metadata = snapshot.metadata
        metadata.configuration["delta.enableDeletionVectors"] = "true"
        transaction.newMetadata = metadata
        var deletedRows = 0
        var report: [String] = []
        for (name, rowText) in zip(file, rows) {
            let rowIndexes = try Self.parseRows(rowText)
            guard let target = snapshot.files.first(where: { $0.path == name || $0.decodedPath == name }) else {
                throw ValidationError("\(name) is not a live data file of \(table) at version \(snapshot.version)")
            }
            guard target.deletionVector == nil else {
                throw ValidationError("\(target.path) already has a deletion vector; lakectl cannot combine DVs yet")
            }
            guard let numRecords = target.parsedStats?.numRecords else {
                throw ValidationError("\(target.path) has no numRecords statistic, which files with deletion vectors require")
            }
            if let last = rowIndexes.last, last >= UInt64(max(numRecords, 0)) {
                throw ValidationError("row \(last) is beyond the \(numRecords) rows of \(target.path)")
            }
            let descriptor = try await DeletionVectorStore.write(rows: rowIndexes, store: deltaTable.store, tableRoot: deltaTable.root,
                                                                 placement: dvPlacement)
            transaction.readFiles.insert(target.path)
            transaction.remove(target, keepingWith: descriptor)
            deletedRows += rowIndexes.count
            report.append("\(target.path): \(rowIndexes.count) rows, deletion vector \(descriptor.uniqueId)")
        }
        transaction.metrics = ["numDeletedRows": String(deletedRows), "numDeletionVectorsAdded": String(file.count),
                               "numRemovedFiles": "0", "numAddedFiles": "0"]
        let result = try await transaction.commit()
        print("version \(result.version):")
        for line in report { print("  \(line)") }
    }

    /// The protocol raised to reader 3 / writer 7 with `deletionVectors` (see ``DeltaProtocol/withDeletionVectors()``).
    static func withDeletionVectors(_ old: DeltaProtocol) -> DeltaProtocol { old.withDeletionVectors() }
}

/// `lakectl debug dv-rows TABLE --descriptor JSON`: prints the row indexes of a deletion vector
/// (one per line), for the DV interop tests.
struct DebugDVRows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dv-rows",
        abstract: "Print the row indexes a deletion vector descriptor deletes (test tool).",
        shouldDisplay: false
    )

    @Argument(help: "Table URL (folder path, file:// or s3://) that 'u' paths are relative to.")
    var table: String

    @Option(help: "The deletionVector JSON object of an add action.")
    var descriptor: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let parsed = try DeletionVectorDescriptor(json: try JSONValue.parse(descriptor))
        let rows = try await DeletionVectorStore.load(parsed, store: try store.open(table), tableRoot: "", tableURL: table)
        var out = ""
        for row in rows { out += "\(row)\n" }
        print(out, terminator: "")
    }
}

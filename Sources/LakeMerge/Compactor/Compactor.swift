import DeltaLog
import Foundation
import LakeColumnar
import LakeObjectStore

/// Applies change files to a Delta snapshot table, copy-on-write, exactly once.
///
/// One round:
/// 1. load the table snapshot and the consumed-files record of this source from the last compact
///    commit (`txn` appId `lakectl-compact:<source>`, the record in that commit's `commitInfo`);
/// 2. list the source, keep the files not yet consumed, read them into a ``ChangeSet``;
/// 3. resolve per key (``ChangeResolver``, the one statement of the rule);
/// 4. find the live files that may hold a changed key (min/max statistics of the key; every file
///    when they cannot tell), read their key columns in parallel to find the changed keys' rows;
/// 5. stream the touched files row group by row group, dropping those rows, and the new after-images
///    into new files per partition, bin-packed to the target size (invisible until committed);
/// 6. commit ONE version: removes of touched files, adds of new files, the `txn` and the updated
///    consumed-files record. A crash before this leaves only orphan files (for vacuum); a commit race
///    lost to another writer redoes the round from step 1 against the new snapshot.
public struct Compactor: Sendable {
    public let table: DeltaTable
    /// `schema.table`, for messages.
    public let name: String
    public let source: any ChangeSource
    public var options: CompactOptions

    public init(table: DeltaTable, name: String, source: any ChangeSource, options: CompactOptions) {
        self.table = table
        self.name = name
        self.source = source
        self.options = options
    }

    /// The `txn` application id of this source.
    public var appId: String { source.appId }

    /// Runs rounds until the source has nothing pending (each round one commit, sized to the memory
    /// budget), redoing a round after a lost commit race (up to ``CompactOptions/maxRetries`` in a row).
    public func run() async throws -> CompactSummary {
        let started = Date()
        var total: CompactSummary?
        while true {
            var summary = try await runRound()
            if var t = total {
                t.add(summary)
                summary = t
            }
            summary.seconds = Date().timeIntervalSince(started)
            total = summary
            guard summary.more, summary.version != nil, !options.dryRun else { return summary }
        }
    }

    private func runRound() async throws -> CompactSummary {
        var retries = 0
        while true {
            do {
                var summary = try await round()
                summary.retries = retries
                summary.rounds = summary.version == nil ? 0 : 1
                return summary
            } catch let conflict as DeltaConflictError {
                retries += 1
                guard retries <= options.maxRetries else {
                    throw MergeError("\(name): lost the commit race \(retries) times in a row (\(conflict.message)); another compactor keeps committing — run again later")
                }
                // Another writer committed first; its files may be consumed now. Start over.
                try await Task.sleep(nanoseconds: UInt64.random(in: 10_000_000...100_000_000))
            } catch let error as DeltaLogError where error.message.contains("already exists") {
                // Two compactors created the table at once; the loser simply continues with it.
                retries += 1
                guard retries <= options.maxRetries else { throw error }
            }
        }
    }

    func round() async throws -> CompactSummary {
        var summary = CompactSummary(table: name)
        summary.dryRun = options.dryRun
        let existing: Snapshot? = (try await table.latestVersion()) == nil ? nil : try await table.snapshot()
        summary.requests += 2
        guard let pending = try await source.pending(table: table, snapshot: existing, name: name,
                                                     maxBytes: max(1, options.memoryBudget / 4)) else {
            summary.message = "up to date: no new change files in \(source.description)"
            return summary
        }
        summary.sourceFiles = pending.files.count
        summary.sourceBytes = pending.bytes
        summary.requests += 1 + pending.files.count / 1000

        // The table's shape: from the table when it exists, else from the change files.
        let layout = try tableLayout(existing, pending: pending)
        if options.dryRun {
            summary.plannedSourceFiles = pending.files
            let files = existing?.files ?? []
            summary.plannedTableFiles = files.map(\.path)
            summary.filesRead = files.count
            summary.bytesRead = files.reduce(0) { $0 + $1.size }
            summary.requests += pending.files.count + files.count * 2 + 2
            return summary
        }

        options.progress?("\(name): reading \(pending.files.count) change file(s), \(pending.bytes) bytes")
        let changes = try await pending.read(layout.dataSchema, layout.key)
        options.progress?("\(name): resolving \(changes.count) changes")
        summary.requests += pending.files.count
        summary.changeRows = changes.count
        let resolution = try ChangeResolver.resolve(changes, keyColumns: layout.key)
        summary.keys = resolution.keyCount
        options.progress?("\(name): resolved \(resolution.keyCount) keys")
        if let key = options.explainKey {
            summary.explain = Explain.lines(resolution, keyText: key, dataSchema: layout.dataSchema)
        }
        try Self.checkNotNull(resolution, layout: layout, table: name)

        let snapshot: Snapshot
        if let existing {
            snapshot = existing
        } else {
            try await DeltaTable.create(store: table.store, root: table.root, schema: layout.tableSchema,
                                        partitionColumns: layout.partitionColumns,
                                        configuration: ["lakectl.primaryKey": layout.key.joined(separator: ","),
                                                        "lakectl.partitionBy": options.partitionBy.map(\.description).joined(separator: ",")],
                                        name: name)
            snapshot = try await table.snapshot()
        }

        let io = TableFiles(table: table, schema: layout.tableSchema, partitionColumns: layout.partitionColumns)
        let enabled = snapshot.configuration["delta.enableDeletionVectors"]?.lowercased() == "true"
        var writer = CopyOnWrite(io: io, layout: layout, resolution: resolution, options: options)
        writer.deletionVectors = options.deletionVectors || enabled
        let apply = try await writer.apply(snapshot: snapshot)
        summary.filesRead = apply.filesRead
        summary.bytesRead = apply.bytesRead
        summary.rowsInserted = apply.inserted
        summary.rowsUpdated = apply.updated
        summary.rowsDeleted = apply.deleted
        summary.filesAdded = apply.adds.count
        // Files kept with a deletion vector are neither removed nor added (their bytes stay).
        summary.filesRemoved = apply.removes.count - apply.deletionVectorAdds.count
        summary.deletionVectors = apply.deletionVectorAdds.count
        summary.bytesAdded = apply.adds.reduce(0) { $0 + $1.size }
        summary.bytesRemoved = apply.removes.reduce(0) { $0 + $1.size } - apply.deletionVectorAdds.reduce(0) { $0 + $1.size }
        summary.requests += apply.filesRead * 2 + apply.adds.count

        let txnVersion = pending.txnVersion
        var tx = try await table.startTransaction(operation: "MERGE", snapshot: snapshot)
        if !layout.addedColumns.isEmpty {
            // The new columns commit with the data (one version, exactly once); a concurrent metadata
            // change by another writer conflicts with this commit and the round is redone.
            tx.newMetadata = try Self.evolvedMetadata(snapshot.metadata, adding: layout.addedColumns)
        }
        if options.deletionVectors, !enabled {
            // The upgrade commits with the round's changes (one version); a concurrent metadata or
            // protocol change conflicts and the round is redone.
            var metadata = tx.newMetadata ?? snapshot.metadata
            metadata.configuration["delta.enableDeletionVectors"] = "true"
            tx.newMetadata = metadata
            tx.newProtocol = snapshot.protocol.withDeletionVectors()
        }
        for file in apply.removes { tx.remove(file) }
        tx.add(contentsOf: apply.adds)
        tx.add(contentsOf: apply.deletionVectorAdds)
        tx.setTransaction(appId: appId, version: txnVersion)
        tx.readFiles = Set(apply.readPaths)
        tx.readWholeTable = apply.readWholeTable
        // A concurrent writer adding rows in the changed keys' range must make this round redo its work.
        tx.readPredicate = apply.readPredicate
        // Changed keys whose range cannot be stated: any concurrent add may hold one of them.
        if apply.readPredicate == nil, resolution.keyCount > 0 { tx.readWholeTable = true }
        var parameters = pending.parameters
        parameters["lakectl.appId"] = appId
        parameters["lakectl.txnVersion"] = String(txnVersion)
        let predicate: [String] = layout.key.map { "target.\($0) = source.\($0)" }
        parameters["mergePredicate"] = predicate.joined(separator: " AND ")
        tx.parameters = parameters
        tx.metrics = [
            "numSourceRows": String(changes.count),
            "numTargetRowsInserted": String(apply.inserted),
            "numTargetRowsUpdated": String(apply.updated),
            "numTargetRowsDeleted": String(apply.deleted),
            "numTargetFilesAdded": String(apply.adds.count),
            "numTargetFilesRemoved": String(apply.removes.count - apply.deletionVectorAdds.count),
            "numTargetDeletionVectorsAdded": String(apply.deletionVectorAdds.count),
            "numTargetBytesAdded": String(summary.bytesAdded),
            "numTargetBytesRemoved": String(summary.bytesRemoved),
        ]
        options.progress?("\(name): committing +\(apply.adds.count) -\(apply.removes.count) files")
        let result = try await tx.commit()
        summary.requests += 1
        summary.version = result.version
        summary.more = pending.more
        return summary
    }

    /// A column the table declares NOT NULL (tables created by other engines) must be set by every
    /// surviving after-image: refuse the round naming the column, key and change file rather than
    /// fail while writing.
    static func checkNotNull(_ resolution: Resolution, layout: Layout, table: String) throws {
        let rows = resolution.changes.rows
        for field in layout.tableSchema.fields where !field.nullable {
            guard let c = layout.dataSchema.index(of: field.name) else { continue }
            let column = rows.columns[c]
            guard column.validity != nil else { continue }
            for group in resolution.outcome.indices where resolution.outcome[group] >= 0 {
                let row = Int(resolution.outcome[group])
                guard column.isNull(row) else { continue }
                let changes = resolution.changes
                let key = layout.key.compactMap { k in
                    layout.dataSchema.index(of: k).map { rows.columns[$0].displayText(at: row, type: layout.dataSchema.fields[$0].type) }
                }.joined(separator: ",")
                let file = changes.sourceNames.indices.contains(Int(changes.file[row])) ? changes.sourceNames[Int(changes.file[row])] : "?"
                throw MergeError("\(table): column '\(field.name)' is NOT NULL in the table, but the change of key \(key) (\(file), data row \(changes.rowInFile[row] + 1)) leaves it NULL; nothing was committed")
            }
        }
    }

    /// Key column names as `schema` spells them: Delta column names are case-insensitive, so
    /// `--key employee_id` names an `EMPLOYEE_ID` column (Oracle sources write upper case headers).
    static func spelled(_ key: [String], as schema: Schema) -> [String] {
        key.map { k in
            schema.index(of: k) != nil ? k : (schema.fields.first { $0.name.lowercased() == k.lowercased() }?.name ?? k)
        }
    }

    /// Table schema, key and partitioning for this round.
    struct Layout: Sendable {
        /// Columns the change files carry (the table minus derived partition columns).
        var dataSchema: Schema
        /// The table's columns, derived partition columns last.
        var tableSchema: Schema
        var key: [String]
        var partitionColumns: [String]
        var derived: [PartitionSpec]
        /// Columns of the change files that the existing table lacks, appended (nullable) to
        /// ``tableSchema``; the round commits them as a new `metaData` with its data.
        var addedColumns: [Field] = []
    }

    /// Schema evolution (docs/MERGE.md, "Schema evolution"): the change files' columns the table lacks,
    /// as nullable columns to append. A column of the table the change files lack stays (null in new
    /// rows). A column whose type differs is refused — Delta allows no type change without the
    /// `typeWidening` table feature, which lakectl does not write — unless the change files' type
    /// is narrower and reads exactly into the table's (``fits(_:into:)``).
    func evolvedColumns(table schema: Schema, changeFields: [Field]) throws -> [Field] {
        var added: [Field] = []
        var names = Set(schema.fields.map { $0.name.lowercased() })
        for field in changeFields {
            if let i = schema.index(of: field.name) {
                let old = schema.fields[i].type
                // Values of a narrower type (an `int` file column into a `long` table column, as
                // DMS types often are against tables other engines made) read losslessly into the
                // table's type, and a zone-less timestamp of the change files is stored as Delta
                // `timestamp` (as at creation): no type change.
                if old != field.type, !Self.fits(field.type, into: old) {
                    throw MergeError("\(name): column '\(field.name)' is \(SchemaFile.typeName(old)) in the table but \(SchemaFile.typeName(field.type)) in the change files; Delta tables cannot change a column's type — declare it \(SchemaFile.typeName(old)) in the schema file (--schema), or compact into a new table")
                }
                continue
            }
            guard names.insert(field.name.lowercased()).inserted else {
                let existing = schema.fields.first { $0.name.lowercased() == field.name.lowercased() }?.name ?? field.name
                throw MergeError("\(name): column '\(field.name)' of the change files differs only in case from the table's column '\(existing)' (Delta column names are case-insensitive); spell it '\(existing)' in the schema file or mapping")
            }
            // Like a new table, a zone-less timestamp becomes Delta `timestamp` (readable by reader-1 engines).
            let type: DataType = if case .timestamp(utc: false) = field.type { .timestamp(utc: true) } else { field.type }
            added.append(Field(field.name, type, nullable: true))
        }
        return added
    }

    /// Whether every value of type `narrow` reads exactly into type `wide`: integer and float
    /// widening, decimals with no fewer integer and fraction digits, a timestamp into either kind.
    static func fits(_ narrow: DataType, into wide: DataType) -> Bool {
        func rank(_ t: DataType) -> Int? {
            switch t {
            case .int8: 1
            case .int16: 2
            case .int32: 3
            case .int64: 4
            default: nil
            }
        }
        if let a = rank(narrow), let b = rank(wide) { return a <= b }
        switch (narrow, wide) {
        case (.float32, .float64): return true
        case let (.decimal(p1, s1), .decimal(p2, s2)): return s1 <= s2 && p1 - s1 <= p2 - s2
        // DMS writes timestamps as zone-less text: it reads the same into either timestamp type.
        case (.timestamp, .timestamp): return true
        default: return false
        }
    }

    func tableLayout(_ existing: Snapshot?, pending: PendingChanges) throws -> Layout {
        if let existing {
            let schema = try existing.schema.columnarSchema()
            let stored = existing.configuration["lakectl.partitionBy"] ?? ""
            let specs = try stored.split(separator: ",").map { try PartitionSpec(parsing: String($0)) }
            let derived = specs.filter { $0.unit != nil }
            let derivedNames = Set(derived.map(\.column))
            let key = Self.spelled(options.keyColumns ?? existing.configuration["lakectl.primaryKey"].map { $0.split(separator: ",").map(String.init) }
                ?? (pending.key.isEmpty ? nil : pending.key) ?? [], as: schema)
            guard !key.isEmpty else { throw MergeError("\(name): no primary key: pass --key COL,...") }
            if let stored = existing.configuration["lakectl.primaryKey"],
               stored.split(separator: ",").map({ $0.lowercased() }) != key.map({ $0.lowercased() }) {
                throw MergeError("\(name): --key \(key.joined(separator: ",")) differs from the table's primary key \(stored)")
            }
            let added = try evolvedColumns(table: schema, changeFields: pending.fields)
            let evolved = Schema(schema.fields + added)
            return Layout(dataSchema: Schema(evolved.fields.filter { !derivedNames.contains($0.name) }), tableSchema: evolved,
                          key: key, partitionColumns: existing.partitionColumns, derived: derived, addedColumns: added)
        }
        let fields = pending.fields
        guard !fields.isEmpty else { throw MergeError("\(name): the change files declare no columns; pass --schema FILE") }
        let dataSchema = Schema(fields)
        let key = Self.spelled(options.keyColumns ?? pending.key, as: dataSchema)
        guard !key.isEmpty else { throw MergeError("\(name): no primary key: pass --key COL,... or put \"key\" in the schema file") }
        for k in key where dataSchema.index(of: k) == nil {
            throw MergeError("\(name): key column '\(k)' is not a column of the change files")
        }
        var tableFields = fields
        var partitionColumns: [String] = []
        for spec in options.partitionBy {
            guard let i = dataSchema.index(of: spec.source) else {
                throw MergeError("--partition-by \(spec): column '\(spec.source)' is not a column of the change files")
            }
            if spec.unit != nil {
                switch fields[i].type {
                case .date, .timestamp: break
                default: throw MergeError("--partition-by \(spec): '\(spec.source)' is \(fields[i].type), not a date or timestamp")
                }
                tableFields.append(Field(spec.column, .string))
            }
            partitionColumns.append(spec.column)
        }
        // Delta needs a data column besides the partition columns; key columns must be non-null in practice,
        // but keep every column nullable: delete rows carry only the key.
        tableFields = tableFields.map { Field($0.name, $0.type, nullable: true) }
        return Layout(dataSchema: Schema(dataSchema.fields.map { Field($0.name, $0.type, nullable: true) }),
                      tableSchema: Schema(tableFields), key: key, partitionColumns: partitionColumns,
                      derived: options.partitionBy.filter { $0.unit != nil })
    }

    /// The table's metadata with `columns` appended to its schema; id, name, partition columns,
    /// configuration and creation time unchanged (existing fields keep their JSON, metadata included).
    static func evolvedMetadata(_ metadata: Metadata, adding columns: [Field]) throws -> Metadata {
        var schema = try metadata.schema()
        let addedSchema = try DeltaSchema(Schema(columns))
        schema = DeltaSchema(fields: schema.fields + addedSchema.fields)
        var evolved = metadata
        evolved.schemaString = schema.jsonString
        return evolved
    }
}

import Foundation
import LakeColumnar

/// Decodes DMS-style Parquet change rows (`Op`, a commit timestamp, then the columns) from
/// column batches (one per row group), column types from the Parquet schema.
struct DMSParquetDecoder {
    let table: TableID
    let schema: SchemaFile?
    /// The input file's identity (`<base name>:<size>`) for positions.
    var inputFile: String?
    private var batch: ColumnBatch?
    private var opIndex = 0
    private var tsIndex = 1
    /// Batch column index per data field.
    private var dataColumns: [Int] = []
    private var dataFields: [Field] = []
    private var boundTable: ObjectIdentifier?
    private var boundVersion = -1
    private var binding: [Int] = []

    init(table: TableID?, schema: SchemaFile?, input: String) throws {
        guard let table else {
            throw IngestError(.usage, "cannot tell the table from the input path; pass --table SCHEMA.TABLE", input: input)
        }
        self.table = table
        self.schema = schema
    }

    /// Starts decoding a row group's batch.
    mutating func setBatch(_ b: ColumnBatch) throws {
        let names = b.schema.names
        if let op = schema?.op ?? (names.contains("Op") ? "Op" : nil) {
            guard let i = names.firstIndex(of: op) else { throw IngestError(.usage, "op column \(op) is not in the file") }
            opIndex = i
        } else {
            opIndex = 0
        }
        if let ts = schema?.timestamp {
            guard let i = names.firstIndex(of: ts) else { throw IngestError(.usage, "timestamp column \(ts) is not in the file") }
            tsIndex = i
        } else {
            tsIndex = opIndex == 0 ? 1 : 0
        }
        guard b.schema.fields.count > max(opIndex, tsIndex), b.schema.fields[opIndex].type == .string else {
            throw IngestError(.usage, "the file has no string Op column (DMS layout: Op, commit timestamp, columns)")
        }
        let special = Set(schema.map { [$0.sequence].compactMap { $0 } + $0.before } ?? [])
        var fields: [Field] = []
        var cols: [Int] = []
        for (i, f) in b.schema.fields.enumerated() where i != opIndex && i != tsIndex && !special.contains(f.name) {
            let declared = schema?.columns.first(where: { $0.name == f.name })?.type
            fields.append(Field(f.name, declared ?? f.type, nullable: true))
            cols.append(i)
        }
        if fields != dataFields { boundTable = nil }
        dataFields = fields
        dataColumns = cols
        batch = b
    }

    /// Decodes `row` of the batch, which is row `rowNumber` (1-based) of the file.
    mutating func decode(row: Int, rowNumber: Int, registry: TableRegistry) throws -> DecodeOutcome {
        guard let batch else { return .noEvent }
        guard let table = registry.table(self.table) else { return .needsTable(self.table) }
        if boundTable != ObjectIdentifier(table) || boundVersion != table.schemaVersion {
            let merged = try SchemaEvolution.merge(current: table.fields, incoming: dataFields, table: table.id)
            if merged.map(\.type) != table.fields.map(\.type) || merged.map(\.name) != table.fields.map(\.name) {
                if table.rowCount > 0 { return .needsSchemaFlush(table) }
                table.setFields(merged)
            }
            binding = dataFields.map { table.fieldIndex[$0.name] ?? -1 }
            boundTable = ObjectIdentifier(table)
            boundVersion = table.schemaVersion
        }
        let opCol = batch.columns[opIndex]
        guard !opCol.isNull(row), case .bytes(let ops) = opCol.storage, ops[row].count == 1,
              let op = ops[row].first, op == UInt8(ascii: "I") || op == UInt8(ascii: "U") || op == UInt8(ascii: "D") else {
            let text: String = if case .bytes(let ops) = opCol.storage, !opCol.isNull(row) { ops.string(at: row) } else { "null" }
            throw IngestError(.badInput, "unknown op \"\(text)\" (expected I, U or D)")
        }
        let tsCol = batch.columns[tsIndex]
        var ts: Int64?
        if !tsCol.isNull(row) {
            switch (tsCol.storage, batch.schema.fields[tsIndex].type) {
            case (.int64(let v), .timestamp): ts = v[row]
            case (.bytes(let v), _):
                ts = Array(v[row]).withUnsafeBufferPointer { ValueText.parseTimestamp($0, truncatingBeyondMicroseconds: true)?.micros }
            default: ts = nil
            }
        }
        guard let ts else {
            throw IngestError(.badInput, "the commit timestamp column \(batch.schema.fields[tsIndex].name) has no valid value")
        }
        guard let seq = table.filePosition(commitTs: ts, file: inputFile, row: rowNumber) else { return .skipped }
        for (slot, ci) in dataColumns.enumerated() {
            let b = table.builder(at: binding[slot])
            if !Self.append(batch.columns[ci], row, to: b) {
                table.abandonRow()
                throw IngestError(.badInput, "type mismatch in column \(dataFields[slot].name): \(batch.schema.fields[ci].type) values do not fit a \(SchemaFile.typeName(b.type)) column")
            }
        }
        for k in table.key {
            guard let i = table.fieldIndex[k], table.builder(at: i).count > table.rowCount, table.builder(at: i).lastIsValid else {
                table.abandonRow()
                throw IngestError(.badInput, "missing key column \(k) (null or absent)")
            }
        }
        table.closeRow(op: op, commitTs: ts, seq: seq)
        return .appended(table)
    }

    private static func append(_ c: Column, _ row: Int, to b: ColumnBuilder) -> Bool {
        if c.isNull(row) { b.appendNull(); return true }
        switch c.storage {
        case .boolean(let v): return b.appendBool(v[row])
        case .int8(let v): return appendInt(Int64(v[row]), b)
        case .int16(let v): return appendInt(Int64(v[row]), b)
        case .int32(let v): return appendInt(Int64(v[row]), b)
        case .int64(let v): return appendInt(v[row], b)
        case .float32(let v): return b.appendDouble(Double(v[row]))
        case .float64(let v): return b.appendDouble(v[row])
        case .int128(let v): return b.appendInt128(v[row])
        case .bytes(let v): return v[row].withContiguousStorageIfAvailable { b.appendBytes($0) } ?? b.appendBytes(Array(v[row]))
        }
    }

    private static func appendInt(_ x: Int64, _ b: ColumnBuilder) -> Bool {
        if case .decimal(let p, let s) = b.type {
            guard let r = DecimalBytes.rescale(Int128(x), by: s), ValueText.fits(r, precision: p) else { return false }
            return b.appendInt128(r)
        }
        return b.appendInt(x)
    }
}

// Slicing, gathering and concatenating columns and batches. Each works per storage kind on
// contiguous buffers; gather is the merge job's hot path.

import Dispatch

/// Runs one job per column, on all cores when `parallel` (large batches: each column is a
/// separate buffer, so the copies are independent).
enum ParallelColumns {
    static func map(count: Int, parallel: Bool, _ body: @Sendable (Int) -> Column) -> [Column] {
        guard parallel, count > 1 else { return (0..<count).map(body) }
        let slots = UnsafeMutableBufferPointer<Column?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        let out = ColumnSlots(slots: slots)
        DispatchQueue.concurrentPerform(iterations: count) { i in out.slots[i] = body(i) }
        return slots.map { $0 ?? Column(.empty(.int64)) }
    }
}

/// One slot per column; each job writes only its own.
private struct ColumnSlots: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<Column?>
}

extension Bitmap {
    /// Bits `range` as a new bitmap.
    public func slice(_ range: Range<Int>) -> Bitmap {
        var out = [UInt8](repeating: 0, count: (range.count + 7) / 8)
        bytes.withUnsafeBufferPointer { src in
            if range.lowerBound & 7 == 0 {
                let first = range.lowerBound >> 3
                for i in 0..<out.count { out[i] = src[first + i] }
            } else {
                for (j, i) in range.enumerated() where src[i >> 3] & (1 << UInt8(i & 7)) != 0 { out[j >> 3] |= 1 << UInt8(j & 7) }
            }
        }
        return Bitmap(bytes: out, count: range.count)
    }

    /// The bits at `indices`, in that order.
    public func gather(_ indices: [Int]) -> Bitmap {
        var out = [UInt8](repeating: 0, count: (indices.count + 7) / 8)
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (j, i) in indices.enumerated() where src[i >> 3] & (1 << UInt8(i & 7)) != 0 {
                    dst[j >> 3] |= 1 << UInt8(j & 7)
                }
            }
        }
        return Bitmap(bytes: out, count: indices.count)
    }

    /// Whether every bit is set.
    public var allSet: Bool { nonzeroBitCount == count }
}

extension VarBytes {
    public func slice(_ range: Range<Int>) -> VarBytes {
        let start = offsets[range.lowerBound]
        let end = offsets[range.upperBound]
        let newOffsets = offsets[range.lowerBound...range.upperBound].map { $0 - start }
        return VarBytes(offsets: newOffsets, bytes: Array(bytes[start..<end]))
    }

    public func gather(_ indices: [Int]) -> VarBytes {
        var newOffsets = [Int](repeating: 0, count: indices.count + 1)
        var total = 0
        offsets.withUnsafeBufferPointer { off in
            for (j, i) in indices.enumerated() {
                total += off[i + 1] - off[i]
                newOffsets[j + 1] = total
            }
        }
        let newBytes = [UInt8](unsafeUninitializedCapacity: total) { dst, initialized in
            offsets.withUnsafeBufferPointer { off in
                bytes.withUnsafeBufferPointer { src in
                    var at = 0
                    for i in indices {
                        let n = off[i + 1] - off[i]
                        if n > 0, let s = src.baseAddress, let d = dst.baseAddress { (d + at).update(from: s + off[i], count: n) }
                        at += n
                    }
                }
            }
            initialized = total
        }
        return VarBytes(offsets: newOffsets, bytes: newBytes)
    }

    public static func concat(_ parts: [VarBytes]) -> VarBytes {
        var out = VarBytes()
        out.reserveCapacity(values: parts.reduce(0) { $0 + $1.count }, bytes: parts.reduce(0) { $0 + $1.bytes.count })
        for part in parts {
            let base = out.bytes.count - (part.offsets.first ?? 0)
            out.bytes.append(contentsOf: part.bytes[(part.offsets.first ?? 0)..<(part.offsets.last ?? 0)])
            out.offsets.append(contentsOf: part.offsets.dropFirst().lazy.map { $0 + base })
        }
        return out
    }
}

@inline(__always)
private func gatherArray<T>(_ values: [T], _ indices: [Int]) -> [T] {
    values.withUnsafeBufferPointer { src in
        [T](unsafeUninitializedCapacity: indices.count) { dst, initialized in
            for (j, i) in indices.enumerated() { (dst.baseAddress! + j).initialize(to: src[i]) }
            initialized = indices.count
        }
    }
}

extension ColumnStorage {
    public func slice(_ range: Range<Int>) -> ColumnStorage {
        switch self {
        case .boolean(let v): .boolean(Array(v[range]))
        case .int8(let v): .int8(Array(v[range]))
        case .int16(let v): .int16(Array(v[range]))
        case .int32(let v): .int32(Array(v[range]))
        case .int64(let v): .int64(Array(v[range]))
        case .float32(let v): .float32(Array(v[range]))
        case .float64(let v): .float64(Array(v[range]))
        case .int128(let v): .int128(Array(v[range]))
        case .bytes(let v): .bytes(v.slice(range))
        }
    }

    /// The values at `indices` (each in `0..<count`; repeats allowed), in that order.
    public func gather(_ indices: [Int]) -> ColumnStorage {
        switch self {
        case .boolean(let v): .boolean(gatherArray(v, indices))
        case .int8(let v): .int8(gatherArray(v, indices))
        case .int16(let v): .int16(gatherArray(v, indices))
        case .int32(let v): .int32(gatherArray(v, indices))
        case .int64(let v): .int64(gatherArray(v, indices))
        case .float32(let v): .float32(gatherArray(v, indices))
        case .float64(let v): .float64(gatherArray(v, indices))
        case .int128(let v): .int128(gatherArray(v, indices))
        case .bytes(let v): .bytes(v.gather(indices))
        }
    }

    /// The parts one after another; throws when their kinds differ.
    public static func concat(_ parts: [ColumnStorage], kind: Kind) throws(ColumnarError) -> ColumnStorage {
        for part in parts where part.kind != kind { throw .schemaMismatch("cannot concatenate \(part.kind) storage onto \(kind)") }
        func join<T>(_ extract: (ColumnStorage) -> [T]?) -> [T] {
            var out: [T] = []
            out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for part in parts { if let v = extract(part) { out.append(contentsOf: v) } }
            return out
        }
        switch kind {
        case .boolean: return .boolean(join { if case .boolean(let v) = $0 { v } else { nil } })
        case .int8: return .int8(join { if case .int8(let v) = $0 { v } else { nil } })
        case .int16: return .int16(join { if case .int16(let v) = $0 { v } else { nil } })
        case .int32: return .int32(join { if case .int32(let v) = $0 { v } else { nil } })
        case .int64: return .int64(join { if case .int64(let v) = $0 { v } else { nil } })
        case .float32: return .float32(join { if case .float32(let v) = $0 { v } else { nil } })
        case .float64: return .float64(join { if case .float64(let v) = $0 { v } else { nil } })
        case .int128: return .int128(join { if case .int128(let v) = $0 { v } else { nil } })
        case .bytes: return .bytes(VarBytes.concat(parts.compactMap { if case .bytes(let v) = $0 { v } else { nil } }))
        }
    }
}

extension Column {
    /// Rows `range` as a new column.
    public func slice(_ range: Range<Int>) -> Column {
        let bits = validity?.slice(range)
        return Column(storage.slice(range), validity: bits.flatMap { $0.allSet ? nil : $0 })
    }

    /// The rows at `indices`, in that order (repeats allowed).
    public func gather(_ indices: [Int]) -> Column {
        let bits = validity?.gather(indices)
        return Column(storage.gather(indices), validity: bits.flatMap { $0.allSet ? nil : $0 })
    }

    /// The columns one after another (all of one storage kind). An empty list needs `kind`.
    public static func concat(_ parts: [Column], kind: ColumnStorage.Kind? = nil) throws(ColumnarError) -> Column {
        guard let kind = kind ?? parts.first?.storage.kind else {
            throw .schemaMismatch("cannot concatenate zero columns without a storage kind")
        }
        let storage = try ColumnStorage.concat(parts.map(\.storage), kind: kind)
        guard parts.contains(where: { $0.validity != nil }) else { return Column(storage) }
        var bytes: [UInt8] = []
        var count = 0
        bytes.reserveCapacity((storage.count + 7) / 8)
        for part in parts {
            let bits = part.validity ?? Bitmap(repeating: true, count: part.count)
            if count & 7 == 0 {
                bytes.append(contentsOf: bits.bytes)
            } else {
                for i in 0..<bits.count {
                    let j = count + i
                    if j & 7 == 0 { bytes.append(0) }
                    if bits[i] { bytes[j >> 3] |= 1 << UInt8(j & 7) }
                }
            }
            count += part.count
            bytes.removeLast(bytes.count - (count + 7) / 8)
        }
        return Column(storage, validity: Bitmap(bytes: bytes, count: count))
    }
}

extension ColumnBatch {
    /// An empty batch of `schema`.
    public static func empty(_ schema: Schema) -> ColumnBatch {
        ColumnBatch(schema: schema, columns: schema.fields.map { Column(.empty($0.type.storageKind)) }, rowCount: 0)
    }

    /// Rows `range` (clamped to the batch) as a new batch.
    public func slice(_ range: Range<Int>) -> ColumnBatch {
        let r = range.clamped(to: 0..<rowCount)
        return ColumnBatch(schema: schema, columns: columns.map { $0.slice(r) }, rowCount: r.count)
    }

    /// The rows at `indices`, in that order.
    public func gather(_ indices: [Int]) -> ColumnBatch {
        ColumnBatch(schema: schema, columns: columns.map { $0.gather(indices) }, rowCount: indices.count)
    }

    /// The batches one after another; all must have `schema` (or the first batch's schema).
    public static func concat(_ batches: [ColumnBatch], schema: Schema? = nil) throws(ColumnarError) -> ColumnBatch {
        guard let schema = schema ?? batches.first?.schema else {
            throw .schemaMismatch("cannot concatenate zero batches without a schema")
        }
        for batch in batches where batch.schema != schema {
            throw .schemaMismatch("[\(batch.schema.names.joined(separator: ", "))] vs [\(schema.names.joined(separator: ", "))]")
        }
        let rowCount = batches.reduce(0) { $0 + $1.rowCount }
        for batch in batches {
            for (column, field) in zip(batch.columns, schema.fields) where column.storage.kind != field.type.storageKind {
                throw .schemaMismatch("cannot concatenate \(column.storage.kind) storage onto \(field.type.storageKind)")
            }
        }
        if batches.count == 1, let only = batches.first { return only }
        // Columns are independent copies: large ones are joined on all cores.
        let fields = schema.fields
        let joined = ParallelColumns.map(count: fields.count, parallel: rowCount >= 1 << 16) { i in
            // Kinds were checked above, so this cannot throw.
            (try? Column.concat(batches.map { $0.columns[i] }, kind: fields[i].type.storageKind)) ?? Column(.empty(fields[i].type.storageKind))
        }
        return ColumnBatch(schema: schema, columns: joined, rowCount: rowCount)
    }

    /// The named columns, in the given order.
    public func select(columns names: [String]) throws(ColumnarError) -> ColumnBatch {
        var fields: [Field] = []
        var picked: [Column] = []
        for name in names {
            guard let i = schema.index(of: name) else { throw .unknownColumn(name, available: schema.names) }
            fields.append(schema.fields[i])
            picked.append(columns[i])
        }
        return ColumnBatch(schema: Schema(fields), columns: picked, rowCount: rowCount)
    }
}

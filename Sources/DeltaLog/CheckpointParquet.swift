import Foundation
import LakeParquet

/// Reads and writes classic single-file Delta checkpoints: Parquet files whose rows each hold one
/// action in a nullable top-level struct (`txn`, `add`, `remove`, `metaData`, `protocol`), with
/// Parquet MAP and LIST groups inside. lakectl's column-batch Parquet writer is flat, so this file
/// shreds and assembles the nested checkpoint schema itself (Dremel definition/repetition levels),
/// reusing LakeParquet's Thrift metadata types and RLE/bit-packed level codec.
///
/// Written files: one row group, PLAIN values, v1 data pages, snappy, no page index or
/// statistics (Trino trips on some column indexes), `_last_checkpoint` written separately.
enum CheckpointParquet {
    // MARK: Schema tree

    final class Node: @unchecked Sendable {
        let name: String
        let repetition: FieldRepetitionType
        let physical: PhysicalType?
        let converted: ConvertedType?
        let logical: LogicalType?
        let typeLength: Int32?
        var children: [Node]
        /// Definition level when this node is present.
        var defLevel: UInt32 = 0
        /// Repetition level of this node's repeated ancestor-or-self.
        var repLevel: UInt32 = 0
        /// Indices of this node's leaves in schema order.
        var leafRange: Range<Int> = 0..<0
        var skipped = false

        init(_ name: String, _ repetition: FieldRepetitionType, physical: PhysicalType? = nil, converted: ConvertedType? = nil,
             logical: LogicalType? = nil, typeLength: Int32? = nil, children: [Node] = []) {
            self.name = name
            self.repetition = repetition
            self.physical = physical
            self.converted = converted
            self.logical = logical
            self.typeLength = typeLength
            self.children = children
        }

        var isLeaf: Bool { physical != nil }

        func child(_ name: String) -> Node? { children.first { $0.name == name } }
    }

    static func string(_ name: String) -> Node { Node(name, .optional, physical: .byteArray, converted: .utf8, logical: .string) }
    static func long(_ name: String) -> Node { Node(name, .optional, physical: .int64) }
    static func int(_ name: String) -> Node { Node(name, .optional, physical: .int32) }
    static func bool(_ name: String) -> Node { Node(name, .optional, physical: .boolean) }
    static func stringMap(_ name: String) -> Node {
        Node(name, .optional, converted: .map, logical: .map, children: [
            Node("key_value", .repeated, children: [
                Node("key", .required, physical: .byteArray, converted: .utf8, logical: .string),
                string("value"),
            ]),
        ])
    }
    static func stringList(_ name: String) -> Node {
        Node(name, .optional, converted: .list, logical: .list, children: [Node("list", .repeated, children: [string("element")])])
    }
    static func group(_ name: String, _ children: [Node]) -> Node { Node(name, .optional, children: children) }
    /// The protocol's deletion vector descriptor struct.
    static func deletionVector() -> Node {
        group("deletionVector", [string("storageType"), string("pathOrInlineDv"), int("offset"), int("sizeInBytes"), long("cardinality")])
    }

    /// The checkpoint schema lakectl writes (Spark's classic V1 layout).
    static func writeSchema() -> Node {
        let root = Node("spark_schema", .required, children: [
            group("txn", [string("appId"), long("version"), long("lastUpdated")]),
            group("add", [string("path"), stringMap("partitionValues"), long("size"), long("modificationTime"),
                          bool("dataChange"), string("stats"), stringMap("tags"), deletionVector()]),
            group("remove", [string("path"), long("deletionTimestamp"), bool("dataChange"), bool("extendedFileMetadata"),
                             stringMap("partitionValues"), long("size"), deletionVector()]),
            group("metaData", [string("id"), string("name"), string("description"),
                               group("format", [string("provider"), stringMap("options")]),
                               string("schemaString"), stringList("partitionColumns"), stringMap("configuration"),
                               long("createdTime")]),
            group("protocol", [int("minReaderVersion"), int("minWriterVersion"), stringList("readerFeatures"),
                               stringList("writerFeatures")]),
        ])
        annotate(root)
        return root
    }

    /// Computes levels and leaf ranges; returns the leaves in order.
    @discardableResult
    static func annotate(_ root: Node) -> [Node] {
        var leaves: [Node] = []
        func walk(_ node: Node, def: UInt32, rep: UInt32) {
            var def = def, rep = rep
            if node !== root {
                if node.repetition == .optional { def += 1 }
                if node.repetition == .repeated { def += 1; rep += 1 }
            }
            node.defLevel = def
            node.repLevel = rep
            let start = leaves.count
            if node.isLeaf { leaves.append(node) } else { for child in node.children { walk(child, def: def, rep: rep) } }
            node.leafRange = start..<leaves.count
        }
        walk(root, def: 0, rep: 0)
        return leaves
    }

    static func flatten(_ root: Node) -> [SchemaElement] {
        var out: [SchemaElement] = []
        func walk(_ node: Node) {
            if node.isLeaf {
                out.append(SchemaElement(type: node.physical, typeLength: node.typeLength, repetitionType: node.repetition,
                                         name: node.name, convertedType: node.converted, logicalType: node.logical))
            } else {
                out.append(SchemaElement(repetitionType: node === root ? nil : node.repetition, name: node.name,
                                         numChildren: Int32(node.children.count), convertedType: node.converted,
                                         logicalType: node.logical))
                node.children.forEach(walk)
            }
        }
        walk(root)
        return out
    }

    // MARK: Writing

    struct LeafBuffer {
        var defs: [UInt32] = []
        var reps: [UInt32] = []
        var values: [JSONValue] = []
    }

    /// Encodes actions (no commitInfo) as a checkpoint file, pages compressed with `codec`
    /// (snappy by default, as Spark writes them).
    static func encode(_ actions: [Action], codec: ParquetCodec = .snappy) throws -> [UInt8] {
        let root = writeSchema()
        let leaves = annotate(root)
        var buffers = [LeafBuffer](repeating: LeafBuffer(), count: leaves.count)

        func emitNulls(_ node: Node, rep: UInt32, def: UInt32) {
            for i in node.leafRange {
                buffers[i].reps.append(rep)
                buffers[i].defs.append(def)
            }
        }
        func shred(_ node: Node, _ value: JSONValue?, rep: UInt32, def: UInt32) {
            let value: JSONValue? = (value?.isNull ?? true) ? nil : value
            switch node.repetition {
            case .repeated:
                let elements = value?.arrayValue ?? []
                if elements.isEmpty { emitNulls(node, rep: rep, def: def); return }
                for (i, element) in elements.enumerated() {
                    let r = i == 0 ? rep : node.repLevel
                    content(node, element, rep: r, def: def + 1)
                }
            case .optional:
                guard let value else { emitNulls(node, rep: rep, def: def); return }
                content(node, value, rep: rep, def: def + 1)
            default:
                if let value { content(node, value, rep: rep, def: def) } else { emitNulls(node, rep: rep, def: def) }
            }
        }
        func content(_ node: Node, _ value: JSONValue, rep: UInt32, def: UInt32) {
            if node.isLeaf {
                let i = node.leafRange.lowerBound
                buffers[i].reps.append(rep)
                buffers[i].defs.append(def)
                buffers[i].values.append(value)
                return
            }
            if node.converted == .map, let entries = node.children.first {
                let pairs = (value.objectValue ?? []).map { JSONValue.object([("key", .string($0.0)), ("value", $0.1)]) }
                shred(entries, .array(pairs), rep: rep, def: def)
            } else if node.converted == .list, let list = node.children.first {
                let items = (value.arrayValue ?? []).map { JSONValue.object([("element", $0)]) }
                shred(list, .array(items), rep: rep, def: def)
            } else {
                for child in node.children { shred(child, value[child.name], rep: rep, def: def) }
            }
        }

        var rows = 0
        for action in actions {
            let json: JSONValue
            switch action {
            case .commitInfo, .other: continue
            default: json = action.json
            }
            guard let (name, body) = json.objectValue?.first else { continue }
            for child in root.children {
                shred(child, child.name == name ? body : nil, rep: 0, def: 0)
            }
            rows += 1
        }

        var file: [UInt8] = Array("PAR1".utf8)
        var chunks: [ColumnChunk] = []
        for (i, leaf) in leaves.enumerated() {
            guard let physical = leaf.physical else { continue }
            let buffer = buffers[i]
            var page: [UInt8] = []
            if leaf.repLevel > 0 { appendLevels(buffer.reps, maxLevel: leaf.repLevel, into: &page) }
            if leaf.defLevel > 0 { appendLevels(buffer.defs, maxLevel: leaf.defLevel, into: &page) }
            try appendPlain(buffer.values, physical: physical, into: &page)
            let body = try CheckpointCodecs.compress(page, codec: codec)
            let header = PageHeader(type: .dataPage, uncompressedPageSize: Int32(page.count), compressedPageSize: Int32(body.count),
                                    dataPageHeader: DataPageHeader(numValues: Int32(buffer.defs.count), encoding: .plain,
                                                                   definitionLevelEncoding: .rle, repetitionLevelEncoding: .rle))
            let headerBytes = header.serialized()
            let offset = Int64(file.count)
            file += headerBytes
            file += body
            let meta = ColumnMetaData(type: physical, encodings: [.plain, .rle], pathInSchema: path(of: leaf, in: root),
                                      codec: codec, numValues: Int64(buffer.defs.count),
                                      totalUncompressedSize: Int64(headerBytes.count + page.count),
                                      totalCompressedSize: Int64(headerBytes.count + body.count), dataPageOffset: offset)
            chunks.append(ColumnChunk(fileOffset: offset, metaData: meta))
        }
        let totalSize = chunks.reduce(Int64(0)) { $0 + ($1.metaData?.totalCompressedSize ?? 0) }
        let footer = FileMetaData(version: 1, schema: flatten(root), numRows: Int64(rows),
                                  rowGroups: [RowGroup(columns: chunks, totalByteSize: totalSize, numRows: Int64(rows))],
                                  createdBy: "lakectl version 0.1.0 (build delta-checkpoint)")
        let footerBytes = footer.serialized()
        file += footerBytes
        let length = UInt32(footerBytes.count)
        file += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
        file += Array("PAR1".utf8)
        return file
    }

    static func path(of leaf: Node, in root: Node) -> [String] {
        func find(_ node: Node, _ prefix: [String]) -> [String]? {
            if node === leaf { return prefix }
            for child in node.children where child.leafRange.contains(leaf.leafRange.lowerBound) {
                return find(child, prefix + [child.name])
            }
            return nil
        }
        return find(root, []) ?? [leaf.name]
    }

    static func appendLevels(_ levels: [UInt32], maxLevel: UInt32, into out: inout [UInt8]) {
        var encoded: [UInt8] = []
        RleBitPackedHybrid.encode(levels, bitWidth: BitPacking.bitWidth(of: UInt64(maxLevel)), into: &encoded)
        let n = UInt32(encoded.count)
        out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        out += encoded
    }

    static func appendPlain(_ values: [JSONValue], physical: PhysicalType, into out: inout [UInt8]) throws {
        switch physical {
        case .boolean:
            var byte: UInt8 = 0
            for (i, v) in values.enumerated() {
                if v.boolValue == true { byte |= 1 << UInt8(i % 8) }
                if i % 8 == 7 { out.append(byte); byte = 0 }
            }
            if values.count % 8 != 0 { out.append(byte) }
        case .int32:
            for v in values {
                let x = UInt32(bitPattern: Int32(truncatingIfNeeded: v.int64Value ?? 0))
                out += [UInt8(x & 0xFF), UInt8(x >> 8 & 0xFF), UInt8(x >> 16 & 0xFF), UInt8(x >> 24)]
            }
        case .int64:
            for v in values {
                var x = UInt64(bitPattern: v.int64Value ?? 0)
                for _ in 0..<8 { out.append(UInt8(x & 0xFF)); x >>= 8 }
            }
        case .byteArray:
            for v in values {
                let s: String
                switch v {
                case .string(let t): s = t
                case .number(let n): s = n
                default: s = v.serialized
                }
                let n = UInt32(s.utf8.count)
                out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
                out += s.utf8
            }
        default:
            throw DeltaLogError("checkpoint writer: unexpected physical type \(physical)")
        }
    }

    // MARK: Reading

    /// Decodes a checkpoint file (any writer's classic single-file layout) into actions.
    static func decode(_ bytes: [UInt8]) throws -> [Action] {
        guard bytes.count >= 12, Array(bytes[0..<4]) == Array("PAR1".utf8), Array(bytes[(bytes.count - 4)...]) == Array("PAR1".utf8) else {
            throw DeltaLogError("not a Parquet file (missing PAR1 magic)")
        }
        let n = bytes.count
        let footerLength = Int(bytes[n - 8]) | Int(bytes[n - 7]) << 8 | Int(bytes[n - 6]) << 16 | Int(bytes[n - 5]) << 24
        guard footerLength > 0, footerLength <= n - 12 else { throw DeltaLogError("Parquet footer length \(footerLength) is invalid") }
        var reader = ThriftCompactReader(bytes[(n - 8 - footerLength)..<(n - 8)])
        let footer = try FileMetaData(from: &reader)
        let root = try buildTree(footer.schema)
        let leaves = annotate(root)
        // Only the actions lakectl replays; parsed stats and anything else are skipped.
        let wanted: Set<String> = ["txn", "add", "remove", "metaData", "protocol"]
        func markSkipped(_ node: Node, depth: Int) {
            if depth == 1, !wanted.contains(node.name) { node.skipped = true }
            if depth >= 2, node.name.hasSuffix("_parsed") { node.skipped = true }
            if node.isLeaf, let p = node.physical, ![PhysicalType.boolean, .int32, .int64, .byteArray, .float, .double].contains(p) {
                node.skipped = true
            }
            for child in node.children {
                if node.skipped { child.skipped = true }
                markSkipped(child, depth: depth + 1)
            }
        }
        markSkipped(root, depth: 0)

        var actions: [Action] = []
        for rowGroup in footer.rowGroups {
            guard rowGroup.columns.count == leaves.count else {
                throw DeltaLogError("row group has \(rowGroup.columns.count) columns, schema has \(leaves.count) leaves")
            }
            var columns = [LeafBuffer?](repeating: nil, count: leaves.count)
            for (i, leaf) in leaves.enumerated() where !leaf.skipped {
                guard let meta = rowGroup.columns[i].metaData else { throw DeltaLogError("column chunk without metadata") }
                columns[i] = try readChunk(bytes, meta: meta, leaf: leaf)
            }
            actions += try assemble(root: root, leaves: leaves, columns: columns, rows: Int(rowGroup.numRows))
        }
        return actions
    }

    static func buildTree(_ elements: [SchemaElement]) throws -> Node {
        var index = 0
        func build(depth: Int) throws -> Node {
            guard index < elements.count, depth < 32 else { throw DeltaLogError("malformed Parquet schema") }
            let e = elements[index]
            index += 1
            let node = Node(e.name, e.repetitionType ?? .required, physical: e.type, converted: e.convertedType,
                            logical: e.logicalType, typeLength: e.typeLength)
            if e.type == nil {
                let count = Int(e.numChildren ?? 0)
                guard count >= 0, count <= elements.count - index else { throw DeltaLogError("malformed Parquet schema") }
                for _ in 0..<count { node.children.append(try build(depth: depth + 1)) }
            }
            return node
        }
        let root = try build(depth: 0)
        return root
    }

    static func codec(_ c: ParquetCodec) throws -> ParquetCodec { c }

    static func readChunk(_ bytes: [UInt8], meta: ColumnMetaData, leaf: Node) throws -> LeafBuffer {
        guard let physical = leaf.physical else { throw DeltaLogError("leaf without type") }
        var offset = Int(meta.dictionaryPageOffset ?? meta.dataPageOffset)
        if let dict = meta.dictionaryPageOffset, dict <= 0 || dict > meta.dataPageOffset { offset = Int(meta.dataPageOffset) }
        let end = min(bytes.count, offset + Int(meta.totalCompressedSize))
        guard offset >= 0, offset < end else { throw DeltaLogError("column chunk \(meta.pathInSchema.joined(separator: ".")) out of bounds") }
        var out = LeafBuffer()
        var dictionary: [JSONValue] = []
        let total = Int(meta.numValues)
        // Values can never outnumber what the chunk's bytes could encode at one bit each (RLE aside,
        // levels for a million rows fit in a few bytes, so bound by a generous constant too).
        guard total >= 0, total <= max(Int(meta.totalCompressedSize) * 8, 1 << 24) else {
            throw DeltaLogError("column \(meta.pathInSchema.joined(separator: ".")) claims \(total) values")
        }
        while out.defs.count < total && offset < end {
            let (header, headerLength) = try PageHeader.decode(bytes[offset..<end])
            let start = offset + headerLength
            let compressed = Int(header.compressedPageSize)
            guard compressed >= 0, start + compressed <= end else { throw DeltaLogError("page runs past its column chunk") }
            let body = Array(bytes[start..<(start + compressed)])
            offset = start + compressed
            switch header.type {
            case .dictionaryPage:
                let data = try decompress(body, codec: meta.codec, size: Int(header.uncompressedPageSize))
                let count = Int(header.dictionaryPageHeader?.numValues ?? 0)
                var pos = 0
                dictionary = try readPlain(data, &pos, count: count, physical: physical, typeLength: leaf.typeLength)
            case .dataPage:
                guard let h = header.dataPageHeader else { throw DeltaLogError("data page without header") }
                let data = try decompress(body, codec: meta.codec, size: Int(header.uncompressedPageSize))
                let count = Int(h.numValues)
                guard count >= 0, count <= total - out.defs.count else { throw DeltaLogError("page claims \(count) values") }
                var pos = 0
                let reps = leaf.repLevel > 0 ? try readLevels(data, &pos, count: count, maxLevel: leaf.repLevel, prefixed: nil)
                                             : [UInt32](repeating: 0, count: count)
                let defs = leaf.defLevel > 0 ? try readLevels(data, &pos, count: count, maxLevel: leaf.defLevel, prefixed: nil)
                                             : [UInt32](repeating: 0, count: count)
                let present = defs.reduce(0) { $0 + ($1 == leaf.defLevel ? 1 : 0) }
                out.values += try readValues(data, &pos, count: present, encoding: h.encoding, physical: physical, leaf: leaf, dictionary: dictionary)
                out.reps += reps
                out.defs += defs
            case .dataPageV2:
                guard let h = header.dataPageHeaderV2 else { throw DeltaLogError("data page v2 without header") }
                let count = Int(h.numValues)
                guard count >= 0, count <= total - out.defs.count else { throw DeltaLogError("page claims \(count) values") }
                let repLength = Int(h.repetitionLevelsByteLength), defLength = Int(h.definitionLevelsByteLength)
                guard repLength >= 0, defLength >= 0, repLength + defLength <= body.count else { throw DeltaLogError("invalid v2 level lengths") }
                var pos = 0
                let reps = leaf.repLevel > 0 ? try readLevels(body, &pos, count: count, maxLevel: leaf.repLevel, prefixed: repLength)
                                             : [UInt32](repeating: 0, count: count)
                pos = repLength
                let defs = leaf.defLevel > 0 ? try readLevels(body, &pos, count: count, maxLevel: leaf.defLevel, prefixed: defLength)
                                             : [UInt32](repeating: 0, count: count)
                let rest = Array(body[(repLength + defLength)...])
                let data = h.isCompressed
                    ? try decompress(rest, codec: meta.codec, size: Int(header.uncompressedPageSize) - repLength - defLength) : rest
                var vpos = 0
                let present = defs.reduce(0) { $0 + ($1 == leaf.defLevel ? 1 : 0) }
                out.values += try readValues(data, &vpos, count: present, encoding: h.encoding, physical: physical, leaf: leaf, dictionary: dictionary)
                out.reps += reps
                out.defs += defs
            default:
                continue
            }
        }
        guard out.defs.count == total else {
            throw DeltaLogError("column \(meta.pathInSchema.joined(separator: ".")) has \(out.defs.count) of \(total) values")
        }
        return out
    }

    static func readLevels(_ data: [UInt8], _ pos: inout Int, count: Int, maxLevel: UInt32, prefixed: Int?) throws -> [UInt32] {
        let length: Int
        if let prefixed {
            length = prefixed
        } else {
            guard pos + 4 <= data.count else { throw DeltaLogError("truncated level data") }
            length = Int(data[pos]) | Int(data[pos + 1]) << 8 | Int(data[pos + 2]) << 16 | Int(data[pos + 3]) << 24
            pos += 4
        }
        guard length >= 0, pos + length <= data.count else { throw DeltaLogError("level data runs past the page") }
        let width = BitPacking.bitWidth(of: UInt64(maxLevel))
        let levels = try data[pos..<(pos + length)].withUnsafeBytes { raw in
            var decoder = try RleBitPackedHybridDecoder(raw, bitWidth: width)
            return try decoder.decode(count: count)
        }
        pos += length
        for level in levels where level > maxLevel { throw DeltaLogError("level \(level) exceeds the maximum \(maxLevel)") }
        return levels
    }

    static func readValues(_ data: [UInt8], _ pos: inout Int, count: Int, encoding: Encoding, physical: PhysicalType, leaf: Node,
                           dictionary: [JSONValue]) throws -> [JSONValue] {
        switch encoding {
        case .plain:
            return try readPlain(data, &pos, count: count, physical: physical, typeLength: leaf.typeLength)
        case .plainDictionary, .rleDictionary:
            if count == 0 { return [] }
            guard pos < data.count else { throw DeltaLogError("truncated dictionary indices") }
            let width = Int(data[pos])
            pos += 1
            let indices = try data[pos...].withUnsafeBytes { raw in
                var decoder = try RleBitPackedHybridDecoder(raw, bitWidth: width)
                return try decoder.decode(count: count)
            }
            return try indices.map { i in
                guard Int(i) < dictionary.count else { throw DeltaLogError("dictionary index \(i) out of range") }
                return dictionary[Int(i)]
            }
        case .rle where physical == .boolean:
            guard pos + 4 <= data.count else { throw DeltaLogError("truncated boolean data") }
            let length = Int(data[pos]) | Int(data[pos + 1]) << 8 | Int(data[pos + 2]) << 16 | Int(data[pos + 3]) << 24
            pos += 4
            guard length >= 0, pos + length <= data.count else { throw DeltaLogError("boolean data runs past the page") }
            let bits = try data[pos..<(pos + length)].withUnsafeBytes { raw in
                var decoder = try RleBitPackedHybridDecoder(raw, bitWidth: 1)
                return try decoder.decode(count: count)
            }
            pos += length
            return bits.map { .bool($0 != 0) }
        default:
            throw DeltaLogError("checkpoint column \(leaf.name) uses encoding \(encoding.rawValue), which lakectl's checkpoint reader does not decode")
        }
    }

    static func readPlain(_ data: [UInt8], _ pos: inout Int, count: Int, physical: PhysicalType, typeLength: Int32?) throws -> [JSONValue] {
        guard count >= 0 else { throw DeltaLogError("negative value count") }
        var out: [JSONValue] = []
        out.reserveCapacity(min(count, data.count + 1))
        func need(_ n: Int) throws { guard n >= 0, pos + n <= data.count else { throw DeltaLogError("PLAIN values run past the page") } }
        switch physical {
        case .boolean:
            try need((count + 7) / 8)
            for i in 0..<count { out.append(.bool(data[pos + i / 8] >> UInt8(i % 8) & 1 == 1)) }
            pos += (count + 7) / 8
        case .int32:
            try need(count * 4)
            for _ in 0..<count {
                let v = UInt32(data[pos]) | UInt32(data[pos + 1]) << 8 | UInt32(data[pos + 2]) << 16 | UInt32(data[pos + 3]) << 24
                out.append(.int(Int32(bitPattern: v)))
                pos += 4
            }
        case .int64, .double:
            try need(count * 8)
            for _ in 0..<count {
                var v: UInt64 = 0
                for b in 0..<8 { v |= UInt64(data[pos + b]) << (8 * UInt64(b)) }
                out.append(physical == .int64 ? .int(Int64(bitPattern: v)) : .number(String(Double(bitPattern: v))))
                pos += 8
            }
        case .float:
            try need(count * 4)
            for _ in 0..<count {
                let v = UInt32(data[pos]) | UInt32(data[pos + 1]) << 8 | UInt32(data[pos + 2]) << 16 | UInt32(data[pos + 3]) << 24
                out.append(.number(String(Float(bitPattern: v))))
                pos += 4
            }
        case .byteArray:
            for _ in 0..<count {
                try need(4)
                let n = Int(data[pos]) | Int(data[pos + 1]) << 8 | Int(data[pos + 2]) << 16 | Int(data[pos + 3]) << 24
                pos += 4
                try need(n)
                out.append(.string(String(decoding: data[pos..<(pos + n)], as: UTF8.self)))
                pos += n
            }
        default:
            throw DeltaLogError("unsupported physical type \(physical) in a checkpoint")
        }
        return out
    }

    /// Rebuilds one JSON object per row from the decoded leaves (at most one repeated level per
    /// leaf, which covers every map and list of the checkpoint schema), then parses actions.
    static func assemble(root: Node, leaves: [Node], columns: [LeafBuffer?], rows: Int) throws -> [Action] {
        // Per leaf: entry cursor, value cursor, and per-entry value positions for the current row.
        var entryCursor = [Int](repeating: 0, count: leaves.count)
        var valueCursor = [Int](repeating: 0, count: leaves.count)
        var rowStart = [Int](repeating: 0, count: leaves.count)
        var rowCount = [Int](repeating: 0, count: leaves.count)
        var valueStart = [Int](repeating: 0, count: leaves.count)
        var actions: [Action] = []

        func firstLeaf(_ node: Node) -> Int? { node.leafRange.first { columns[$0] != nil } }

        func def(_ leaf: Int, _ j: Int) -> UInt32 { columns[leaf]?.defs[rowStart[leaf] + j] ?? 0 }

        func value(_ leaf: Int, _ j: Int) -> JSONValue? {
            guard let column = columns[leaf] else { return nil }
            let maxDef = leaves[leaf].defLevel
            guard column.defs[rowStart[leaf] + j] == maxDef else { return nil }
            var index = valueStart[leaf]
            for k in 0..<j where column.defs[rowStart[leaf] + k] == maxDef { index += 1 }
            return index < column.values.count ? column.values[index] : nil
        }

        func build(_ node: Node, _ j: Int) -> JSONValue? {
            if node.skipped { return nil }
            guard let first = firstLeaf(node), j < rowCount[first] else { return nil }
            let d = def(first, j)
            if node.repetition != .required, d < node.defLevel { return nil }
            if node.isLeaf { return value(first, j) }
            if let repeated = node.children.first, node.children.count == 1, repeated.repetition == .repeated {
                let count = d >= repeated.defLevel ? rowCount[first] : 0
                if node.converted == .map || repeated.children.count == 2 {
                    var pairs: [(String, JSONValue)] = []
                    for k in 0..<count {
                        guard repeated.children.count == 2,
                              case .string(let key)? = build(repeated.children[0], k) else { continue }
                        pairs.append((key, build(repeated.children[1], k) ?? .null))
                    }
                    return .object(pairs)
                }
                var items: [JSONValue] = []
                for k in 0..<count {
                    if repeated.isLeaf { items.append(value(first, k) ?? .null) }
                    else if let element = repeated.children.first { items.append(build(element, k) ?? .null) }
                }
                return .array(items)
            }
            var pairs: [(String, JSONValue)] = []
            for child in node.children where !child.skipped {
                if let v = build(child, j) { pairs.append((child.name, v)) }
            }
            return .object(pairs)
        }

        for _ in 0..<rows {
            for i in leaves.indices {
                guard let column = columns[i] else { continue }
                let start = entryCursor[i]
                guard start < column.defs.count else { throw DeltaLogError("checkpoint column \(leaves[i].name) ends early") }
                var end = start + 1
                while end < column.defs.count, column.reps[end] > 0 { end += 1 }
                rowStart[i] = start
                rowCount[i] = end - start
                valueStart[i] = valueCursor[i]
                var present = 0
                for k in start..<end where column.defs[k] == leaves[i].defLevel { present += 1 }
                valueCursor[i] += present
                entryCursor[i] = end
            }
            for child in root.children where !child.skipped {
                guard let body = build(child, 0) else { continue }
                actions.append(try Action(json: .object([(child.name, body)])))
                break
            }
        }
        return actions
    }

    static func decompress(_ data: [UInt8], codec: ParquetCodec, size: Int) throws -> [UInt8] {
        try CheckpointCodecs.decompress(data, codec: codec, size: size)
    }
}

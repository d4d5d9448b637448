import CZlib
import Foundation
import LakeObjectStore

/// The `deletionVector` field of an `add`/`remove` action (PROTOCOL.md "Deletion Vector Descriptor
/// Schema"): where the set of soft-deleted row indexes of a data file is stored.
public struct DeletionVectorDescriptor: Sendable, Hashable {
    /// How the deletion vector is stored.
    public enum StorageType: String, Sendable {
        /// In a file `<random prefix>/deletion_vector_<uuid>.bin` relative to the table root.
        case uuidRelativePath = "u"
        /// Inline in the log, Z85-encoded.
        case inline = "i"
        /// In a file at an absolute path (a URI, encoded like `add.path`).
        case absolutePath = "p"
    }

    public var storageType: StorageType
    /// `u`: optional random prefix + 20-character Z85 UUID; `i`: the Z85 data; `p`: the absolute path.
    public var pathOrInlineDv: String
    /// Where the DV's size field starts in its file; absent for inline DVs (0 when absent otherwise).
    public var offset: Int32?
    /// The size of the serialized DV (magic number + bitmap), before Z85 encoding when inline.
    public var sizeInBytes: Int32
    /// How many rows the DV deletes.
    public var cardinality: Int64

    public init(storageType: StorageType, pathOrInlineDv: String, offset: Int32?, sizeInBytes: Int32, cardinality: Int64) {
        self.storageType = storageType
        self.pathOrInlineDv = pathOrInlineDv
        self.offset = offset
        self.sizeInBytes = sizeInBytes
        self.cardinality = cardinality
    }

    /// Parses the descriptor object of an action.
    public init(json: JSONValue) throws {
        guard let type = json["storageType"]?.stringValue else { throw DeltaLogError("deletionVector without storageType") }
        guard let storageType = StorageType(rawValue: type) else {
            throw DeltaLogError("deletionVector has an unknown storageType \"\(type)\" (expected u, i or p)")
        }
        guard let path = json["pathOrInlineDv"]?.stringValue else { throw DeltaLogError("deletionVector without pathOrInlineDv") }
        guard let size = json["sizeInBytes"]?.int64Value, let sizeInBytes = Int32(exactly: size), sizeInBytes >= 0 else {
            throw DeltaLogError("deletionVector \(type)\(path) has a missing or invalid sizeInBytes")
        }
        guard let cardinality = json["cardinality"]?.int64Value, cardinality >= 0 else {
            throw DeltaLogError("deletionVector \(type)\(path) has a missing or invalid cardinality")
        }
        var offset: Int32? = nil
        if let raw = json["offset"], !raw.isNull {
            guard let value = raw.int64Value, let o = Int32(exactly: value), o >= 0 else {
                throw DeltaLogError("deletionVector \(type)\(path) has an invalid offset")
            }
            offset = o
        }
        if storageType == .inline, offset != nil {
            throw DeltaLogError("inline deletionVector has an offset (the protocol forbids one)")
        }
        self.init(storageType: storageType, pathOrInlineDv: path, offset: offset, sizeInBytes: sizeInBytes, cardinality: cardinality)
    }

    /// The descriptor as the action's `deletionVector` object.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("storageType", .string(storageType.rawValue)), ("pathOrInlineDv", .string(pathOrInlineDv))]
        if let offset { pairs.append(("offset", .int(offset))) }
        pairs.append(("sizeInBytes", .int(sizeInBytes)))
        pairs.append(("cardinality", .int(cardinality)))
        return .object(pairs)
    }

    /// The protocol's `uniqueId`: `<storageType><pathOrInlineDv>`, plus `@<offset>` when there is one.
    public var uniqueId: String {
        let base = storageType.rawValue + pathOrInlineDv
        return offset.map { "\(base)@\($0)" } ?? base
    }

    /// The length of the Z85 UUID at the end of a `u` path.
    static let encodedUUIDLength = 20

    /// For `u` DVs, the file's path relative to the table root:
    /// `<random prefix>/deletion_vector_<uuid>.bin` (no prefix folder when the prefix is empty).
    /// `nil` for other storage types.
    public func relativePath() throws -> String? {
        guard storageType == .uuidRelativePath else { return nil }
        let chars = Array(pathOrInlineDv)
        guard chars.count >= Self.encodedUUIDLength else {
            throw DeltaLogError("deletion vector \(uniqueId): a 'u' path needs a 20-character Z85 UUID, got \(chars.count) characters")
        }
        let prefix = String(chars[0..<(chars.count - Self.encodedUUIDLength)])
        let uuidBytes = try Z85.decode(String(chars[(chars.count - Self.encodedUUIDLength)...]), length: 16)
        let name = "deletion_vector_\(Self.canonicalUUID(uuidBytes)).bin"
        return prefix.isEmpty ? name : "\(prefix)/\(name)"
    }

    /// The protocol's `absolutePath`: for `u` the relative path under `tableLocation` (a URL or
    /// store key prefix), for `p` the stored path; `nil` for inline DVs.
    public func absolutePath(tableLocation: String) throws -> String? {
        switch storageType {
        case .inline: return nil
        case .absolutePath: return pathOrInlineDv
        case .uuidRelativePath:
            guard let relative = try relativePath() else { return nil }
            var base = tableLocation
            while base.hasSuffix("/") { base.removeLast() }
            return base.isEmpty ? relative : "\(base)/\(relative)"
        }
    }

    /// Lower-case 8-4-4-4-12 hex form of 16 bytes.
    static func canonicalUUID(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { b -> String in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}

extension AddFile {
    /// The parsed deletion vector descriptor, `nil` when the file has none.
    public func deletionVectorDescriptor() throws -> DeletionVectorDescriptor? {
        guard let deletionVector else { return nil }
        do { return try DeletionVectorDescriptor(json: deletionVector) } catch {
            throw DeltaLogError("file \(path): \(error)")
        }
    }
}

/// Reading and writing deletion vectors: the DV content (magic number + portable 64-bit roaring
/// bitmap, PROTOCOL.md "Deletion Vector Format") and DV files (version byte 1, then per DV a
/// big-endian size, the content and a big-endian CRC-32 of the content).
public enum DeletionVectorStore {
    /// Delta's magic number for the portable serialization, little endian at the start of a DV.
    public static let portableMagic: UInt32 = 1_681_511_377
    /// The version byte that starts a DV file.
    public static let fileFormatVersion: UInt8 = 1
    /// Inline DVs up to this many serialized bytes by default (Spark does not inline by default;
    /// a small inline DV saves one GET per data file).
    public static let defaultMaxInlineBytes = 64

    /// Where ``write(rows:store:tableRoot:placement:)`` puts a DV.
    public enum Placement: Sendable {
        case inline
        case file
        /// Inline when the content is at most this many bytes, else a file.
        case automatic(maxInlineBytes: Int)
    }

    // MARK: Content

    /// Serializes sorted, distinct row indexes as DV content (magic number + bitmap).
    /// - Throws: ``DeltaLogError`` for unsorted rows or rows at or above 2^63 (Delta keeps the key's top bit 0).
    public static func serialize(rows: [UInt64]) throws -> [UInt8] {
        if let last = rows.last, last >= 1 << 63 { throw DeltaLogError("row index \(last) is beyond 2^63-1") }
        var out: [UInt8] = []
        RoaringBitmap64.appendLE(UInt64(portableMagic), bytes: 4, to: &out)
        out += try RoaringBitmap64.encode(rows)
        return out
    }

    /// Decodes DV content into sorted row indexes, checking the magic number and that exactly
    /// `cardinality` rows are present.
    public static func deserialize(_ bytes: [UInt8], cardinality: Int64, name: String) throws -> [UInt64] {
        guard bytes.count >= 4 else { throw DeltaLogError("deletion vector \(name) is corrupt: \(bytes.count) bytes, too short for the magic number") }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        guard magic == portableMagic else {
            throw DeltaLogError("deletion vector \(name) is corrupt or in an unsupported format: magic number \(magic), expected \(portableMagic)")
        }
        // A row takes at least 1 bit in a bitmap container, or a run of 4 bytes covers up to 65536 rows:
        // the declared cardinality bounds what decoding may produce.
        guard cardinality <= Int64(Int32.max) else { throw DeltaLogError("deletion vector \(name) declares \(cardinality) rows, beyond what lakectl handles") }
        let rows = try RoaringBitmap64.decode(Array(bytes[4...]), maxCardinality: Int(cardinality), name: name)
        guard rows.count == Int(cardinality) else {
            throw DeltaLogError("deletion vector \(name) is corrupt: it holds \(rows.count) rows but its descriptor says \(cardinality)")
        }
        return rows
    }

    /// zlib's CRC-32.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }

    static func appendBE(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    // MARK: Load and write

    /// Loads the deleted row indexes (sorted) of a descriptor.
    /// - Parameters:
    ///   - tableRoot: the table's folder in `store` (`u` paths are relative to it).
    ///   - tableURL: the table's URL (`s3://bucket/table`, `file:///...`); `p` paths must lie under it.
    ///   - rowCount: the data file's `numRecords`, when known: the DV may then delete at most that
    ///     many rows, all below it (this also bounds what a corrupt DV can make decoding allocate).
    /// - Throws: ``DeltaLogError`` naming the DV for corrupt or inconsistent data; store errors.
    public static func load(_ descriptor: DeletionVectorDescriptor, store: any ObjectStore, tableRoot: String,
                            tableURL: String? = nil, rowCount: Int64? = nil) async throws -> [UInt64] {
        let name = descriptor.uniqueId
        if let rowCount, descriptor.cardinality > rowCount {
            throw DeltaLogError("deletion vector \(name) deletes \(descriptor.cardinality) rows of a file with \(rowCount)")
        }
        let rows = try await loadUnchecked(descriptor, store: store, tableRoot: tableRoot, tableURL: tableURL)
        if let rowCount, let last = rows.last, last >= UInt64(max(rowCount, 0)) {
            throw DeltaLogError("deletion vector \(name) deletes row \(last) of a file with \(rowCount) rows")
        }
        return rows
    }

    static func loadUnchecked(_ descriptor: DeletionVectorDescriptor, store: any ObjectStore, tableRoot: String,
                              tableURL: String?) async throws -> [UInt64] {
        let name = descriptor.uniqueId
        let size = Int(descriptor.sizeInBytes)
        switch descriptor.storageType {
        case .inline:
            let bytes: [UInt8]
            do { bytes = try Z85.decode(descriptor.pathOrInlineDv, length: size) } catch {
                throw DeltaLogError("deletion vector \(name) is corrupt: \(error)")
            }
            return try deserialize(bytes, cardinality: descriptor.cardinality, name: name)
        case .uuidRelativePath, .absolutePath:
            let key = try fileKey(descriptor, tableRoot: tableRoot, tableURL: tableURL)
            let offset = Int64(descriptor.offset ?? 0)
            let wanted = Int64(size) + 8
            let framed = try await store.getRange(key, offset: offset, length: wanted)
            guard framed.count == Int(wanted) else {
                throw DeltaLogError("deletion vector \(name) is corrupt: \(key) holds \(framed.count) bytes at offset \(offset), "
                    + "fewer than the \(wanted) its descriptor needs")
            }
            var reader = ByteReader(bytes: framed, name: name)
            let dataSize = try reader.uint32BE()
            guard dataSize == UInt32(size) else {
                throw DeltaLogError("deletion vector \(name) is corrupt: \(key) stores \(dataSize) bytes at offset \(offset), "
                    + "the descriptor says \(size)")
            }
            let data = try reader.bytes(size)
            let stored = try reader.uint32BE()
            let computed = crc32(data)
            guard stored == computed else {
                throw DeltaLogError("deletion vector \(name) is corrupt: CRC-32 mismatch in \(key) (stored \(stored), computed \(computed))")
            }
            return try deserialize(data, cardinality: descriptor.cardinality, name: name)
        }
    }

    /// The store key of an on-disk DV.
    static func fileKey(_ descriptor: DeletionVectorDescriptor, tableRoot: String, tableURL: String?) throws -> String {
        switch descriptor.storageType {
        case .inline:
            throw DeltaLogError("deletion vector \(descriptor.uniqueId) is inline and has no file")
        case .uuidRelativePath:
            guard let relative = try descriptor.relativePath() else { throw DeltaLogError("deletion vector \(descriptor.uniqueId) has no path") }
            return DeltaPaths.join(tableRoot, relative)
        case .absolutePath:
            var base = tableURL ?? ""
            while base.hasSuffix("/") { base.removeLast() }
            guard !base.isEmpty, descriptor.pathOrInlineDv.hasPrefix(base + "/") else {
                throw DeltaLogError("deletion vector \(descriptor.uniqueId) lies outside the table (\(tableURL ?? "no table URL given")); "
                    + "lakectl reads absolute-path DVs only under the table's own location")
            }
            let relative = String(descriptor.pathOrInlineDv.dropFirst(base.count + 1))
            return DeltaPaths.join(tableRoot, DeltaPaths.decodeURIPath(relative))
        }
    }

    /// Writes the DV of sorted, distinct row indexes and returns its descriptor: inline, or a new
    /// file `deletion_vector_<uuid>.bin` at the table root (created with a create-only put).
    public static func write(rows: [UInt64], store: any ObjectStore, tableRoot: String,
                             placement: Placement = .automatic(maxInlineBytes: defaultMaxInlineBytes)) async throws -> DeletionVectorDescriptor {
        let content = try serialize(rows: rows)
        guard let size = Int32(exactly: content.count) else { throw DeltaLogError("deletion vector of \(content.count) bytes is too large") }
        let inline: Bool
        switch placement {
        case .inline: inline = true
        case .file: inline = false
        case .automatic(let maxInlineBytes): inline = content.count <= maxInlineBytes
        }
        if inline {
            return DeletionVectorDescriptor(storageType: .inline, pathOrInlineDv: Z85.encode(content), offset: nil,
                                            sizeInBytes: size, cardinality: Int64(rows.count))
        }
        let uuid = UUID().uuid
        let uuidBytes = [uuid.0, uuid.1, uuid.2, uuid.3, uuid.4, uuid.5, uuid.6, uuid.7,
                         uuid.8, uuid.9, uuid.10, uuid.11, uuid.12, uuid.13, uuid.14, uuid.15]
        let descriptor = DeletionVectorDescriptor(storageType: .uuidRelativePath, pathOrInlineDv: Z85.encode(uuidBytes),
                                                  offset: 1, sizeInBytes: size, cardinality: Int64(rows.count))
        var file: [UInt8] = [fileFormatVersion]
        appendBE(UInt32(size), to: &file)
        file += content
        appendBE(crc32(content), to: &file)
        guard let relative = try descriptor.relativePath() else { throw DeltaLogError("internal: a 'u' DV without a path") }
        try await store.putIfAbsent(DeltaPaths.join(tableRoot, relative), bytes: file)
        return descriptor
    }
}

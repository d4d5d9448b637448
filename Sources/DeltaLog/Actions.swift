import Foundation

/// A malformed or unsupported Delta log entry, naming the log file and what is wrong.
public struct DeltaLogError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// The `protocol` action: the reader and writer versions (and table features) a table needs.
public struct DeltaProtocol: Sendable, Hashable {
    public var minReaderVersion: Int
    public var minWriterVersion: Int
    /// Only present with reader version 3.
    public var readerFeatures: [String]?
    /// Only present with writer version 7.
    public var writerFeatures: [String]?

    public init(minReaderVersion: Int = 1, minWriterVersion: Int = 2,
                readerFeatures: [String]? = nil, writerFeatures: [String]? = nil) {
        self.minReaderVersion = minReaderVersion
        self.minWriterVersion = minWriterVersion
        self.readerFeatures = readerFeatures
        self.writerFeatures = writerFeatures
    }

    /// The plain-table protocol lakectl writes: reader 1, writer 2.
    public static let plain = DeltaProtocol()
    /// Reader 3 / writer 7 with the `timestampNtz` feature, needed by `timestamp_ntz` columns.
    public static let timestampNtz = DeltaProtocol(minReaderVersion: 3, minWriterVersion: 7,
                                                   readerFeatures: ["timestampNtz"], writerFeatures: ["timestampNtz"])

    /// Reader features lakectl understands.
    public static let supportedReaderFeatures: Set<String> = ["timestampNtz", "vacuumProtocolCheck"]
    /// Writer features lakectl honours when it writes.
    public static let supportedWriterFeatures: Set<String> = ["timestampNtz", "vacuumProtocolCheck", "appendOnly"]

    /// Throws unless lakectl can read a table with this protocol.
    public func checkReadable() throws {
        switch minReaderVersion {
        case 1: return
        case 2:
            throw DeltaLogError("the table needs Delta reader version 2 (column mapping), which lakectl does not support; "
                + "help: rewrite the table without column mapping (delta.columnMapping.mode = none)")
        case 3:
            let unsupported = (readerFeatures ?? []).filter { !DeltaProtocol.supportedReaderFeatures.contains($0) }
            guard unsupported.isEmpty else {
                throw DeltaLogError("the table uses Delta reader feature(s) \(unsupported.joined(separator: ", ")), "
                    + "which lakectl does not support (it reads: \(DeltaProtocol.supportedReaderFeatures.sorted().joined(separator: ", ")))")
            }
        default:
            throw DeltaLogError("the table needs Delta reader version \(minReaderVersion); lakectl reads versions 1 to 3")
        }
    }

    /// Throws unless lakectl can write to a table with this protocol and configuration.
    public func checkWritable(configuration: [String: String]) throws {
        try checkReadable()
        switch minWriterVersion {
        case 1, 2: break
        case 3, 4:
            if configuration.keys.contains(where: { $0.hasPrefix("delta.constraints.") }) {
                throw DeltaLogError("the table has CHECK constraints (delta.constraints.*), which lakectl cannot enforce; it will not write to it")
            }
            if configuration["delta.enableChangeDataFeed"]?.lowercased() == "true" {
                throw DeltaLogError("the table has the change data feed on (delta.enableChangeDataFeed), which lakectl does not write; "
                    + "help: turn it off or write with Spark/delta-rs")
            }
        case 7:
            let unsupported = (writerFeatures ?? []).filter { !DeltaProtocol.supportedWriterFeatures.contains($0) }
            guard unsupported.isEmpty else {
                throw DeltaLogError("the table uses Delta writer feature(s) \(unsupported.joined(separator: ", ")), "
                    + "which lakectl cannot honour; it will not write to it")
            }
        default:
            throw DeltaLogError("the table needs Delta writer version \(minWriterVersion) (column mapping or identity columns), "
                + "which lakectl does not support for writing")
        }
        if configuration["delta.appendOnly"]?.lowercased() == "true" {
            // Enforced by Transaction (no data-changing removes); nothing to refuse here.
        }
    }

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("minReaderVersion", .int(minReaderVersion)), ("minWriterVersion", .int(minWriterVersion))]
        if let readerFeatures { pairs.append(("readerFeatures", .array(readerFeatures.map { .string($0) }))) }
        if let writerFeatures { pairs.append(("writerFeatures", .array(writerFeatures.map { .string($0) }))) }
        return .object(pairs)
    }

    init(json: JSONValue) throws {
        guard let reader = json["minReaderVersion"]?.int64Value, let writer = json["minWriterVersion"]?.int64Value else {
            throw DeltaLogError("protocol action without minReaderVersion/minWriterVersion")
        }
        minReaderVersion = Int(reader)
        minWriterVersion = Int(writer)
        readerFeatures = json["readerFeatures"]?.arrayValue?.compactMap(\.stringValue)
        writerFeatures = json["writerFeatures"]?.arrayValue?.compactMap(\.stringValue)
    }
}

/// The `metaData` action: table id, schema, partition columns and configuration.
public struct Metadata: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var description: String?
    public var formatProvider: String
    public var formatOptions: [String: String]
    /// The schema in Delta's JSON schema serialization.
    public var schemaString: String
    public var partitionColumns: [String]
    public var configuration: [String: String]
    public var createdTime: Int64?

    public init(id: String = UUID().uuidString.lowercased(), name: String? = nil, description: String? = nil,
                schemaString: String, partitionColumns: [String], configuration: [String: String],
                createdTime: Int64? = nil) {
        self.id = id
        self.name = name
        self.description = description
        formatProvider = "parquet"
        formatOptions = [:]
        self.schemaString = schemaString
        self.partitionColumns = partitionColumns
        self.configuration = configuration
        self.createdTime = createdTime
    }

    /// The parsed schema.
    public func schema() throws -> DeltaSchema { try DeltaSchema(json: schemaString) }

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("id", .string(id))]
        if let name { pairs.append(("name", .string(name))) }
        if let description { pairs.append(("description", .string(description))) }
        pairs.append(("format", .object([("provider", .string(formatProvider)), ("options", .stringMap(formatOptions))])))
        pairs.append(("schemaString", .string(schemaString)))
        pairs.append(("partitionColumns", .array(partitionColumns.map { .string($0) })))
        pairs.append(("configuration", .stringMap(configuration)))
        if let createdTime { pairs.append(("createdTime", .int(createdTime))) }
        return .object(pairs)
    }

    init(json: JSONValue) throws {
        guard let id = json["id"]?.stringValue, let schemaString = json["schemaString"]?.stringValue else {
            throw DeltaLogError("metaData action without id or schemaString")
        }
        self.id = id
        name = json["name"]?.stringValue
        description = json["description"]?.stringValue
        formatProvider = json["format"]?["provider"]?.stringValue ?? "parquet"
        formatOptions = Metadata.stringMap(json["format"]?["options"])
        self.schemaString = schemaString
        partitionColumns = json["partitionColumns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        configuration = Metadata.stringMap(json["configuration"])
        createdTime = json["createdTime"]?.int64Value
    }

    static func stringMap(_ value: JSONValue?) -> [String: String] {
        var map: [String: String] = [:]
        for (k, v) in value?.objectValue ?? [] {
            if let s = v.stringValue { map[k] = s } else if case .number(let n) = v { map[k] = n } else if let b = v.boolValue { map[k] = String(b) }
        }
        return map
    }
}

/// Partition values of a file: every partition column present, `nil` for a null partition.
public typealias PartitionValues = [String: String?]

func parsePartitionValues(_ value: JSONValue?) -> PartitionValues {
    var map: PartitionValues = [:]
    for (k, v) in value?.objectValue ?? [] {
        switch v {
        case .string(let s): map[k] = .some(s)
        case .number(let n): map[k] = .some(n)
        default: map[k] = .some(nil)
        }
    }
    return map
}

/// The `add` action: a data file that becomes part of the table.
public struct AddFile: Sendable, Hashable {
    /// The path relative to the table root as written in the log: URI-encoded (RFC 2396).
    /// Removes must repeat it byte for byte.
    public var path: String
    public var partitionValues: PartitionValues
    /// The exact file size in bytes.
    public var size: Int64
    /// Milliseconds since the epoch.
    public var modificationTime: Int64
    public var dataChange: Bool
    /// Statistics as a JSON string (`numRecords`, `minValues`, `maxValues`, `nullCount`).
    public var stats: String?
    public var tags: [String: String]?
    /// Deletion vector descriptor, kept verbatim (tables using them need a reader feature lakectl refuses).
    public var deletionVector: JSONValue?
    /// Fields lakectl does not model (`baseRowId`, ...), kept so checkpoints and rewrites preserve them.
    public var extra: [(String, JSONValue)]

    public init(path: String, partitionValues: PartitionValues, size: Int64, modificationTime: Int64,
                dataChange: Bool = true, stats: String? = nil, tags: [String: String]? = nil) {
        self.path = path
        self.partitionValues = partitionValues
        self.size = size
        self.modificationTime = modificationTime
        self.dataChange = dataChange
        self.stats = stats
        self.tags = tags
        deletionVector = nil
        extra = []
    }

    public static func == (a: AddFile, b: AddFile) -> Bool {
        a.path == b.path && a.partitionValues == b.partitionValues && a.size == b.size
            && a.modificationTime == b.modificationTime && a.dataChange == b.dataChange && a.stats == b.stats
            && a.tags == b.tags && a.deletionVector == b.deletionVector
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(path); hasher.combine(size) }

    /// The path with percent-escapes decoded: the object key relative to the table root.
    public var decodedPath: String { DeltaPaths.decodeURIPath(path) }

    /// The parsed statistics, if present and valid.
    public var parsedStats: FileStats? { stats.flatMap { try? FileStats(json: $0) } }

    /// A remove that cancels this file, with Spark's extended metadata.
    public func remove(deletionTimestamp: Int64, dataChange: Bool = true) -> RemoveFile {
        var remove = RemoveFile(path: path, deletionTimestamp: deletionTimestamp, dataChange: dataChange, extendedFileMetadata: true,
                                partitionValues: partitionValues, size: size, stats: nil)
        remove.deletionVector = deletionVector
        return remove
    }

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("path", .string(path)),
            ("partitionValues", .optionalStringMap(partitionValues)),
            ("size", .int(size)),
            ("modificationTime", .int(modificationTime)),
            ("dataChange", .bool(dataChange)),
        ]
        if let stats { pairs.append(("stats", .string(stats))) }
        if let tags { pairs.append(("tags", .stringMap(tags))) }
        if let deletionVector { pairs.append(("deletionVector", deletionVector)) }
        pairs.append(contentsOf: extra)
        return .object(pairs)
    }

    init(json: JSONValue) throws {
        guard let path = json["path"]?.stringValue else { throw DeltaLogError("add action without path") }
        self.path = path
        partitionValues = parsePartitionValues(json["partitionValues"])
        size = json["size"]?.int64Value ?? 0
        modificationTime = json["modificationTime"]?.int64Value ?? 0
        dataChange = json["dataChange"]?.boolValue ?? true
        stats = json["stats"]?.stringValue
        if let t = json["tags"], !t.isNull { tags = Metadata.stringMap(t) } else { tags = nil }
        if let dv = json["deletionVector"], !dv.isNull { deletionVector = dv } else { deletionVector = nil }
        let known: Set<String> = ["path", "partitionValues", "size", "modificationTime", "dataChange", "stats", "tags", "deletionVector"]
        extra = (json.objectValue ?? []).filter { !known.contains($0.0) && !$0.1.isNull }
    }
}

/// The `remove` action: a data file that leaves the table (a tombstone until vacuum).
public struct RemoveFile: Sendable, Hashable {
    /// Byte-identical to the `add.path` it cancels.
    public var path: String
    public var deletionTimestamp: Int64?
    public var dataChange: Bool
    public var extendedFileMetadata: Bool?
    public var partitionValues: PartitionValues?
    public var size: Int64?
    public var stats: String?
    /// The deletion vector of the logical file removed (the add's), kept verbatim.
    public var deletionVector: JSONValue? = nil

    public init(path: String, deletionTimestamp: Int64?, dataChange: Bool, extendedFileMetadata: Bool? = nil,
                partitionValues: PartitionValues? = nil, size: Int64? = nil, stats: String? = nil) {
        self.path = path
        self.deletionTimestamp = deletionTimestamp
        self.dataChange = dataChange
        self.extendedFileMetadata = extendedFileMetadata
        self.partitionValues = partitionValues
        self.size = size
        self.stats = stats
    }

    public var decodedPath: String { DeltaPaths.decodeURIPath(path) }

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("path", .string(path))]
        if let deletionTimestamp { pairs.append(("deletionTimestamp", .int(deletionTimestamp))) }
        pairs.append(("dataChange", .bool(dataChange)))
        if let extendedFileMetadata { pairs.append(("extendedFileMetadata", .bool(extendedFileMetadata))) }
        if let partitionValues { pairs.append(("partitionValues", .optionalStringMap(partitionValues))) }
        if let size { pairs.append(("size", .int(size))) }
        if let stats { pairs.append(("stats", .string(stats))) }
        if let deletionVector { pairs.append(("deletionVector", deletionVector)) }
        return .object(pairs)
    }

    init(json: JSONValue) throws {
        guard let path = json["path"]?.stringValue else { throw DeltaLogError("remove action without path") }
        if let dv = json["deletionVector"], !dv.isNull { deletionVector = dv }
        self.path = path
        deletionTimestamp = json["deletionTimestamp"]?.int64Value
        dataChange = json["dataChange"]?.boolValue ?? true
        extendedFileMetadata = json["extendedFileMetadata"]?.boolValue
        if let pv = json["partitionValues"], !pv.isNull { partitionValues = parsePartitionValues(pv) } else { partitionValues = nil }
        size = json["size"]?.int64Value
        stats = json["stats"]?.stringValue
    }
}

/// The `txn` action: the last batch version an application committed (exactly-once writers).
public struct SetTransaction: Sendable, Hashable {
    public var appId: String
    public var version: Int64
    public var lastUpdated: Int64?

    public init(appId: String, version: Int64, lastUpdated: Int64? = nil) {
        self.appId = appId
        self.version = version
        self.lastUpdated = lastUpdated
    }

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("appId", .string(appId)), ("version", .int(version))]
        if let lastUpdated { pairs.append(("lastUpdated", .int(lastUpdated))) }
        return .object(pairs)
    }

    init(json: JSONValue) throws {
        guard let appId = json["appId"]?.stringValue, let version = json["version"]?.int64Value else {
            throw DeltaLogError("txn action without appId or version")
        }
        self.appId = appId
        self.version = version
        lastUpdated = json["lastUpdated"]?.int64Value
    }
}

/// The `commitInfo` action: provenance of a commit. Any JSON object is allowed; lakectl writes
/// `timestamp`, `operation`, `operationParameters` (string values), `readVersion`,
/// `isolationLevel`, `isBlindAppend`, `operationMetrics` (string values) and `engineInfo`.
public struct CommitInfo: Sendable, Hashable {
    /// The whole object, as written.
    public var raw: JSONValue

    public init(raw: JSONValue) { self.raw = raw }

    /// The engine string lakectl records.
    public static let engineInfo = "lakectl/0.1.0"

    public init(timestamp: Int64, operation: String, parameters: [String: String] = [:], metrics: [String: String] = [:],
                readVersion: Int64? = nil, isBlindAppend: Bool? = nil, extra: [(String, JSONValue)] = []) {
        var pairs: [(String, JSONValue)] = [
            ("timestamp", .int(timestamp)),
            ("operation", .string(operation)),
            ("operationParameters", .stringMap(parameters)),
        ]
        if let readVersion { pairs.append(("readVersion", .int(readVersion))) }
        pairs.append(("isolationLevel", .string("Serializable")))
        if let isBlindAppend { pairs.append(("isBlindAppend", .bool(isBlindAppend))) }
        pairs.append(("operationMetrics", .stringMap(metrics)))
        pairs.append(("engineInfo", .string(CommitInfo.engineInfo)))
        pairs.append(("txnId", .string(UUID().uuidString.lowercased())))
        pairs.append(contentsOf: extra)
        raw = .object(pairs)
    }

    public var timestamp: Int64? { raw["timestamp"]?.int64Value }
    public var inCommitTimestamp: Int64? { raw["inCommitTimestamp"]?.int64Value }
    public var operation: String? { raw["operation"]?.stringValue }
    public var operationParameters: [String: String] { Metadata.stringMap(raw["operationParameters"]) }
    public var operationMetrics: [String: String] { Metadata.stringMap(raw["operationMetrics"]) }
    public var engineInfo: String? { raw["engineInfo"]?.stringValue }
    public var readVersion: Int64? { raw["readVersion"]?.int64Value }
    public var isBlindAppend: Bool? { raw["isBlindAppend"]?.boolValue }
}

/// One line of a Delta commit file.
public enum Action: Sendable, Hashable {
    case `protocol`(DeltaProtocol)
    case metadata(Metadata)
    case add(AddFile)
    case remove(RemoveFile)
    case txn(SetTransaction)
    case commitInfo(CommitInfo)
    /// Any other action (`cdc`, `domainMetadata`, `checkpointMetadata`, ...), kept verbatim.
    case other(name: String, body: JSONValue)

    /// Parses one line (`{"add":{...}}`).
    public init(json: JSONValue) throws {
        guard case .object(let pairs) = json, let (name, body) = pairs.first(where: { !$0.1.isNull }) else {
            throw DeltaLogError("a log line is not a single-action JSON object")
        }
        switch name {
        case "protocol": self = .protocol(try DeltaProtocol(json: body))
        case "metaData": self = .metadata(try Metadata(json: body))
        case "add": self = .add(try AddFile(json: body))
        case "remove": self = .remove(try RemoveFile(json: body))
        case "txn": self = .txn(try SetTransaction(json: body))
        case "commitInfo": self = .commitInfo(CommitInfo(raw: body))
        default: self = .other(name: name, body: body)
        }
    }

    /// The action as one JSON object.
    public var json: JSONValue {
        switch self {
        case .protocol(let p): .object([("protocol", p.json)])
        case .metadata(let m): .object([("metaData", m.json)])
        case .add(let a): .object([("add", a.json)])
        case .remove(let r): .object([("remove", r.json)])
        case .txn(let t): .object([("txn", t.json)])
        case .commitInfo(let c): .object([("commitInfo", c.raw)])
        case .other(let name, let body): .object([(name, body)])
        }
    }

    /// Parses a whole commit file (newline-delimited JSON; blank lines skipped).
    public static func parseCommit(_ bytes: [UInt8], file: String) throws -> [Action] {
        var actions: [Action] = []
        var start = 0
        var line = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let slice = bytes[start..<end]
            if slice.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) {
                do {
                    actions.append(try Action(json: try JSONValue.parse(slice)))
                } catch {
                    throw DeltaLogError("\(file) line \(line): \(error)")
                }
            }
            start = end + 1
            line += 1
        }
        return actions
    }

    /// Serializes actions as a commit file: one JSON object per line, newline-terminated.
    public static func serializeCommit(_ actions: [Action]) -> [UInt8] {
        var out: [UInt8] = []
        for action in actions {
            action.json.write(into: &out)
            out.append(0x0A)
        }
        return out
    }
}

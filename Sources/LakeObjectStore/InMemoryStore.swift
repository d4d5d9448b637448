import Foundation
import Synchronization

/// An object store in memory: a test double with S3 semantics (byte-wise key order,
/// create-only puts, pagination), for unit tests that need no disk.
public final class InMemoryStore: ObjectStore {
    private struct Object {
        var bytes: [UInt8]
        var meta: ObjectMeta
    }

    private let objects = Mutex<[String: Object]>([:])
    private let counter = Atomic<Int>(0)

    public init() {}

    public var description: String { "memory://" }
    public var minimumPartSize: Int { 1 }

    public func get(_ key: ObjectKey, range: ByteRange?) async throws -> GetResult {
        try ObjectKeyValidation.validate(key, operation: "get")
        guard let object = objects.withLock({ $0[key] }) else {
            throw ObjectStoreError(.notFound, operation: "get", key: key, message: "no such object")
        }
        let size = object.bytes.count
        let slice: ArraySlice<UInt8>
        switch range {
        case nil:
            slice = object.bytes[...]
        case .bounded(let offset, let length):
            guard offset >= 0, length >= 0, offset < size || (offset == 0 && size == 0) else {
                throw ObjectStoreError(.invalidArgument, operation: "get", key: key, serverCode: "InvalidRange", message: "range not satisfiable")
            }
            slice = object.bytes[Int(offset)..<min(size, Int(offset) + Int(length))]
        case .from(let offset):
            guard offset >= 0, offset < size || (offset == 0 && size == 0) else {
                throw ObjectStoreError(.invalidArgument, operation: "get", key: key, serverCode: "InvalidRange", message: "range not satisfiable")
            }
            slice = object.bytes[Int(offset)...]
        case .suffix(let length):
            guard length >= 0 else {
                throw ObjectStoreError(.invalidArgument, operation: "get", key: key, serverCode: "InvalidRange", message: "negative suffix")
            }
            slice = object.bytes[(size - min(size, Int(length)))...]
        }
        return GetResult(bytes: Array(slice), meta: object.meta)
    }

    public func head(_ key: ObjectKey) async throws -> ObjectMeta {
        try await get(key, range: .bounded(offset: 0, length: 0)).meta
    }

    @discardableResult
    public func put(_ key: ObjectKey, bytes: [UInt8], options: PutOptions) async throws -> PutResult {
        try ObjectKeyValidation.validate(key, operation: "put")
        let tag = "m\(counter.add(1, ordering: .relaxed).newValue)"
        let object = Object(bytes: bytes, meta: ObjectMeta(key: key, size: Int64(bytes.count), lastModified: Date(), eTag: tag))
        let created = objects.withLock { store -> Bool in
            if options.mode == .createOnly, store[key] != nil { return false }
            store[key] = object
            return true
        }
        guard created else {
            throw ObjectStoreError(.alreadyExists, operation: "put", key: key, message: "an object with this key already exists")
        }
        return PutResult(eTag: tag)
    }

    public func list(_ options: ListOptions) async throws -> ListResult {
        try ObjectKeyValidation.validatePrefix(options.prefix, operation: "list")
        var after = options.startAfter ?? ""
        if let token = options.continuationToken {
            guard let decoded = ListToken(token) else {
                throw ObjectStoreError(.invalidArgument, operation: "list", key: options.prefix, message: "invalid continuation token")
            }
            if !decoded.after.utf8.lexicographicallyPrecedes(after.utf8) { after = decoded.after }
        }
        let metas = objects.withLock { store in
            store.values.map(\.meta).filter { $0.key.utf8.starts(with: options.prefix.utf8) && after.utf8.lexicographicallyPrecedes($0.key.utf8) }
        }.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let maxKeys = max(1, min(options.maxKeys, 1000))
        var result = ListResult(objects: [])
        var last: String?
        for meta in metas {
            if let delimiter = options.delimiter, !delimiter.isEmpty {
                let rest = String(Substring(meta.key.utf8.dropFirst(options.prefix.utf8.count)))
                if let r = rest.range(of: delimiter) {
                    let common = options.prefix + String(rest[..<r.upperBound])
                    if result.commonPrefixes.last == common { continue }
                    if result.objects.count + result.commonPrefixes.count == maxKeys {
                        result.nextContinuationToken = last.map { ListToken(after: $0).encoded }
                        return result
                    }
                    result.commonPrefixes.append(common)
                    last = common + "\u{10FFFF}"
                    continue
                }
            }
            if result.objects.count + result.commonPrefixes.count == maxKeys {
                result.nextContinuationToken = last.map { ListToken(after: $0).encoded }
                return result
            }
            result.objects.append(meta)
            last = meta.key
        }
        return result
    }

    public func delete(_ key: ObjectKey) async throws {
        try ObjectKeyValidation.validate(key, operation: "delete")
        _ = objects.withLock { $0.removeValue(forKey: key) }
    }

    public func delete(keys: [ObjectKey]) async throws {
        for key in keys { try await delete(key) }
    }

    public func startMultipartUpload(_ key: ObjectKey, options: PutOptions) async throws -> any MultipartUpload {
        try ObjectKeyValidation.validate(key, operation: "multipart upload")
        return InMemoryMultipartUpload(store: self, key: key, options: options)
    }
}

final class InMemoryMultipartUpload: MultipartUpload {
    let store: InMemoryStore
    let key: String
    let options: PutOptions
    private let parts = Mutex<[Int: [UInt8]]>([:])

    init(store: InMemoryStore, key: String, options: PutOptions) {
        self.store = store
        self.key = key
        self.options = options
    }

    func uploadPart(number: Int, bytes: [UInt8]) async throws {
        parts.withLock { $0[number] = bytes }
    }

    func complete() async throws -> PutResult {
        let all = parts.withLock { $0 }.sorted { $0.key < $1.key }.flatMap(\.value)
        return try await store.put(key, bytes: all, options: options)
    }

    func abort() async throws {
        parts.withLock { $0.removeAll() }
    }
}

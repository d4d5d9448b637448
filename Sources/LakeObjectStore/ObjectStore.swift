import Foundation

/// Where an object lives inside a store: a `/`-separated key relative to the store's root
/// (for S3 the bucket plus the URL's prefix, for a local store its root folder).
public typealias ObjectKey = String

/// What a store knows about one object.
public struct ObjectMeta: Sendable, Hashable {
    /// The object's key, relative to the store root.
    public var key: ObjectKey
    /// Size in bytes.
    public var size: Int64
    /// Last modification time.
    public var lastModified: Date
    /// The store's entity tag (S3's `ETag`, without quotes; a content-derived tag for local files).
    public var eTag: String?

    public init(key: ObjectKey, size: Int64, lastModified: Date, eTag: String? = nil) {
        self.key = key
        self.size = size
        self.lastModified = lastModified
        self.eTag = eTag
    }
}

/// How a put treats an existing object.
public enum PutMode: Sendable, Hashable {
    /// Replace any existing object.
    case overwrite
    /// Create the object only if no object has the key; otherwise the put throws
    /// ``ObjectStoreError`` with code ``ObjectStoreError/Code/alreadyExists``. Among several
    /// concurrent creators of one key exactly one succeeds: the basis of atomic commits.
    case createOnly
}

/// Options for a put.
public struct PutOptions: Sendable, Hashable {
    public var mode: PutMode
    /// A content type to record where the store keeps one (S3).
    public var contentType: String?

    public init(mode: PutMode = .overwrite, contentType: String? = nil) {
        self.mode = mode
        self.contentType = contentType
    }

    public static let overwrite = PutOptions(mode: .overwrite)
    public static let createOnly = PutOptions(mode: .createOnly)
}

/// The result of a successful put.
public struct PutResult: Sendable, Hashable {
    public var eTag: String?
    public init(eTag: String?) { self.eTag = eTag }
}

/// One page of a listing.
public struct ListResult: Sendable, Hashable {
    /// Objects, in S3 key order (byte-wise ascending UTF-8).
    public var objects: [ObjectMeta]
    /// With a delimiter: the distinct key prefixes up to and including the delimiter ("folders").
    public var commonPrefixes: [String]
    /// Pass as `ListOptions.continuationToken` to fetch the next page; `nil` on the last page.
    public var nextContinuationToken: String?

    public init(objects: [ObjectMeta], commonPrefixes: [String] = [], nextContinuationToken: String? = nil) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.nextContinuationToken = nextContinuationToken
    }
}

/// Options for a listing.
public struct ListOptions: Sendable, Hashable {
    /// Only keys that start with this prefix.
    public var prefix: String
    /// Only keys that sort after this key (S3's `start-after`).
    public var startAfter: String?
    /// Group keys that contain the delimiter after the prefix into ``ListResult/commonPrefixes``.
    public var delimiter: String?
    /// Page size; stores cap it (S3 at 1,000).
    public var maxKeys: Int
    /// A token from a previous page.
    public var continuationToken: String?

    public init(prefix: String = "", startAfter: String? = nil, delimiter: String? = nil,
                maxKeys: Int = 1000, continuationToken: String? = nil) {
        self.prefix = prefix
        self.startAfter = startAfter
        self.delimiter = delimiter
        self.maxKeys = maxKeys
        self.continuationToken = continuationToken
    }
}

/// A half-open byte range `[lowerBound, upperBound)` of an object, or its last `n` bytes.
public enum ByteRange: Sendable, Hashable {
    /// Bytes `offset ..< offset + length`; a range past the end is clipped to the object.
    case bounded(offset: Int64, length: Int64)
    /// Bytes from `offset` to the end.
    case from(offset: Int64)
    /// The last `length` bytes (S3's `bytes=-N`), used to read a Parquet footer in one request.
    case suffix(length: Int64)
}

/// The bytes of an object together with its metadata.
public struct GetResult: Sendable {
    public var bytes: [UInt8]
    /// Metadata of the whole object (size is the whole object's size, not the range's).
    public var meta: ObjectMeta

    public init(bytes: [UInt8], meta: ObjectMeta) {
        self.bytes = bytes
        self.meta = meta
    }
}

/// A multipart upload in progress: parts may be uploaded concurrently, then completed or aborted.
///
/// Implementations must make the object visible only on ``complete()``, and leave no parts
/// behind after ``abort()``.
public protocol MultipartUpload: Sendable {
    /// Uploads part `number` (1-based). Every part but the last must be at least
    /// ``ObjectStore/minimumPartSize`` bytes.
    func uploadPart(number: Int, bytes: [UInt8]) async throws
    /// Makes the object visible, built from the parts in order of their numbers.
    func complete() async throws -> PutResult
    /// Discards the upload and every part uploaded so far.
    func abort() async throws
}

/// The one storage interface every part of lakectl reads and writes through.
///
/// Keys are `/`-separated and relative to the store's root. Every method throws
/// ``ObjectStoreError``, whose ``ObjectStoreError/code`` says what went wrong and whose
/// message names the key and operation. Implementations are safe to call concurrently.
public protocol ObjectStore: Sendable {
    /// A human-readable name of the store's root (`s3://bucket/prefix`, `/path/to/lake`), for messages.
    var description: String { get }

    /// Reads an object, or the given range of it.
    /// - Throws: `.notFound` when the key does not exist.
    func get(_ key: ObjectKey, range: ByteRange?) async throws -> GetResult

    /// Returns an object's metadata without its bytes.
    /// - Throws: `.notFound` when the key does not exist.
    func head(_ key: ObjectKey) async throws -> ObjectMeta

    /// Writes an object in one request.
    /// - Throws: `.alreadyExists` with ``PutMode/createOnly`` when the key exists.
    @discardableResult
    func put(_ key: ObjectKey, bytes: [UInt8], options: PutOptions) async throws -> PutResult

    /// Lists one page of keys.
    func list(_ options: ListOptions) async throws -> ListResult

    /// Deletes one object. Deleting a missing key succeeds (as on S3).
    func delete(_ key: ObjectKey) async throws

    /// Deletes many objects; missing keys count as deleted.
    /// - Throws: the first failure, naming the key; keys before it may have been deleted.
    func delete(keys: [ObjectKey]) async throws

    /// Starts a multipart upload for a large object (overwrite semantics).
    func startMultipartUpload(_ key: ObjectKey, options: PutOptions) async throws -> any MultipartUpload

    /// The smallest part (except the last) a multipart upload accepts.
    var minimumPartSize: Int { get }
}

extension ObjectStore {
    /// Reads a whole object.
    public func get(_ key: ObjectKey) async throws -> [UInt8] {
        try await get(key, range: nil).bytes
    }

    /// Reads `length` bytes at `offset`.
    public func getRange(_ key: ObjectKey, offset: Int64, length: Int64) async throws -> [UInt8] {
        try await get(key, range: .bounded(offset: offset, length: length)).bytes
    }

    /// Writes an object, replacing any existing one.
    @discardableResult
    public func put(_ key: ObjectKey, bytes: [UInt8]) async throws -> PutResult {
        try await put(key, bytes: bytes, options: .overwrite)
    }

    /// Writes an object only if the key is free.
    /// - Throws: `.alreadyExists` when it is not.
    @discardableResult
    public func putIfAbsent(_ key: ObjectKey, bytes: [UInt8]) async throws -> PutResult {
        try await put(key, bytes: bytes, options: .createOnly)
    }

    /// Whether an object exists.
    public func exists(_ key: ObjectKey) async throws -> Bool {
        do {
            _ = try await head(key)
            return true
        } catch let error as ObjectStoreError where error.code == .notFound {
            return false
        }
    }

    /// Lists every key under a prefix, following continuation tokens (S3 key order).
    public func listAll(prefix: String, startAfter: String? = nil) async throws -> [ObjectMeta] {
        var options = ListOptions(prefix: prefix, startAfter: startAfter)
        var all: [ObjectMeta] = []
        while true {
            let page = try await list(options)
            all.append(contentsOf: page.objects)
            guard let token = page.nextContinuationToken else { return all }
            options.continuationToken = token
        }
    }

    /// Lists the immediate "folders" and objects under a prefix, following continuation tokens.
    public func listAll(prefix: String, delimiter: String) async throws -> (objects: [ObjectMeta], prefixes: [String]) {
        var options = ListOptions(prefix: prefix, delimiter: delimiter)
        var objects: [ObjectMeta] = []
        var prefixes: [String] = []
        while true {
            let page = try await list(options)
            objects.append(contentsOf: page.objects)
            prefixes.append(contentsOf: page.commonPrefixes)
            guard let token = page.nextContinuationToken else { return (objects, prefixes) }
            options.continuationToken = token
        }
    }

    /// Uploads a large object from a stream of chunks with a multipart upload, `parallelism`
    /// parts in flight; aborts the upload (leaving no parts) if anything fails.
    ///
    /// - Parameters:
    ///   - chunks: the object's bytes in order; chunks are regrouped into parts of `partSize`.
    ///   - partSize: at least ``minimumPartSize``.
    @discardableResult
    public func putMultipart<Chunks: AsyncSequence & Sendable>(
        _ key: ObjectKey, chunks: Chunks, partSize: Int, parallelism: Int = 4,
        options: PutOptions = .overwrite
    ) async throws -> PutResult where Chunks.Element == [UInt8] {
        let partSize = max(partSize, minimumPartSize)
        let upload = try await startMultipartUpload(key, options: options)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var inFlight = 0
                var number = 0
                var buffer: [UInt8] = []
                buffer.reserveCapacity(partSize)
                func submit(_ part: [UInt8]) async throws {
                    if inFlight >= max(parallelism, 1) {
                        try await group.next()
                        inFlight -= 1
                    }
                    number += 1
                    let n = number
                    group.addTask { try await upload.uploadPart(number: n, bytes: part) }
                    inFlight += 1
                }
                for try await chunk in chunks {
                    var start = 0
                    while start < chunk.count {
                        let take = min(partSize - buffer.count, chunk.count - start)
                        buffer.append(contentsOf: chunk[start..<(start + take)])
                        start += take
                        if buffer.count == partSize {
                            try await submit(buffer)
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                }
                if !buffer.isEmpty || number == 0 {
                    try await submit(buffer)
                }
                try await group.waitForAll()
            }
            return try await upload.complete()
        } catch {
            try? await upload.abort()
            throw error
        }
    }
}

import Foundation
import LakeObjectStore
import Synchronization

/// An ``ObjectStore`` on an S3 bucket (AWS or any S3-compatible server), optionally below a key
/// prefix: keys are relative to `s3://bucket/prefix/`.
///
/// Requests are signed with SigV4, sent over libcurl with keep-alive connections, and retried
/// with backoff under the configuration's deadline. Create-only puts use `If-None-Match: *`.
public struct S3Store: ObjectStore, FileReadingStore {
    public let bucket: String
    /// The key prefix of the store's root: empty, or ending in `/`.
    public let prefix: String
    let client: S3Client

    /// - Parameters:
    ///   - bucket: the bucket name.
    ///   - prefix: keys of this store live below it (a trailing `/` is added if missing).
    ///   - configuration: endpoint, credentials and client settings.
    /// - Throws: `.invalidArgument` for an empty bucket name or an invalid prefix.
    public init(bucket: String, prefix: String = "", configuration: S3Configuration) throws {
        guard !bucket.isEmpty, !bucket.contains("/") else {
            throw ObjectStoreError(.invalidArgument, operation: "open", key: "s3://\(bucket)", message: "invalid bucket name '\(bucket)'")
        }
        var root = prefix
        while root.hasPrefix("/") { root.removeFirst() }
        if !root.isEmpty && !root.hasSuffix("/") { root += "/" }
        if !root.isEmpty { try ObjectKeyValidation.validate(String(root.dropLast()), operation: "open") }
        self.bucket = bucket
        self.prefix = root
        client = S3Client(configuration: configuration)
    }

    public var description: String { "s3://\(bucket)/\(prefix)" }

    /// S3 parts must be at least 5 MiB, except the last.
    public var minimumPartSize: Int { 5 << 20 }

    private func fullKey(_ key: ObjectKey, _ operation: String) throws -> String {
        try ObjectKeyValidation.validate(key, operation: operation)
        return prefix + key
    }

    private func request(_ method: String, _ operation: String, key: ObjectKey?, fullKey: String?) -> S3Request {
        S3Request(method: method, bucket: bucket, key: fullKey, operation: operation,
                  displayKey: key.map { description + $0 } ?? description)
    }

    // MARK: get / head

    public func get(_ key: ObjectKey, range: ByteRange?) async throws -> GetResult {
        let full = try fullKey(key, "get")
        var request = request("GET", "get", key: key, fullKey: full)
        switch try Self.rangeRequest(range, invalid: invalidRange(request)) {
        case .whole: break
        case .header(let value): request.headers.append(("Range", value))
        case .empty(let offset): return GetResult(bytes: [], meta: try await emptyRange(key, offset: offset, request))
        }
        let outcome = try await client.send(request)
        let response = outcome.response
        if response.status == 416 {
            return GetResult(bytes: [], meta: try await rangeOutside(key, range, request))
        }
        guard response.status == 200 || response.status == 206 else { throw client.error(outcome, request) }
        var meta = Self.meta(key: key, response.headers)
        if response.status == 206, let total = Self.totalSize(contentRange: response.headers["content-range"]) {
            meta.size = total
        } else {
            meta.size = Int64(response.body.count)
        }
        return GetResult(bytes: response.body, meta: meta)
    }

    /// How a ``ByteRange`` is asked for: no header, a `Range` header, or no request at all (HTTP
    /// cannot ask for zero bytes; `offset` is then checked against the object's size).
    private enum RangeRequest {
        case whole
        case header(String)
        case empty(offset: Int64?)
    }

    private static func rangeRequest(_ range: ByteRange?, invalid: (String) -> ObjectStoreError) throws -> RangeRequest {
        switch range {
        case nil:
            return .whole
        case .bounded(let offset, let length):
            guard offset >= 0, length >= 0 else { throw invalid("negative range") }
            return length == 0 ? .empty(offset: offset) : .header("bytes=\(offset)-\(offset + length - 1)")
        case .from(let offset):
            guard offset >= 0 else { throw invalid("negative range") }
            return .header("bytes=\(offset)-")
        case .suffix(let length):
            guard length >= 0 else { throw invalid("negative suffix length") }
            return length == 0 ? .empty(offset: nil) : .header("bytes=-\(length)")
        }
    }

    private func invalidRange(_ request: S3Request) -> (String) -> ObjectStoreError {
        { message in
            ObjectStoreError(.invalidArgument, operation: "get", key: request.displayKey, serverCode: "InvalidRange", message: message)
        }
    }

    /// The object's metadata for a zero-length range, checking its offset against the size.
    private func emptyRange(_ key: ObjectKey, offset: Int64?, _ request: S3Request) async throws -> ObjectMeta {
        let meta = try await head(key)
        if let offset, offset >= meta.size && offset != 0 {
            throw invalidRange(request)("range starts at \(offset) but the object has \(meta.size) bytes")
        }
        return meta
    }

    /// A 416 answer: S3 refuses any range of an empty object (other stores return the empty range),
    /// so that is an empty read; any other range is outside the object.
    private func rangeOutside(_ key: ObjectKey, _ range: ByteRange?, _ request: S3Request) async throws -> ObjectMeta {
        let meta = try await head(key)
        let startsAtZero: Bool = switch range {
        case .bounded(let offset, _), .from(let offset): offset == 0
        default: true
        }
        if meta.size == 0 && startsAtZero { return meta }
        throw invalidRange(request)("the range is outside the object's \(meta.size) bytes")
    }

    public func head(_ key: ObjectKey) async throws -> ObjectMeta {
        let full = try fullKey(key, "head")
        let request = request("HEAD", "head", key: key, fullKey: full)
        let outcome = try await client.send(request)
        guard outcome.response.status == 200 else { throw client.error(outcome, request) }
        return Self.meta(key: key, outcome.response.headers)
    }

    /// Streams the body into `region` as it arrives (no copy of the object in memory).
    public func read(_ key: ObjectKey, range: ByteRange?, ifMatch: String?, into region: FileRegion) async throws -> Int64 {
        let full = try fullKey(key, "get")
        var request = request("GET", "get", key: key, fullKey: full)
        switch try Self.rangeRequest(range, invalid: invalidRange(request)) {
        case .whole: break
        case .header(let value): request.headers.append(("Range", value))
        case .empty(let offset):
            _ = try await emptyRange(key, offset: offset, request)
            return 0
        }
        if let ifMatch { request.headers.append(("If-Match", "\"\(ifMatch)\"")) }
        request.sink = region
        let outcome = try await client.send(request)
        let response = outcome.response
        if response.status == 416 {
            _ = try await rangeOutside(key, range, request)
            return 0
        }
        if response.status == 412, let ifMatch {
            throw ObjectStoreError(.preconditionFailed, operation: "get", key: request.displayKey, serverCode: "PreconditionFailed",
                                   message: "the object changed during the download (its ETag is no longer \(ifMatch)); download it again")
        }
        guard response.status == 200 || response.status == 206 else { throw client.error(outcome, request) }
        // A whole-object answer to a range is only the asked-for bytes when the range starts at 0.
        let fromStart: Bool = switch range {
        case nil: true
        case .bounded(let offset, _), .from(let offset): offset == 0
        case .suffix: false
        }
        if response.status == 200 && !fromStart {
            throw ObjectStoreError(.other, operation: "get", key: request.displayKey, serverCode: "HTTP 200",
                                   message: "the server ignored the Range header and sent the whole object")
        }
        return response.streamedBytes
    }

    // MARK: put

    @discardableResult
    public func put(_ key: ObjectKey, bytes: [UInt8], options: PutOptions) async throws -> PutResult {
        let full = try fullKey(key, "put")
        var request = request("PUT", "put", key: key, fullKey: full)
        request.body = bytes
        request.headers.append(("Content-Type", options.contentType ?? "application/octet-stream"))
        if options.mode == .createOnly {
            request.headers.append(("If-None-Match", "*"))
            request.retryOnConflict = true
        }
        let outcome = try await client.send(request)
        let response = outcome.response
        if options.mode == .createOnly && response.status == 412 {
            return try await resolveCreateConflict(key: key, bytes: bytes, outcome: outcome, request: request)
        }
        guard response.status == 200 else { throw client.error(outcome, request) }
        return PutResult(eTag: Self.unquote(response.headers["etag"]))
    }

    /// A create-only put answered 412: the key exists. If an earlier attempt of this same put
    /// may have reached the server (it timed out or its connection broke), the object may be
    /// ours: compare the stored ETag with our bytes' MD5 (S3's ETag of a single-part upload
    /// without SSE-KMS) and report success only when they match.
    private func resolveCreateConflict(key: ObjectKey, bytes: [UInt8], outcome: S3Outcome, request: S3Request) async throws -> PutResult {
        if outcome.earlierAttemptAmbiguous {
            let meta = try? await head(key)
            let md5 = Crypto.md5(bytes).hexString
            if let eTag = meta?.eTag, eTag.lowercased() == md5 {
                return PutResult(eTag: eTag)
            }
            throw ObjectStoreError(.alreadyExists, operation: "put", key: request.displayKey, serverCode: "PreconditionFailed",
                                   message: "the key exists with other content; an earlier attempt of this put timed out, "
                                       + "so it is possible another writer created it in between (the stored ETag "
                                       + "\(meta?.eTag ?? "unknown") differs from this put's MD5 \(md5))")
        }
        throw ObjectStoreError(.alreadyExists, operation: "put", key: request.displayKey, serverCode: "PreconditionFailed",
                               message: "the key already exists (create-only put)")
    }

    // MARK: list

    public func list(_ options: ListOptions) async throws -> ListResult {
        try ObjectKeyValidation.validatePrefix(options.prefix, operation: "list")
        var request = request("GET", "list", key: options.prefix, fullKey: nil)
        request.query = [("list-type", "2"), ("prefix", prefix + options.prefix),
                         ("max-keys", String(min(max(options.maxKeys, 1), 1000)))]
        if let startAfter = options.startAfter, !startAfter.isEmpty {
            request.query.append(("start-after", prefix + startAfter))
        }
        if let delimiter = options.delimiter, !delimiter.isEmpty { request.query.append(("delimiter", delimiter)) }
        if let token = options.continuationToken { request.query.append(("continuation-token", token)) }
        let outcome = try await client.send(request)
        guard outcome.response.status == 200 else { throw client.error(outcome, request) }
        let root: XMLElement
        do {
            root = try XMLTree.parse(outcome.response.body)
        } catch {
            throw ObjectStoreError(.other, operation: "list", key: request.displayKey, message: "unreadable ListObjectsV2 answer: \(error)")
        }
        var objects: [ObjectMeta] = []
        for content in root.children("Contents") {
            guard let fullKey = content.value("Key"), fullKey.hasPrefix(prefix) else { continue }
            let size = Int64(content.value("Size") ?? "") ?? 0
            let modified = content.value("LastModified").flatMap(Self.parseISO8601) ?? Date(timeIntervalSince1970: 0)
            objects.append(ObjectMeta(key: String(fullKey.dropFirst(prefix.count)), size: size, lastModified: modified,
                                      eTag: Self.unquote(content.value("ETag"))))
        }
        let prefixes = root.children("CommonPrefixes").compactMap { $0.value("Prefix") }
            .filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        let truncated = root.value("IsTruncated") == "true"
        let token = truncated ? root.value("NextContinuationToken") : nil
        if truncated && token == nil {
            throw ObjectStoreError(.other, operation: "list", key: request.displayKey,
                                   message: "the server said the listing is truncated but gave no continuation token")
        }
        return ListResult(objects: objects, commonPrefixes: prefixes, nextContinuationToken: token)
    }

    // MARK: delete

    public func delete(_ key: ObjectKey) async throws {
        let full = try fullKey(key, "delete")
        let request = request("DELETE", "delete", key: key, fullKey: full)
        let outcome = try await client.send(request)
        let status = outcome.response.status
        if status == 204 || status == 200 { return }
        let error = client.error(outcome, request)
        // A missing key counts as deleted; a missing bucket does not.
        if status == 404 && error.serverCode != "NoSuchBucket" { return }
        throw error
    }

    public func delete(keys: [ObjectKey]) async throws {
        let fullKeys = try keys.map { try fullKey($0, "delete") }
        var start = 0
        while start < fullKeys.count {
            let batch = Array(fullKeys[start..<min(start + 1000, fullKeys.count)])
            start += batch.count
            try await deleteBatch(batch)
        }
    }

    /// One DeleteObjects call (at most 1,000 keys), quiet mode: the answer lists only failures.
    private func deleteBatch(_ fullKeys: [String]) async throws {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
        for key in fullKeys { xml += "<Object><Key>\(XMLTree.escape(key))</Key></Object>" }
        xml += "</Delete>"
        var request = request("POST", "delete", key: nil, fullKey: nil)
        request.query = [("delete", "")]
        request.body = Array(xml.utf8)
        request.headers = [("Content-Type", "application/xml"), ("Content-MD5", Crypto.md5(request.body).base64String)]
        let outcome = try await client.send(request)
        guard outcome.response.status == 200 else { throw client.error(outcome, request) }
        guard let root = try? XMLTree.parse(outcome.response.body) else {
            throw ObjectStoreError(.other, operation: "delete", key: description, message: "unreadable DeleteObjects answer")
        }
        for failure in root.children("Error") {
            let code = failure.value("Code")
            if code == "NoSuchKey" { continue }
            let key = failure.value("Key").map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 } ?? "?"
            throw ObjectStoreError(S3ErrorMapping.code(status: 0, serverCode: code), operation: "delete",
                                   key: description + key, serverCode: code, message: client.redact(failure.value("Message") ?? "delete failed"))
        }
    }

    // MARK: multipart

    public func startMultipartUpload(_ key: ObjectKey, options: PutOptions) async throws -> any MultipartUpload {
        let full = try fullKey(key, "put")
        var request = request("POST", "multipart start", key: key, fullKey: full)
        request.query = [("uploads", "")]
        request.headers = [("Content-Type", options.contentType ?? "application/octet-stream")]
        let outcome = try await client.send(request)
        guard outcome.response.status == 200 else { throw client.error(outcome, request) }
        guard let root = try? XMLTree.parse(outcome.response.body), let uploadID = root.value("UploadId"), !uploadID.isEmpty else {
            throw ObjectStoreError(.other, operation: "multipart start", key: request.displayKey,
                                   message: "the server's CreateMultipartUpload answer has no UploadId")
        }
        return S3MultipartUpload(store: self, key: key, fullKey: full, uploadID: uploadID, createOnly: options.mode == .createOnly)
    }

    // MARK: buckets

    /// Creates the store's bucket (in the configured region). Succeeds if we already own it.
    public func createBucket() async throws {
        var request = S3Request(method: "PUT", bucket: bucket, key: nil, operation: "create bucket", displayKey: "s3://\(bucket)")
        if client.configuration.region != "us-east-1" {
            request.body = Array(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
                + XMLTree.escape(client.configuration.region) + "</LocationConstraint></CreateBucketConfiguration>").utf8)
        }
        let outcome = try await client.send(request)
        if outcome.response.status == 200 { return }
        let error = client.error(outcome, request)
        if error.serverCode == "BucketAlreadyOwnedByYou" { return }
        throw error
    }

    // MARK: helpers

    static func meta(key: ObjectKey, _ headers: [String: String]) -> ObjectMeta {
        ObjectMeta(key: key, size: Int64(headers["content-length"] ?? "") ?? 0,
                   lastModified: headers["last-modified"].flatMap(parseHTTPDate) ?? Date(timeIntervalSince1970: 0),
                   eTag: unquote(headers["etag"]))
    }

    static func unquote(_ eTag: String?) -> String? {
        guard var eTag else { return nil }
        if eTag.hasPrefix("W/") { eTag.removeFirst(2) }
        if eTag.count >= 2 && eTag.hasPrefix("\"") && eTag.hasSuffix("\"") { eTag = String(eTag.dropFirst().dropLast()) }
        return eTag
    }

    /// The total from `Content-Range: bytes 0-9/1234`.
    static func totalSize(contentRange: String?) -> Int64? {
        guard let contentRange, let slash = contentRange.lastIndex(of: "/") else { return nil }
        return Int64(contentRange[contentRange.index(after: slash)...])
    }

    /// `2024-05-01T12:00:00.000Z`.
    static func parseISO8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var fraction = 0.0
        if bytes.count > 20, bytes[19] == UInt8(ascii: ".") {
            var scale = 0.1
            for byte in bytes[20...] where byte >= 48 && byte <= 57 {
                fraction += Double(byte - 48) * scale
                scale /= 10
            }
        }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, fraction: fraction)
    }

    /// `Wed, 21 Oct 2015 07:28:00 GMT` (RFC 7231 IMF-fixdate).
    static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count >= 5 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])), let year = Int(parts[3]) else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]) else { return nil }
        return date(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second, fraction: 0)
    }

    private static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, fraction: Double) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3_600 + minute * 60 + second) + fraction)
    }
}

/// A multipart upload in progress on S3. Parts may be uploaded concurrently; their ETags are
/// collected under a lock and sent in part order on completion.
final class S3MultipartUpload: MultipartUpload {
    let store: S3Store
    let key: ObjectKey
    let fullKey: String
    let uploadID: String
    let createOnly: Bool
    private let eTags = Mutex<[Int: String]>([:])

    init(store: S3Store, key: ObjectKey, fullKey: String, uploadID: String, createOnly: Bool) {
        self.store = store
        self.key = key
        self.fullKey = fullKey
        self.uploadID = uploadID
        self.createOnly = createOnly
    }

    private func request(_ method: String, _ operation: String) -> S3Request {
        var request = S3Request(method: method, bucket: store.bucket, key: fullKey, operation: operation,
                                displayKey: store.description + key)
        request.query = [("uploadId", uploadID)]
        return request
    }

    func uploadPart(number: Int, bytes: [UInt8]) async throws {
        var request = request("PUT", "multipart upload part \(number)")
        guard (1...10_000).contains(number) else {
            throw ObjectStoreError(.invalidArgument, operation: request.operation, key: request.displayKey,
                                   message: "part numbers run from 1 to 10000")
        }
        request.query.append(("partNumber", String(number)))
        request.body = bytes
        let outcome = try await store.client.send(request)
        guard outcome.response.status == 200 else { throw store.client.error(outcome, request) }
        guard let eTag = outcome.response.headers["etag"] else {
            throw ObjectStoreError(.other, operation: request.operation, key: request.displayKey,
                                   message: "the server returned no ETag for the part")
        }
        eTags.withLock { $0[number] = eTag }
    }

    func complete() async throws -> PutResult {
        var request = request("POST", "multipart complete")
        let parts = eTags.withLock { $0 }.sorted { $0.key < $1.key }
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (number, eTag) in parts {
            xml += "<Part><PartNumber>\(number)</PartNumber><ETag>\(XMLTree.escape(eTag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        request.body = Array(xml.utf8)
        request.headers = [("Content-Type", "application/xml")]
        if createOnly {
            request.headers.append(("If-None-Match", "*"))
            request.retryOnConflict = true
        }
        let outcome = try await store.client.send(request)
        if outcome.response.status == 200 {
            let eTag = (try? XMLTree.parse(outcome.response.body))?.value("ETag")
            return PutResult(eTag: S3Store.unquote(eTag))
        }
        let error = store.client.error(outcome, request)
        if createOnly && outcome.response.status == 412 {
            throw ObjectStoreError(.alreadyExists, operation: request.operation, key: request.displayKey,
                                   serverCode: "PreconditionFailed", message: "the key already exists (create-only put)")
        }
        // A retried completion whose first attempt went through finds the upload gone.
        if error.serverCode == "NoSuchUpload" && outcome.earlierAttemptAmbiguous,
           let meta = try? await store.head(key), meta.eTag?.hasSuffix("-\(parts.count)") == true {
            return PutResult(eTag: meta.eTag)
        }
        throw error
    }

    func abort() async throws {
        let request = request("DELETE", "multipart abort")
        // Runs detached so that an abort after cancellation (the usual reason to abort) is not
        // itself cancelled, which would leave the parts behind.
        let client = store.client
        let outcome = try await Task.detached { try await client.send(request) }.value
        let status = outcome.response.status
        if status == 204 || status == 200 { return }
        let error = store.client.error(outcome, request)
        if error.serverCode == "NoSuchUpload" { return }
        throw error
    }
}

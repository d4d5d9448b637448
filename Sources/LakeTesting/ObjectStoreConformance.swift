import Foundation
import LakeObjectStore

/// A failed expectation of the conformance suite, naming the check and what differed.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let check: String
    public let message: String
    public var description: String { "\(check): \(message)" }
}

/// The behaviour every ``ObjectStore`` must show, as one suite run against every backend
/// (in-memory, local folder, S3), in the spirit of arrow-rs object_store's `integration.rs`.
///
/// Each check works below `prefix` (which should be unique per run) and throws
/// ``ConformanceFailure`` on the first deviation.
public struct ObjectStoreConformance: Sendable {
    public let store: any ObjectStore
    public let prefix: String

    /// - Parameters:
    ///   - store: the store under test.
    ///   - prefix: a key prefix ending in `/` that no one else uses.
    public init(store: any ObjectStore, prefix: String) {
        self.store = store
        self.prefix = prefix
    }

    /// Runs every check.
    public func runAll() async throws {
        try await putGetHeadAndRanges()
        try await overwrite()
        try await createOnly()
        try await createOnlyRace()
        try await listOrderAndPagination()
        try await listWithDelimiter()
        try await deleteMany()
        try await multipart()
        try await errors()
    }

    private func expect(_ condition: Bool, _ check: String, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(check: check, message: message()) }
    }

    private func expectError<T>(_ code: ObjectStoreError.Code, _ check: String,
                                _ body: () async throws -> T) async throws {
        do {
            _ = try await body()
        } catch let error as ObjectStoreError {
            try expect(error.code == code, check, "expected \(code), got \(error.code): \(error)")
            return
        } catch {
            throw ConformanceFailure(check: check, message: "expected ObjectStoreError(\(code)), got \(error)")
        }
        throw ConformanceFailure(check: check, message: "expected \(code), but the call succeeded")
    }

    private static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    public func putGetHeadAndRanges() async throws {
        let check = "put/get/head"
        let key = prefix + "basic/object.bin"
        let data = Self.bytes(10_000, seed: 1)
        let result = try await store.put(key, bytes: data)
        try expect(result.eTag?.isEmpty == false, check, "put returned no ETag")
        let back = try await store.get(key)
        try expect(back == data, check, "get returned \(back.count) bytes that differ from the \(data.count) put")
        let meta = try await store.head(key)
        try expect(meta.size == 10_000, check, "head size \(meta.size), expected 10000")
        try expect(meta.key == key, check, "head key \(meta.key), expected \(key)")
        try expect(abs(meta.lastModified.timeIntervalSinceNow) < 3600, check, "lastModified \(meta.lastModified) is not recent")
        let range = try await store.getRange(key, offset: 100, length: 50)
        try expect(range == Array(data[100..<150]), check, "bounded range differs")
        let clipped = try await store.get(key, range: .bounded(offset: 9_990, length: 100))
        try expect(clipped.bytes == Array(data[9_990...]), check, "range past the end not clipped (\(clipped.bytes.count) bytes)")
        try expect(clipped.meta.size == 10_000, check, "ranged get reports size \(clipped.meta.size), expected the object's")
        let from = try await store.get(key, range: .from(offset: 9_000)).bytes
        try expect(from == Array(data[9_000...]), check, "from-offset range differs")
        let suffix = try await store.get(key, range: .suffix(length: 8)).bytes
        try expect(suffix == Array(data[9_992...]), check, "suffix range differs")
        let emptyKey = prefix + "basic/empty"
        try await store.put(emptyKey, bytes: [])
        let empty = try await store.get(emptyKey)
        try expect(empty.isEmpty, check, "empty object came back with \(empty.count) bytes")
        try expect(try await store.head(emptyKey).size == 0, check, "empty object head size is not 0")
        let unicodeKey = prefix + "basic/ünï cödé +=~ key.txt"
        try await store.put(unicodeKey, bytes: Array("hello".utf8))
        try expect(try await store.get(unicodeKey) == Array("hello".utf8), check, "unicode key round trip failed")
    }

    public func overwrite() async throws {
        let check = "overwrite"
        let key = prefix + "overwrite/o"
        try await store.put(key, bytes: [1, 2, 3])
        try await store.put(key, bytes: [4, 5])
        try expect(try await store.get(key) == [4, 5], check, "second put did not replace the first")
    }

    public func createOnly() async throws {
        let check = "create-only"
        let key = prefix + "create/c"
        try await store.putIfAbsent(key, bytes: [1])
        try await expectError(.alreadyExists, check) { try await store.putIfAbsent(key, bytes: [2]) }
        try expect(try await store.get(key) == [1], check, "a failed create-only put changed the object")
    }

    public func createOnlyRace(creators: Int = 16) async throws {
        let check = "create-only race"
        let key = prefix + "race/winner"
        let store = self.store
        let outcomes = await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
            for i in 0..<creators {
                group.addTask {
                    do {
                        try await store.putIfAbsent(key, bytes: Array("creator \(i)".utf8))
                        return (i, .success(()))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var all: [(Int, Result<Void, any Error>)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let winners = outcomes.filter { if case .success = $0.1 { true } else { false } }.map(\.0)
        try expect(winners.count == 1, check, "\(winners.count) of \(creators) creators won")
        for case (let i, .failure(let error)) in outcomes {
            let code = (error as? ObjectStoreError)?.code
            try expect(code == .alreadyExists, check, "creator \(i) failed with \(error), expected already exists")
        }
        if let winner = winners.first {
            try expect(try await store.get(key) == Array("creator \(winner)".utf8), check, "object is not the winner's")
        }
    }

    public func listOrderAndPagination(count: Int = 1_050) async throws {
        let check = "list order and pagination"
        let base = prefix + "list/"
        // Names whose byte order differs from naive path or Unicode order.
        let special = ["a.txt", "a/b", "a0", "A", "a-b", "é", "z/y/x", "a/b.c/d"]
        var keys = special.map { base + $0 }
        keys += (0..<count).map { base + String(format: "n/%05d", $0) }
        try await putAll(keys)
        let sorted = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }

        let firstPage = try await store.list(ListOptions(prefix: base))
        try expect(firstPage.objects.count == 1000, check, "first page has \(firstPage.objects.count) keys, expected 1000")
        try expect(firstPage.nextContinuationToken != nil, check, "no continuation token after a full page")
        let all = try await store.listAll(prefix: base)
        try expect(all.map(\.key) == sorted, check, "listing is not all keys in S3 byte order: first difference at \(firstDifference(all.map(\.key), sorted))")
        try expect(all.allSatisfy { $0.size == Int64($0.key.utf8.count) }, check, "listed sizes are wrong")

        let small = try await store.list(ListOptions(prefix: base, maxKeys: 3))
        try expect(small.objects.map(\.key) == Array(sorted.prefix(3)), check, "max-keys 3 page differs")
        let afterStart = try await store.listAll(prefix: base, startAfter: base + "a0")
        let startAfter = base + "a0"
        try expect(afterStart.map(\.key) == sorted.filter { startAfter.utf8.lexicographicallyPrecedes($0.utf8) },
                   check, "start-after listing differs")
        let sub = try await store.listAll(prefix: base + "a")
        try expect(sub.map(\.key) == sorted.filter { $0.hasPrefix(base + "a") }, check, "partial-name prefix listing differs")
        let none = try await store.listAll(prefix: prefix + "no-such-prefix/")
        try expect(none.isEmpty, check, "listing an absent prefix returned \(none.count) keys")
    }

    public func listWithDelimiter() async throws {
        let check = "list with delimiter"
        let base = prefix + "delim/"
        try await putAll(["x/1", "x/2", "y/1", "y/deeper/2", "z", "z0"].map { base + $0 })
        let (objects, prefixes) = try await store.listAll(prefix: base, delimiter: "/")
        try expect(objects.map(\.key) == [base + "z", base + "z0"], check, "objects \(objects.map(\.key))")
        try expect(prefixes == [base + "x/", base + "y/"], check, "common prefixes \(prefixes)")
        // One entry per page must still walk every object and prefix once.
        var options = ListOptions(prefix: base, delimiter: "/", maxKeys: 1)
        var seen: [String] = []
        while true {
            let page = try await store.list(options)
            seen += page.commonPrefixes + page.objects.map(\.key)
            guard let token = page.nextContinuationToken else { break }
            options.continuationToken = token
            try expect(seen.count <= 10, check, "pagination does not terminate")
        }
        try expect(seen == [base + "x/", base + "y/", base + "z", base + "z0"], check, "paged delimiter listing \(seen)")
    }

    public func deleteMany() async throws {
        let check = "delete"
        let base = prefix + "delete/"
        let keys = (0..<5).map { base + "k\($0)" }
        try await putAll(keys)
        try await store.delete(keys: Array(keys.prefix(3)) + [base + "never-existed"])
        let left = try await store.listAll(prefix: base)
        try expect(left.map(\.key) == Array(keys.suffix(2)), check, "after deleting 3 of 5: \(left.map(\.key))")
        try await store.delete(keys[4])
        try await store.delete(keys[4])  // deleting a missing key succeeds
        try await expectError(.notFound, check) { try await store.get(keys[4]) }
    }

    public func multipart(parts: Int = 3) async throws {
        let check = "multipart"
        let key = prefix + "multipart/big.bin"
        let partSize = max(store.minimumPartSize, 64 * 1024)
        let data = Self.bytes(partSize * parts - partSize / 2, seed: 7)
        let chunks = stride(from: 0, to: data.count, by: 100_003).map { Array(data[$0..<min(data.count, $0 + 100_003)]) }
        try await store.putMultipart(key, chunks: AsyncChunks(chunks), partSize: partSize, parallelism: 3)
        let back = try await store.get(key)
        try expect(back == data, check, "multipart object (\(back.count) bytes) differs from the \(data.count) uploaded")
        // An aborted upload leaves nothing visible.
        let abortedKey = prefix + "multipart/aborted.bin"
        let upload = try await store.startMultipartUpload(abortedKey, options: .overwrite)
        try await upload.uploadPart(number: 1, bytes: Array(data.prefix(partSize)))
        try await upload.abort()
        try expect(try await store.exists(abortedKey) == false, check, "aborted upload left an object")
        // A failing chunk stream aborts the upload.
        let failingKey = prefix + "multipart/failing.bin"
        do {
            try await store.putMultipart(failingKey, chunks: FailingChunks(first: Array(data.prefix(partSize))), partSize: partSize)
            throw ConformanceFailure(check: check, message: "a failing chunk stream did not fail the upload")
        } catch is FailingChunks.StreamBroke {}
        try expect(try await store.exists(failingKey) == false, check, "a failed upload left an object")
    }

    public func errors() async throws {
        let check = "errors"
        try await expectError(.notFound, check) { try await store.get(prefix + "missing/object") }
        try await expectError(.notFound, check) { try await store.head(prefix + "missing/object") }
        for bad in ["../escape", prefix + "../../escape", "/absolute", prefix + "a//b", prefix + "nul\u{0}byte", prefix + "./dot", prefix + "trailing/"] {
            try await expectError(.invalidArgument, check + " (key \(ObjectKeyValidation.printable(bad)))") {
                try await store.put(bad, bytes: [1])
            }
        }
    }

    private func putAll(_ keys: [String]) async throws {
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for key in keys {
                if inFlight >= 16 { try await group.next(); inFlight -= 1 }
                group.addTask { try await store.put(key, bytes: Array(key.utf8)) }
                inFlight += 1
            }
            try await group.waitForAll()
        }
    }

    private func firstDifference(_ a: [String], _ b: [String]) -> String {
        for (i, (x, y)) in zip(a, b).enumerated() where x != y { return "index \(i): \(x) vs \(y)" }
        return "lengths \(a.count) vs \(b.count)"
    }
}

/// An async sequence over prepared chunks.
struct AsyncChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let chunks: [[UInt8]]
    init(_ chunks: [[UInt8]]) { self.chunks = chunks }
    struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let chunks: [[UInt8]]
        mutating func next() async -> [UInt8]? {
            guard index < chunks.count else { return nil }
            defer { index += 1 }
            return chunks[index]
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: chunks) }
}

/// Yields one chunk, then fails: a source that breaks mid-upload.
struct FailingChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    struct StreamBroke: Error {}
    let first: [UInt8]
    struct AsyncIterator: AsyncIteratorProtocol {
        var sent = false
        let first: [UInt8]
        mutating func next() async throws -> [UInt8]? {
            if sent { throw StreamBroke() }
            sent = true
            return first
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(first: first) }
}

import Foundation
import LakeObjectStore
import LakeTesting
import Testing
@testable import LakeS3

/// S3Store against the real test server (SeaweedFS with signature checking).
@Suite struct S3StoreServerTests {
    @Test func conformance() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let suite = ObjectStoreConformance(store: try server.store(), prefix: "suite/")
        try await suite.putGetHeadAndRanges()
        try await suite.overwrite()
        try await suite.createOnly()
        try await suite.createOnlyRace()
        // SeaweedFS lists in directory order, not S3 byte order: `a/b` comes before `a-b`
        // (its raw ListObjectsV2 answer does this; AWS S3 does not). Recorded as a known issue
        // of the server when that is the only deviation; any other failure fails the test.
        try await withKnownIssue("SeaweedFS lists keys in directory order ('a/b' before 'a-b'), not S3 byte order",
                             isIntermittent: true) {
            try await suite.listOrderAndPagination()
        } matching: { issue in
            (issue.error as? ConformanceFailure)?.message.contains("not all keys in S3 byte order") == true
        }
        try await suite.listWithDelimiter()
        try await suite.deleteMany()
        try await suite.multipart()
        try await suite.errors()
    }

    /// Pagination past 1,000 keys, max-keys, start-after and prefixes on keys whose directory
    /// order equals their byte order (so SeaweedFS's ordering quirk does not hide the rest).
    @Test func listPagination() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let store = try server.store()
        let keys = (0..<1_050).map { String(format: "p/%05d", $0) } + ["p/z/1", "p/z/2", "q"]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: keys.count, by: 70) {
                group.addTask {
                    for key in keys[chunk..<min(chunk + 70, keys.count)] { try await store.put(key, bytes: Array(key.utf8)) }
                }
            }
            try await group.waitForAll()
        }
        let first = try await store.list(ListOptions(prefix: "p/"))
        #expect(first.objects.count == 1000)
        #expect(first.nextContinuationToken != nil)
        let all = try await store.listAll(prefix: "p/")
        #expect(all.map(\.key) == keys.filter { $0.hasPrefix("p/") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(all.allSatisfy { $0.size == Int64($0.key.utf8.count) && $0.eTag != nil })
        let three = try await store.list(ListOptions(prefix: "p/", maxKeys: 3))
        #expect(three.objects.map(\.key) == ["p/00000", "p/00001", "p/00002"])
        let after = try await store.listAll(prefix: "p/", startAfter: "p/01040")
        #expect(after.map(\.key) == (1041..<1050).map { String(format: "p/%05d", $0) } + ["p/z/1", "p/z/2"])
        let (objects, prefixes) = try await store.listAll(prefix: "", delimiter: "/")
        #expect(objects.map(\.key) == ["q"])
        #expect(prefixes == ["p/"])
    }

    @Test func conformanceAtBucketRoot() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let store = try S3Store(bucket: server.bucket, configuration: server.configuration())
        let conformance = ObjectStoreConformance(store: store, prefix: "root-\(UUID().uuidString.prefix(8).lowercased())/")
        try await conformance.putGetHeadAndRanges()
        try await conformance.createOnlyRace()
        try await conformance.listWithDelimiter()
    }

    @Test func wrongSecretIsInvalidCredentials() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let wrongSecret = "wrong-\(server.secretKey.reversed())"
        let store = try server.store(secret: wrongSecret)
        for operation in ["put", "get", "list"] {
            do {
                switch operation {
                case "put": try await store.put("a", bytes: [1])
                case "get": _ = try await store.get("a")
                default: _ = try await store.list(ListOptions())
                }
                Issue.record("\(operation) with a wrong secret succeeded")
            } catch let error as ObjectStoreError {
                #expect(error.code == .invalidCredentials, "\(operation): \(error)")
                #expect(error.serverCode == "SignatureDoesNotMatch")
                #expect(error.description.contains("check the access key and secret"))
                #expect(!error.description.contains(wrongSecret) && !error.description.contains(server.secretKey))
            }
        }
    }

    @Test func missingBucketIsNotFoundNamingIt() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let bucket = "no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())"
        let store = try server.store(bucket: bucket)
        for operation in ["get", "list", "put"] {
            do {
                switch operation {
                case "put": try await store.put("a", bytes: [1])
                case "get": _ = try await store.get("a")
                default: _ = try await store.list(ListOptions())
                }
                Issue.record("\(operation) on a missing bucket succeeded")
            } catch let error as ObjectStoreError {
                #expect(error.code == .notFound, "\(operation): \(error)")
                #expect(error.description.contains("bucket '\(bucket)' does not exist"), "\(operation): \(error)")
            }
        }
    }

    @Test func createOnlyPutAndConditionalHeader() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let store = try server.store()
        try await store.putIfAbsent("commit/00000.json", bytes: Array("first".utf8))
        do {
            try await store.putIfAbsent("commit/00000.json", bytes: Array("second".utf8))
            Issue.record("a second create-only put succeeded")
        } catch let error as ObjectStoreError {
            #expect(error.code == .alreadyExists)
            #expect(error.description.contains("commit/00000.json"))
        }
        #expect(try await store.get("commit/00000.json") == Array("first".utf8))
    }

    @Test func deleteManyAcrossBatches() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let store = try server.store()
        let keys = (0..<1_203).map { String(format: "k/%05d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: keys.count, by: 100) {
                group.addTask {
                    for key in keys[chunk..<min(chunk + 100, keys.count)] { try await store.put(key, bytes: [1]) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.listAll(prefix: "k/").count == keys.count)
        try await store.delete(keys: keys + ["k/missing"])
        #expect(try await store.listAll(prefix: "k/").isEmpty)
    }
}

/// Failure behaviour with servers that die or never answer: a clear transient error within the
/// deadline, never a hang.
@Suite struct S3StoreFailureTests {
    /// A listening socket that never accepts or answers: the kernel completes the TCP handshake,
    /// the request is sent, and no response ever comes.
    final class SilentListener {
        let fd: Int32
        let port: Int
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 16) == 0 else {
                close(fd)
                throw POSIXError(.EADDRINUSE)
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
        }
        deinit { close(fd) }
    }

    func store(endpoint: String, deadline: Double, lowSpeedTime: Double = 1) throws -> S3Store {
        var config = try S3Configuration.resolve(.init(accessKeyID: "AKIDTEST", secretAccessKey: "SECRET-never-shown",
                                                       endpoint: endpoint), environment: [:])
        config.retry.deadline = deadline
        config.lowSpeedTime = lowSpeedTime
        config.connectTimeout = 1
        return try S3Store(bucket: "b", configuration: config)
    }

    @Test func silentServerTimesOutWithinTheDeadline() async throws {
        let listener = try SilentListener()
        let store = try store(endpoint: "http://127.0.0.1:\(listener.port)", deadline: 3)
        let start = ContinuousClock.now
        do {
            _ = try await store.get("some/key")
            Issue.record("a get from a silent server succeeded")
        } catch let error as ObjectStoreError {
            #expect(error.code == .transient, "\(error)")
            #expect(error.description.contains("some/key"))
            #expect(!error.description.contains("SECRET-never-shown"))
        }
        #expect(ContinuousClock.now - start < .seconds(6))
    }

    /// Transfers block their threads; `parallelism` of them must be in flight at once, so eight
    /// requests to a silent server all time out together rather than one after another.
    @Test func blockingTransfersRunInParallel() async throws {
        let listener = try SilentListener()
        var config = try S3Configuration.resolve(.init(accessKeyID: "A", secretAccessKey: "S", endpoint: "http://127.0.0.1:\(listener.port)",
                                                       parallelism: 8), environment: [:])
        config.retry.deadline = 2
        config.lowSpeedTime = 30
        let store = try S3Store(bucket: "b", configuration: config)
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<8 { group.addTask { _ = try? await store.head("k\(i)") } }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func refusedConnectionsRetryUntilTheDeadline() async throws {
        // A port that was just free: connections are refused.
        let port = try SilentListener().port
        let store = try store(endpoint: "http://127.0.0.1:\(port)", deadline: 2)
        let start = ContinuousClock.now
        do {
            try await store.put("k", bytes: [1, 2, 3])
            Issue.record("a put to a closed port succeeded")
        } catch let error as ObjectStoreError {
            #expect(error.code == .transient, "\(error)")
            #expect(error.serverCode == "ConnectionFailed")
            #expect(error.message.contains("attempts"))
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(4))
    }

    /// Starts a throwaway SeaweedFS, writes, stops it mid-run, and expects a clear error.
    @Test func serverStoppedMidRun() async throws {
        let env = ProcessInfo.processInfo.environment
        let venvWeed = env["LAKECTL_VENV"].map { $0 + "/bin/weed" }
        let hasWeed = (venvWeed.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false)
            || (try? shell(["sh", "-c", "command -v weed"]).status) == 0
        guard hasWeed else {
            if env["CI"] == "true" { Issue.record("weed is not available in CI") }
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-s3-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = repositoryRoot.appendingPathComponent("scripts/s3-server.sh").path
        let started = try shell([script, "start", dir.path])
        defer { _ = try? shell([script, "stop", dir.path]) }
        try #require(started.status == 0, "s3-server.sh start failed: \(started.output)")
        let envText = try String(contentsOf: dir.appendingPathComponent("env"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in envText.split(separator: "\n") {
            let assignment = line.replacingOccurrences(of: "export ", with: "")
            if let equals = assignment.firstIndex(of: "=") {
                values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
            }
        }
        let secret = try #require(values["LAKECTL_TEST_S3_SECRET_KEY"])
        var config = try S3Configuration.resolve(.init(accessKeyID: values["LAKECTL_TEST_S3_ACCESS_KEY"], secretAccessKey: secret,
                                                       endpoint: values["LAKECTL_TEST_S3_ENDPOINT"]), environment: [:])
        // A freshly started SeaweedFS can take seconds to allocate its first volume: the setup
        // gets a generous deadline, the request after the stop the tight one under test.
        config.retry.deadline = 60
        config.lowSpeedTime = 2
        let setupStore = try S3Store(bucket: "lakectl-test", prefix: "stop", configuration: config)
        try await setupStore.put("before", bytes: Array(repeating: 7, count: 1000))
        #expect(try await setupStore.get("before").count == 1000)
        config.retry.deadline = 4
        let store = try S3Store(bucket: "lakectl-test", prefix: "stop", configuration: config)
        #expect(try await store.get("before").count == 1000)
        _ = try shell([script, "stop", dir.path])
        let start = ContinuousClock.now
        do {
            _ = try await store.get("before")
            Issue.record("a get after the server stopped succeeded")
        } catch let error as ObjectStoreError {
            #expect(error.code == .transient, "\(error)")
            #expect(error.description.contains("before"))
            #expect(!error.description.contains(secret))
        }
        #expect(ContinuousClock.now - start < .seconds(8))
    }
}

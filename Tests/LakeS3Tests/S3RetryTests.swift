import Foundation
import LakeObjectStore
import Testing
@testable import LakeS3

/// Retry policy against scripted failures.
@Suite struct S3RetryTests {
    static let secret = "SECRET-for-retry-tests"

    func store(_ server: ScriptedHTTPServer, deadline: Double = 60, maxRetries: Int = 10) throws -> S3Store {
        var config = try S3Configuration.resolve(.init(accessKeyID: "AKIDRETRY", secretAccessKey: Self.secret,
                                                       endpoint: "http://127.0.0.1:\(server.port)"), environment: [:])
        config.retry = S3RetryPolicy(maxRetries: maxRetries, initialBackoff: 0.01, maxBackoff: 0.1, deadline: deadline)
        config.lowSpeedTime = 2
        return try S3Store(bucket: "b", configuration: config)
    }

    @Test func retriesSlowDownAndInternalErrorThenSucceeds() async throws {
        let server = try ScriptedHTTPServer { _, attempt in
            switch attempt {
            case 1: .init(status: 503, body: ScriptedHTTPServer.errorBody("SlowDown", "Reduce your request rate."))
            case 2: .init(status: 500, body: ScriptedHTTPServer.errorBody("InternalError", "oops"))
            case 3: .init(status: 429)
            default: .init(status: 200, headers: [("ETag", "\"e\""), ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")], body: "hello")
            }
        }
        defer { server.stop() }
        let result = try await store(server).get("k", range: nil)
        #expect(result.bytes == Array("hello".utf8))
        #expect(result.meta.eTag == "e")
        #expect(server.requests.count == 4)
        // Every attempt is signed afresh and carries the payload hash.
        #expect(server.requests.allSatisfy { $0.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDRETRY/") == true })
        #expect(server.requests.allSatisfy { $0.headers["x-amz-content-sha256"] == SigV4Signer.emptyPayloadHash })
    }

    @Test func otherClientErrorsAreNotRetried() async throws {
        for (status, code, expected) in [(400, "InvalidArgument", ObjectStoreError.Code.invalidArgument),
                                         (403, "AccessDenied", .accessDenied),
                                         (403, "SignatureDoesNotMatch", .invalidCredentials),
                                         (404, "NoSuchKey", .notFound)] {
            let server = try ScriptedHTTPServer { _, _ in .init(status: status, body: ScriptedHTTPServer.errorBody(code, "no")) }
            defer { server.stop() }
            do {
                _ = try await store(server).get("dir/k")
                Issue.record("\(code) did not throw")
            } catch let error as ObjectStoreError {
                #expect(error.code == expected, "\(code): \(error)")
                #expect(error.serverCode == code)
                #expect(error.operation == "get" && error.key == "s3://b/dir/k")
            }
            #expect(server.requests.count == 1, "\(code) was retried")
        }
    }

    @Test func persistentThrottlingGivesUpAsThrottled() async throws {
        let server = try ScriptedHTTPServer { _, _ in
            .init(status: 503, body: ScriptedHTTPServer.errorBody("SlowDown", "Reduce your request rate."))
        }
        defer { server.stop() }
        do {
            try await store(server, maxRetries: 3).put("k", bytes: [1])
            Issue.record("put succeeded")
        } catch let error as ObjectStoreError {
            #expect(error.code == .throttled)
            #expect(error.message.contains("after 4 attempts"))
            #expect(!error.description.contains(Self.secret))
        }
        #expect(server.requests.count == 4)
    }

    /// A create-only put whose first attempt reached the server but lost its answer, then got
    /// 412 on the retry: the object is ours if its ETag is our MD5, someone else's otherwise.
    @Test func ambiguousCreateOnlyRetryIsResolvedByETag() async throws {
        let body = Array("commit 7".utf8)
        let md5 = Crypto.md5(body).hexString
        for (storedETag, shouldSucceed) in [(md5, true), ("0123456789abcdef0123456789abcdef", false)] {
            let server = try ScriptedHTTPServer { request, attempt in
                if request.method == "HEAD" {
                    return .init(status: 200, headers: [("ETag", "\"\(storedETag)\""), ("Content-Length", "8")])
                }
                // The first PUT is received but never answered (the connection drops).
                return attempt == 1 ? nil
                    : .init(status: 412, body: ScriptedHTTPServer.errorBody("PreconditionFailed", "At least one of the pre-conditions you specified did not hold"))
            }
            defer { server.stop() }
            do {
                let result = try await store(server).putIfAbsent("_delta_log/7.json", bytes: body)
                #expect(shouldSucceed, "a put over someone else's object reported success")
                #expect(result.eTag == md5)
            } catch let error as ObjectStoreError {
                #expect(!shouldSucceed, "\(error)")
                #expect(error.code == .alreadyExists)
                #expect(error.message.contains("earlier attempt"))
            }
            #expect(server.requests.filter { $0.method == "PUT" }.count == 2)
        }
    }

    @Test func plainCreateOnlyConflictIsAlreadyExistsWithoutRetry() async throws {
        let server = try ScriptedHTTPServer { _, _ in
            .init(status: 412, body: ScriptedHTTPServer.errorBody("PreconditionFailed", "no"))
        }
        defer { server.stop() }
        do {
            try await store(server).putIfAbsent("k", bytes: [1])
            Issue.record("put succeeded")
        } catch let error as ObjectStoreError {
            #expect(error.code == .alreadyExists)
        }
        #expect(server.requests.count == 1)
    }

    @Test func conditionalConflictIsRetriedForCreateOnly() async throws {
        let server = try ScriptedHTTPServer { _, attempt in
            attempt == 1 ? .init(status: 409, body: ScriptedHTTPServer.errorBody("ConditionalRequestConflict", "busy"))
                : .init(status: 200, headers: [("ETag", "\"x\"")])
        }
        defer { server.stop() }
        let result = try await store(server).putIfAbsent("k", bytes: [1])
        #expect(result.eTag == "x")
        #expect(server.requests.count == 2)
    }
}


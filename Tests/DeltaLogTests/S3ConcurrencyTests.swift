import Foundation
import LakeObjectStore
import LakeS3
import Testing
@testable import DeltaLog

/// The concurrency scenario against the test S3 server (SeaweedFS), whose create-only puts are
/// `If-None-Match: *`. Skips when LAKECTL_TEST_S3_ENDPOINT is unset (a failure in CI).
@Suite struct S3ConcurrencyTests {
    static func store() throws -> (any ObjectStore)? {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["LAKECTL_TEST_S3_ENDPOINT"], !endpoint.isEmpty,
              let accessKey = env["LAKECTL_TEST_S3_ACCESS_KEY"], let secretKey = env["LAKECTL_TEST_S3_SECRET_KEY"] else {
            if env["CI"] == "true" { Issue.record("LAKECTL_TEST_S3_ENDPOINT is not set in CI: scripts/test.sh must start SeaweedFS") }
            return nil
        }
        let configuration = try S3Configuration.resolve(
            .init(accessKeyID: accessKey, secretAccessKey: secretKey, region: env["LAKECTL_TEST_S3_REGION"] ?? "us-east-1",
                  endpoint: endpoint),
            environment: [:])
        return try S3Store(bucket: env["LAKECTL_TEST_S3_BUCKET"] ?? "lakectl-test",
                           prefix: "deltalog-\(UUID().uuidString.prefix(12).lowercased())/", configuration: configuration)
    }

    @Test func eightCommittersOnS3() async throws {
        guard let store = try Self.store() else { return }
        try await ConcurrencyTests().race(store: store, root: "race")
    }

    @Test func checkpointsAndTimeTravelOnS3() async throws {
        guard let store = try Self.store() else { return }
        let table = try await makeTable(store, configuration: ["delta.checkpointInterval": "3"])
        for i in 1...7 { try await append(table, [sampleAdd("f\(i).parquet", region: "r\(i % 2)")]) }
        let latest = try await table.snapshot()
        #expect(latest.version == 7)
        #expect(latest.checkpointVersion == 6)
        #expect(latest.files.count == 7)
        #expect(try await table.snapshot(version: 2).files.count == 2)
        #expect(try await table.history().count == 8)
    }
}

import Foundation
import LakeObjectStore
import Testing
@testable import LakeS3

/// The test S3 server from the environment (scripts/test.sh starts SeaweedFS and exports
/// LAKECTL_TEST_S3_*). `nil` when unset: tests then skip, except in CI where that is a failure.
struct TestS3Server {
    let endpoint: String
    let accessKey: String
    let secretKey: String
    let region: String
    let bucket: String

    static func fromEnvironment() -> TestS3Server? {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["LAKECTL_TEST_S3_ENDPOINT"], !endpoint.isEmpty,
              let accessKey = env["LAKECTL_TEST_S3_ACCESS_KEY"], let secretKey = env["LAKECTL_TEST_S3_SECRET_KEY"]
        else {
            if env["CI"] == "true" {
                Issue.record("LAKECTL_TEST_S3_ENDPOINT is not set in CI: scripts/test.sh must start SeaweedFS")
            }
            return nil
        }
        return TestS3Server(endpoint: endpoint, accessKey: accessKey, secretKey: secretKey,
                            region: env["LAKECTL_TEST_S3_REGION"] ?? "us-east-1",
                            bucket: env["LAKECTL_TEST_S3_BUCKET"] ?? "lakectl-test")
    }

    func configuration(secret: String? = nil, deadline: Double = 60) throws -> S3Configuration {
        var config = try S3Configuration.resolve(
            .init(accessKeyID: accessKey, secretAccessKey: secret ?? secretKey, region: region, endpoint: endpoint),
            environment: [:])
        config.retry.deadline = deadline
        return config
    }

    /// A store on a fresh prefix of the test bucket.
    func store(secret: String? = nil, bucket: String? = nil, deadline: Double = 60) throws -> S3Store {
        try S3Store(bucket: bucket ?? self.bucket, prefix: "swift-\(UUID().uuidString.prefix(12).lowercased())/",
                    configuration: configuration(secret: secret, deadline: deadline))
    }
}

/// Where the repository is (for scripts/s3-server.sh).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs a command (through posix_spawn + waitpid, with output in a temporary file), returning
/// its exit status and output. Foundation's Process is avoided here: with a server left running
/// in the background by the command, waiting on it did not return reliably.
@discardableResult
func shell(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-shell-\(UUID().uuidString).out").path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, output)
}

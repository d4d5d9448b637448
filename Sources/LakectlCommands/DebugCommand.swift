import ArgumentParser
import Foundation
import LakeS3

/// Hidden developer commands (not shown in help), used by the interop tests.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Developer tools for lakectl's own tests.",
        shouldDisplay: false,
        subcommands: [DebugSign.self, DebugGenOrders.self, DebugCSVReadBench.self, DebugDeleteRows.self, DebugDVRows.self]
    )
}

/// `lakectl debug sign`: reads one JSON request description per stdin line and prints the
/// SigV4 `Authorization` header lakectl would send, one per line (cross-checked against botocore).
///
/// Each line: `{"method", "path" (not encoded), "query": [[name, value]], "headers": [[name, value]],
/// "payload_hash", "access_key", "secret_key", "session_token"?, "region", "date" (Unix seconds)}`.
struct DebugSign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the SigV4 Authorization header of JSON request descriptions read from stdin.",
        shouldDisplay: false
    )

    struct RequestDescription: Decodable {
        var method: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
        var payload_hash: String
        var access_key: String
        var secret_key: String
        var session_token: String?
        var region: String
        var date: Double
    }

    func run() async throws {
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.isEmpty { continue }
            let description: RequestDescription
            do {
                description = try JSONDecoder().decode(RequestDescription.self, from: Data(line.utf8))
            } catch {
                throw ValidationError("stdin line \(lineNumber): not a request description: \(error)")
            }
            func pairs(_ list: [[String]], _ what: String) throws -> [(name: String, value: String)] {
                try list.map {
                    guard $0.count == 2 else { throw ValidationError("stdin line \(lineNumber): each \(what) entry must be [name, value]") }
                    return (name: $0[0], value: $0[1])
                }
            }
            let signer = SigV4Signer(
                credentials: AWSCredentials(accessKeyID: description.access_key, secretAccessKey: description.secret_key,
                                            sessionToken: description.session_token),
                region: description.region)
            let request = SigV4Request(method: description.method, path: description.path,
                                       query: try pairs(description.query, "query"),
                                       headers: try pairs(description.headers, "header"),
                                       payloadHash: description.payload_hash)
            let headers = signer.sign(request, date: Date(timeIntervalSince1970: description.date))
            print(headers.first { $0.name == "Authorization" }?.value ?? "")
        }
    }
}

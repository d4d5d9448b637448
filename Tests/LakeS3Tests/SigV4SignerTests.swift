import Foundation
import Testing
@testable import LakeS3

/// The AWS S3 API reference examples ("Signature Calculations for the Authorization Header:
/// Transferring Payload in a Single Chunk"): bucket `examplebucket`, 24 May 2013.
struct SigV4S3ExampleTests {
    let signer = SigV4Signer(
        credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    func authorization(_ request: SigV4Request) -> String? {
        signer.sign(request, date: date).first { $0.name == "Authorization" }?.value
    }

    @Test func getObjectWithRange() {
        let request = SigV4Request(method: "GET", path: "/test.txt",
                                   headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
                                   payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(signer.canonicalRequest(request, date: date) == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signer.stringToSign(request, date: date) == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(authorization(request) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func putObject() {
        let body = Array("Welcome to Amazon S3.".utf8)
        #expect(SigV4Signer.payloadHash(body) == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let request = SigV4Request(method: "PUT", path: "/test$file.text",
                                   headers: [("Host", "examplebucket.s3.amazonaws.com"),
                                             ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                             ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                   payloadHash: SigV4Signer.payloadHash(body))
        #expect(signer.canonicalRequest(request, date: date).hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(authorization(request) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycle() {
        let request = SigV4Request(method: "GET", path: "/", query: [("lifecycle", "")],
                                   headers: [("Host", "examplebucket.s3.amazonaws.com")],
                                   payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(authorization(request) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjects() {
        let request = SigV4Request(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")],
                                   headers: [("Host", "examplebucket.s3.amazonaws.com")],
                                   payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(authorization(request) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func sessionTokenIsSignedAndSecretsAreRedacted() {
        var withToken = signer
        withToken.credentials.sessionToken = "TOKEN-VALUE"
        let request = SigV4Request(method: "GET", path: "/a b/ü+=~", headers: [("Host", "h")],
                                   payloadHash: SigV4Signer.unsignedPayload)
        let headers = withToken.sign(request, date: date)
        #expect(headers.contains { $0.name == "x-amz-security-token" && $0.value == "TOKEN-VALUE" })
        let authorizationValue = headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorizationValue.contains("x-amz-security-token"))
        #expect(withToken.canonicalRequest(request, date: date).hasPrefix("GET\n/a%20b/%C3%BC%2B%3D~\n"))
        let described = "\(withToken.credentials) \(String(reflecting: withToken.credentials)) \(withToken)"
        #expect(!described.contains("wJalrXUtnFEMI"))
        #expect(!described.contains("TOKEN-VALUE"))
    }
}

/// The generic AWS SigV4 test suite in `../shared/testdata/sigv4` (service `service`, no
/// `x-amz-content-sha256`).
struct SigV4TestSuiteTests {
    /// Cases S3 signing cannot reproduce, with the reason.
    static let skipped: [String: String] = [
        "get-relative": "needs path normalisation (`/example/..`), which S3 does not do",
        "get-relative-relative": "needs path normalisation (`/example1/example2/../..`), which S3 does not do",
        "get-slash": "needs path normalisation (`//` collapsed), which S3 does not do",
        "get-slash-dot-slash": "needs path normalisation (`/./`), which S3 does not do",
        "get-slash-pointless-dot": "needs path normalisation (`/./example`), which S3 does not do",
        "get-slashes": "needs path normalisation (`//example//`), which S3 does not do",
    ]

    /// Cases whose .sts/.authz do not follow from their own .creq (see below).
    static let canonicalRequestOnly: Set<String> = ["post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters"]

    static var suiteRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/testdata/sigv4/aws-sig-v4-test-suite")
    }

    /// Every folder holding a `.req` file.
    static var cases: [URL] {
        guard let walker = FileManager.default.enumerator(at: suiteRoot, includingPropertiesForKeys: nil) else { return [] }
        var found: [URL] = []
        for case let url as URL in walker where url.pathExtension == "req" {
            found.append(url.deletingPathExtension())
        }
        return found.sorted { $0.path < $1.path }
    }

    @Test func suiteIsPresent() throws {
        guard FileManager.default.fileExists(atPath: Self.suiteRoot.path) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("../shared/testdata/sigv4 is missing in CI")
            }
            return
        }
        #expect(Self.cases.count >= 25)
    }

    @Test(arguments: cases)
    func signsLikeTheSuite(_ base: URL) throws {
        let name = base.lastPathComponent
        if Self.skipped[name] != nil { return }
        func read(_ ext: String) throws -> String {
            try String(contentsOf: base.appendingPathExtension(ext), encoding: .utf8)
        }
        let request = try Self.parse(read("req"))
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "service", addsContentSHA256Header: false, signsSessionToken: false)
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
        #expect(signer.canonicalRequest(request, date: date) == (try read("creq")), "\(name)")
        // The suite's two form-urlencoded cases are inconsistent: their .sts hash is not the
        // hash of their .creq (it was computed without `content-length` and, for -parameters,
        // with `charset=utf8`), so only their canonical request is checked.
        if Self.canonicalRequestOnly.contains(name) { return }
        let signed = request
        #expect(signer.stringToSign(signed, date: date) == (try read("sts")), "\(name)")
        let authorization = signer.sign(signed, date: date).first { $0.name == "Authorization" }?.value
        #expect(authorization == (try read("authz")), "\(name)")
    }

    /// Parses a suite `.req`: request line, headers (indented lines continue the previous
    /// header as another value), blank line, body. `X-Amz-Date` is dropped: the signer adds it.
    static func parse(_ text: String) throws -> SigV4Request {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = String(requestLine.dropFirst(method.count + 1))
        if target.hasSuffix(" HTTP/1.1") { target.removeLast(" HTTP/1.1".count) }
        let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
        let path = String(target[..<pathEnd])
        var query: [(name: String, value: String)] = []
        if pathEnd < target.endIndex {
            for item in target[target.index(after: pathEnd)...].split(separator: "&", omittingEmptySubsequences: true) {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
            }
        }
        var headers: [(name: String, value: String)] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody { bodyLines.append(line); continue }
            if line.isEmpty { inBody = true; continue }
            if line.first == " " || line.first == "\t", let last = headers.last {
                headers.append((last.name, line.trimmingCharacters(in: .whitespaces)))
                continue
            }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            headers.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
        }
        headers.removeAll { $0.name.lowercased() == "x-amz-date" }
        let body = Array(bodyLines.joined(separator: "\n").utf8)
        return SigV4Request(method: method, path: path, query: query, headers: headers,
                            payloadHash: SigV4Signer.payloadHash(body))
    }
}

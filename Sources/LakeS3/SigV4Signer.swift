import Foundation

/// A request to sign: what SigV4 covers of an HTTP request.
public struct SigV4Request: Sendable {
    /// `GET`, `PUT`, ...
    public var method: String
    /// The path, NOT percent-encoded (`/bucket/my key.txt`); the signer encodes it once, as S3
    /// expects, and never normalises it (`//` and `.` segments are part of S3 keys).
    public var path: String
    /// Query parameters, NOT percent-encoded, in any order; a parameter without a value has `""`.
    public var query: [(name: String, value: String)]
    /// Headers to sign (name case does not matter). `host` must be among them.
    public var headers: [(name: String, value: String)]
    /// Lower-case hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public var payloadHash: String

    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)], payloadHash: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

/// AWS Signature Version 4 for the `Authorization` header, with S3's rules: the path is encoded
/// once and not normalised, and `x-amz-content-sha256` carries the payload hash.
///
/// Pure and `Sendable`: the date is a parameter, so tests can sign at a fixed instant.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Add and sign `x-amz-content-sha256` (S3 requires it; the generic AWS test suite has none).
    public var addsContentSHA256Header: Bool
    /// Sign `x-amz-security-token` (S3 does) rather than adding it after signing.
    public var signsSessionToken: Bool

    /// The hash S3 accepts instead of a payload hash when the body is not hashed.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty string.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public init(credentials: AWSCredentials, region: String, service: String = "s3",
                addsContentSHA256Header: Bool = true, signsSessionToken: Bool = true) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.addsContentSHA256Header = addsContentSHA256Header
        self.signsSessionToken = signsSessionToken
    }

    /// Lower-case hex SHA-256 of a body, for ``SigV4Request/payloadHash``.
    public static func payloadHash(_ body: [UInt8]) -> String {
        Crypto.sha256(body).hexString
    }

    /// The headers to add to the request: `x-amz-date`, `x-amz-content-sha256` (S3),
    /// `x-amz-security-token` (with a session token) and `Authorization`.
    public func sign(_ request: SigV4Request, date: Date = Date()) -> [(name: String, value: String)] {
        let stamp = Self.timestamp(date)
        let (signed, added) = headersToSign(request, amzDate: stamp.amzDate)
        let canonical = canonicalRequest(request, signedHeaders: signed)
        let toSign = stringToSign(canonicalRequest: canonical, amzDate: stamp.amzDate, day: stamp.day)
        let signature = signature(stringToSign: toSign, day: stamp.day)
        let names = signed.map(\.name).joined(separator: ";")
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(day: stamp.day)), "
            + "SignedHeaders=\(names), Signature=\(signature)"
        var result = added
        if let token = credentials.sessionToken, !signsSessionToken {
            result.append((name: "x-amz-security-token", value: token))
        }
        result.append((name: "Authorization", value: authorization))
        return result
    }

    /// The canonical request of `request` at `date` (for tests and debugging).
    public func canonicalRequest(_ request: SigV4Request, date: Date) -> String {
        let (signed, _) = headersToSign(request, amzDate: Self.timestamp(date).amzDate)
        return canonicalRequest(request, signedHeaders: signed)
    }

    /// The string to sign of `request` at `date` (for tests and debugging).
    public func stringToSign(_ request: SigV4Request, date: Date) -> String {
        let stamp = Self.timestamp(date)
        return stringToSign(canonicalRequest: canonicalRequest(request, date: date), amzDate: stamp.amzDate, day: stamp.day)
    }

    // MARK: - Steps

    /// Canonical headers: lower-case names sorted, values trimmed with inner runs of spaces
    /// collapsed, repeated names joined with commas. Also returns the headers the signer adds.
    private func headersToSign(_ request: SigV4Request, amzDate: String)
        -> (signed: [(name: String, value: String)], added: [(name: String, value: String)])
    {
        var added: [(name: String, value: String)] = [(name: "x-amz-date", value: amzDate)]
        if addsContentSHA256Header {
            added.append((name: "x-amz-content-sha256", value: request.payloadHash))
        }
        if let token = credentials.sessionToken, signsSessionToken {
            added.append((name: "x-amz-security-token", value: token))
        }
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in request.headers + added {
            let name = header.name.lowercased()
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(Self.canonicalHeaderValue(header.value))
        }
        let signed = order.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { (name: $0, value: (values[$0] ?? []).joined(separator: ",")) }
        return (signed, added)
    }

    private func canonicalRequest(_ request: SigV4Request, signedHeaders: [(name: String, value: String)]) -> String {
        let query = request.query
            .map { (name: Self.uriEncode($0.name, encodeSlash: true), value: Self.uriEncode($0.value, encodeSlash: true)) }
            .sorted { a, b in
                a.name == b.name ? a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
                    : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
            }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
        var lines: [String] = [request.method, Self.uriEncode(request.path, encodeSlash: false), query]
        for header in signedHeaders { lines.append("\(header.name):\(header.value)") }
        lines.append("")
        lines.append(signedHeaders.map(\.name).joined(separator: ";"))
        lines.append(request.payloadHash)
        return lines.joined(separator: "\n")
    }

    private func scope(day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

    private func stringToSign(canonicalRequest: String, amzDate: String, day: String) -> String {
        "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope(day: day))\n\(Crypto.sha256(Array(canonicalRequest.utf8)).hexString)"
    }

    private func signature(stringToSign: String, day: String) -> String {
        var key = Crypto.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), Array(day.utf8))
        key = Crypto.hmacSHA256(key: key, Array(region.utf8))
        key = Crypto.hmacSHA256(key: key, Array(service.utf8))
        key = Crypto.hmacSHA256(key: key, Array("aws4_request".utf8))
        return Crypto.hmacSHA256(key: key, Array(stringToSign.utf8)).hexString
    }

    // MARK: - Encoding and dates

    /// AWS URI encoding: every byte except `A-Z a-z 0-9 - . _ ~` (and `/` unless `encodeSlash`)
    /// becomes `%XY` with upper-case hex, over the UTF-8 bytes.
    public static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where !encodeSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func canonicalHeaderValue(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for character in value.trimmingCharacters(in: .whitespaces) {
            if character == " " || character == "\t" {
                pendingSpace = true
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(character)
            }
        }
        return out
    }

    /// `20130524T000000Z` and `20130524` for `date`, in UTC.
    static func timestamp(_ date: Date) -> (amzDate: String, day: String) {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        return ("\(day)T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z", day)
    }
}

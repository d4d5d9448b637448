import Foundation
import LakeObjectStore

/// How requests address a bucket.
public enum S3Addressing: Sendable, Hashable {
    /// `https://endpoint/bucket/key` (the default for custom endpoints such as MinIO or SeaweedFS).
    case pathStyle
    /// `https://bucket.endpoint/key` (the default for AWS).
    case virtualHosted
}

/// When and how often a request is retried.
///
/// Retries use exponential backoff with full jitter: before retry `n` the client sleeps a random
/// time in `0 ..< min(maxBackoff, initialBackoff * 2^n)`, and it gives up when `maxRetries` is
/// reached or when the next attempt would start after the overall `deadline`.
public struct S3RetryPolicy: Sendable, Hashable {
    public var maxRetries: Int
    public var initialBackoff: Double
    public var maxBackoff: Double
    /// Seconds from a request's first attempt after which no attempt is started and any running
    /// attempt is cut off.
    public var deadline: Double

    public init(maxRetries: Int = 10, initialBackoff: Double = 0.1, maxBackoff: Double = 15, deadline: Double = 300) {
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.deadline = deadline
    }
}

/// Everything an ``S3Store`` needs to talk to a server, resolved the way AWS tools resolve it.
public struct S3Configuration: Sendable, CustomStringConvertible {
    public var credentials: AWSCredentials
    public var region: String
    /// `scheme://host[:port]`; `nil` means AWS (`https://s3.<region>.amazonaws.com`).
    public var endpoint: URL?
    public var addressing: S3Addressing
    /// A PEM file of certificate authorities to trust instead of the system's (TLS verification
    /// itself is always on).
    public var caBundle: String?
    /// How many requests run at once.
    public var parallelism: Int
    /// Seconds to wait for a TCP/TLS connection.
    public var connectTimeout: Double
    /// A transfer that moves less than 1 byte per second for this many seconds is abandoned (and retried).
    public var lowSpeedTime: Double
    public var retry: S3RetryPolicy
    /// Bodies up to this size are hashed into the signature; larger ones are sent as `UNSIGNED-PAYLOAD`.
    public var payloadSigningLimit: Int
    /// Headers every request carries (`x-amz-expected-bucket-owner`) and those that object writes
    /// carry (server-side encryption); see ``S3ServerSideOptions``.
    public var serverSide = S3ServerSideOptions()

    public init(credentials: AWSCredentials, region: String = "us-east-1", endpoint: URL? = nil,
                addressing: S3Addressing? = nil, caBundle: String? = nil, parallelism: Int = 16,
                connectTimeout: Double = 10, lowSpeedTime: Double = 30, retry: S3RetryPolicy = .init(),
                payloadSigningLimit: Int = 16 << 20) {
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.addressing = addressing ?? (endpoint == nil ? .virtualHosted : .pathStyle)
        self.caBundle = caBundle
        self.parallelism = max(1, parallelism)
        self.connectTimeout = connectTimeout
        self.lowSpeedTime = lowSpeedTime
        self.retry = retry
        self.payloadSigningLimit = payloadSigningLimit
    }

    public var description: String {
        "S3Configuration(endpoint: \(endpoint?.absoluteString ?? "AWS"), region: \(region), \(credentials))"
    }

    /// Values given on the command line; each one wins over the environment and the AWS files.
    public struct Overrides: Sendable, Hashable {
        public var accessKeyID: String?
        public var secretAccessKey: String?
        public var sessionToken: String?
        public var region: String?
        public var endpoint: String?
        public var profile: String?
        /// `true` path-style, `false` virtual-hosted, `nil` the default for the endpoint.
        public var pathStyle: Bool?
        public var caBundle: String?
        public var parallelism: Int?
        /// The overall deadline of one request, retries included, in seconds.
        public var timeout: Double?
        /// Server-side encryption and bucket-owner check (each field overrides the environment's).
        public var serverSide = S3ServerSideOptions()

        public init(accessKeyID: String? = nil, secretAccessKey: String? = nil, sessionToken: String? = nil,
                    region: String? = nil, endpoint: String? = nil, profile: String? = nil, pathStyle: Bool? = nil,
                    caBundle: String? = nil, parallelism: Int? = nil, timeout: Double? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
            self.region = region
            self.endpoint = endpoint
            self.profile = profile
            self.pathStyle = pathStyle
            self.caBundle = caBundle
            self.parallelism = parallelism
            self.timeout = timeout
        }
    }

    /// Resolves the configuration like the AWS CLI and SDKs:
    /// - credentials: explicit overrides; then `--profile` if given; else `AWS_ACCESS_KEY_ID` /
    ///   `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`; else the profile (`AWS_PROFILE` or `default`)
    ///   in `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`) and then `~/.aws/config` (`AWS_CONFIG_FILE`);
    /// - region: override, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, `us-east-1`;
    /// - endpoint: override, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, AWS.
    /// - Throws: `.invalidCredentials` when no credentials are found, `.invalidArgument` for a
    ///   missing profile, an unreadable file or a bad endpoint.
    public static func resolve(_ overrides: Overrides = .init(),
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Configuration {
        func env(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        let home = env("HOME") ?? NSHomeDirectory()
        let profileName = overrides.profile ?? env("AWS_PROFILE") ?? "default"
        let credentialsPath = env("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials"
        let configPath = env("AWS_CONFIG_FILE") ?? home + "/.aws/config"
        let credentialsFile = try INIFile.load(credentialsPath)
        let configFile = try INIFile.load(configPath)
        // ~/.aws/credentials names sections `name`; ~/.aws/config names them `profile name` (but `default`).
        let fromCredentials = credentialsFile?.sections[profileName]
        let fromConfig = configFile?.sections[profileName == "default" ? "default" : "profile \(profileName)"]
            ?? configFile?.sections[profileName]
        let profileValues = (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { _, credentialValue in credentialValue }
        let explicitProfile = overrides.profile != nil || env("AWS_PROFILE") != nil
        if explicitProfile && fromCredentials == nil && fromConfig == nil {
            throw configurationError("AWS profile '\(profileName)' not found in \(credentialsPath) or \(configPath)")
        }

        var credentials: AWSCredentials?
        if let key = overrides.accessKeyID, let secret = overrides.secretAccessKey {
            credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: overrides.sessionToken)
        } else if overrides.profile == nil, let key = env("AWS_ACCESS_KEY_ID"), let secret = env("AWS_SECRET_ACCESS_KEY") {
            credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN"))
        } else if let key = profileValues["aws_access_key_id"], let secret = profileValues["aws_secret_access_key"] {
            credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: profileValues["aws_session_token"])
        }
        guard let credentials else {
            throw ObjectStoreError(.invalidCredentials, operation: "configure", key: "s3", message:
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with "
                + "~/.aws/credentials (profile '\(profileName)' has no aws_access_key_id/aws_secret_access_key)")
        }
        let region = overrides.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? profileValues["region"] ?? "us-east-1"
        var endpoint: URL?
        if let text = overrides.endpoint ?? env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL") ?? profileValues["endpoint_url"] {
            endpoint = try parseEndpoint(text)
        }
        let addressing: S3Addressing? = overrides.pathStyle.map { $0 ? .pathStyle : .virtualHosted }
        var retry = S3RetryPolicy()
        if let timeout = overrides.timeout {
            guard timeout > 0 else { throw configurationError("the timeout must be positive (got \(timeout))") }
            retry.deadline = timeout
        }
        if let bundle = overrides.caBundle ?? env("AWS_CA_BUNDLE") ?? profileValues["ca_bundle"] {
            guard FileManager.default.isReadableFile(atPath: bundle) else {
                throw configurationError("CA bundle \(bundle) is not a readable file")
            }
        }
        if let parallelism = overrides.parallelism, parallelism < 1 {
            throw configurationError("parallelism must be at least 1 (got \(parallelism))")
        }
        var resolved = S3Configuration(credentials: credentials, region: region, endpoint: endpoint, addressing: addressing,
                                       caBundle: overrides.caBundle ?? env("AWS_CA_BUNDLE") ?? profileValues["ca_bundle"],
                                       parallelism: overrides.parallelism ?? 16, retry: retry)
        resolved.serverSide = S3ServerSideOptions(
            encryption: overrides.serverSide.encryption ?? env("LAKECTL_S3_SSE"),
            kmsKeyID: overrides.serverSide.kmsKeyID ?? env("LAKECTL_S3_SSE_KMS_KEY_ID"),
            expectedBucketOwner: overrides.serverSide.expectedBucketOwner ?? env("LAKECTL_S3_EXPECTED_BUCKET_OWNER"))
        if let kind = resolved.serverSide.encryption, !["AES256", "aws:kms", "aws:kms:dsse"].contains(kind) {
            throw configurationError("server-side encryption must be AES256, aws:kms or aws:kms:dsse (got \(kind))")
        }
        if resolved.serverSide.kmsKeyID != nil && resolved.serverSide.encryption == nil {
            resolved.serverSide.encryption = "aws:kms"
        }
        return resolved
    }

    /// Accepts `http(s)://host[:port]` (a trailing `/` is fine).
    static func parseEndpoint(_ text: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil
        else {
            throw configurationError("endpoint '\(text)' is not of the form http(s)://host[:port]")
        }
        return url
    }

    static func configurationError(_ message: String) -> ObjectStoreError {
        ObjectStoreError(.invalidArgument, operation: "configure", key: "s3", message: message)
    }
}

/// A minimal reader of the AWS shared config files (INI: `[section]`, `key = value`, `#`/`;`
/// comments; indented lines belong to a nested block such as `s3 =` and are ignored).
struct INIFile {
    var sections: [String: [String: String]] = [:]

    static func load(_ path: String) throws -> INIFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw S3Configuration.configurationError("cannot read \(path)")
        }
        return parse(String(decoding: data, as: UTF8.self))
    }

    static func parse(_ text: String) -> INIFile {
        var file = INIFile()
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if rawLine.first == " " || rawLine.first == "\t" { continue }  // nested block
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                if let current, file.sections[current] == nil { file.sections[current] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " #") ?? value.range(of: " ;") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            if !value.isEmpty { file.sections[current, default: [:]][key] = value }
        }
        return file
    }
}

/// Per-lake S3 settings that become request headers (all signed with SigV4):
/// `x-amz-expected-bucket-owner` on every request to a bucket (S3 answers 403 when another account
/// owns it), and `x-amz-server-side-encryption` (+ `x-amz-server-side-encryption-aws-kms-key-id`)
/// on object writes (PutObject, CreateMultipartUpload). Environment: `LAKECTL_S3_SSE`,
/// `LAKECTL_S3_SSE_KMS_KEY_ID`, `LAKECTL_S3_EXPECTED_BUCKET_OWNER`.
public struct S3ServerSideOptions: Sendable, Hashable {
    /// `AES256` (SSE-S3), `aws:kms` or `aws:kms:dsse`.
    public var encryption: String?
    public var kmsKeyID: String?
    /// The 12-digit account id that must own the bucket.
    public var expectedBucketOwner: String?

    public init(encryption: String? = nil, kmsKeyID: String? = nil, expectedBucketOwner: String? = nil) {
        self.encryption = encryption
        self.kmsKeyID = kmsKeyID
        self.expectedBucketOwner = expectedBucketOwner
    }

    /// The headers `request` gets.
    func headers(method: String, bucket: String?, key: String?, query: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        if bucket != nil, let owner = expectedBucketOwner { out.append(("x-amz-expected-bucket-owner", owner)) }
        let writesObject = key != nil && ((method == "PUT" && !query.contains { $0.name == "partNumber" })
            || (method == "POST" && query.contains { $0.name == "uploads" }))
        if writesObject, let encryption {
            out.append(("x-amz-server-side-encryption", encryption))
            if let kmsKeyID { out.append(("x-amz-server-side-encryption-aws-kms-key-id", kmsKeyID)) }
        }
        return out
    }
}

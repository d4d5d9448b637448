import ArgumentParser
import LakeObjectStore
import LakeS3

/// Options shared by every command that opens a store URL (`@OptionGroup var store: StoreOptions`).
/// Each one overrides the matching AWS environment variable or profile setting.
public struct StoreOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("endpoint-url"), help: "S3 endpoint, e.g. http://127.0.0.1:9000 (default: AWS, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).")
    public var endpointURL: String?

    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1).")
    public var region: String?

    @Option(help: "Profile in ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE or 'default').")
    public var profile: String?

    @Flag(exclusivity: .exclusive, help: "Bucket addressing (default: path-style for custom endpoints, virtual-hosted for AWS).")
    public var addressing: Addressing?

    @Option(name: .customLong("ca-bundle"), help: "PEM file of certificate authorities to trust (TLS verification stays on).")
    public var caBundle: String?

    @Option(help: "Requests in flight at once (default 16).")
    public var parallelism: Int?

    @Option(help: "Overall deadline of one request, retries included, in seconds (default 300).")
    public var timeout: Double?

    @Option(name: .customLong("sse"), help: "Server-side encryption of written objects: AES256 (SSE-S3), aws:kms or aws:kms:dsse (default: LAKECTL_S3_SSE).")
    public var serverSideEncryption: String?

    @Option(name: .customLong("sse-kms-key-id"), help: "KMS key id or ARN for aws:kms encryption (default: LAKECTL_S3_SSE_KMS_KEY_ID).")
    public var sseKMSKeyID: String?

    @Option(name: .customLong("expected-bucket-owner"), help: "Account id that must own the bucket; requests fail otherwise (default: LAKECTL_S3_EXPECTED_BUCKET_OWNER).")
    public var expectedBucketOwner: String?

    public enum Addressing: String, EnumerableFlag, Sendable {
        case pathStyle, virtualHosted
    }

    public init() {}

    public func validate() throws {
        if let parallelism, parallelism < 1 { throw ValidationError("--parallelism must be at least 1") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// The overrides these options make to the AWS configuration.
    public var overrides: S3Configuration.Overrides {
        var overrides = S3Configuration.Overrides(region: region, endpoint: endpointURL, profile: profile,
                                                  pathStyle: addressing.map { $0 == .pathStyle }, caBundle: caBundle,
                                                  parallelism: parallelism, timeout: timeout)
        overrides.serverSide = S3ServerSideOptions(encryption: serverSideEncryption, kmsKeyID: sseKMSKeyID,
                                                   expectedBucketOwner: expectedBucketOwner)
        return overrides
    }

    /// A store rooted at `url` (see ``StoreFactory/open(_:s3:)``).
    public func open(_ url: String) throws -> any ObjectStore {
        try StoreFactory.open(url, s3: overrides)
    }

    /// A store and key for a single object (see ``StoreFactory/locate(_:s3:)``).
    public func locate(_ url: String) throws -> (store: any ObjectStore, key: String) {
        try StoreFactory.locate(url, s3: overrides)
    }
}

import Foundation
import LakeObjectStore
import Testing
@testable import LakeS3

struct S3ConfigurationTests {
    /// A fresh folder with ~/.aws-style files.
    func awsFiles(credentials: String, config: String) throws -> (dir: URL, env: [String: String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try credentials.write(to: dir.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        try config.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        return (dir, ["AWS_SHARED_CREDENTIALS_FILE": dir.path + "/credentials", "AWS_CONFIG_FILE": dir.path + "/config",
                      "HOME": dir.path])
    }

    let credentialsFile = """
        [default]
        aws_access_key_id = DEFAULTKEY
        aws_secret_access_key = defaultsecret

        # a comment
        [dev]
        aws_access_key_id=DEVKEY
        aws_secret_access_key=devsecret
        aws_session_token=devtoken
        """
    let configFile = """
        [default]
        region = eu-west-1
        [profile dev]
        region = ap-south-1
        endpoint_url = http://127.0.0.1:9000
        s3 =
          addressing_style = path
        [profile only-config]
        aws_access_key_id = CFGKEY
        aws_secret_access_key = cfgsecret
        """

    @Test func environmentVariablesWinOverTheDefaultProfile() throws {
        var (dir, env) = try awsFiles(credentials: credentialsFile, config: configFile)
        defer { try? FileManager.default.removeItem(at: dir) }
        env["AWS_ACCESS_KEY_ID"] = "ENVKEY"
        env["AWS_SECRET_ACCESS_KEY"] = "envsecret"
        env["AWS_SESSION_TOKEN"] = "envtoken"
        env["AWS_DEFAULT_REGION"] = "us-west-2"
        env["AWS_ENDPOINT_URL"] = "http://generic:1"
        env["AWS_ENDPOINT_URL_S3"] = "http://s3only:2"
        let config = try S3Configuration.resolve(environment: env)
        #expect(config.credentials == AWSCredentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret", sessionToken: "envtoken"))
        #expect(config.region == "us-west-2")
        #expect(config.endpoint?.absoluteString == "http://s3only:2")
        #expect(config.addressing == .pathStyle)
        env["AWS_REGION"] = "ca-central-1"
        #expect(try S3Configuration.resolve(environment: env).region == "ca-central-1")
    }

    @Test func profilesFromBothFiles() throws {
        var (dir, env) = try awsFiles(credentials: credentialsFile, config: configFile)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = try S3Configuration.resolve(environment: env)
        #expect(plain.credentials.accessKeyID == "DEFAULTKEY")
        #expect(plain.region == "eu-west-1")
        #expect(plain.endpoint == nil && plain.addressing == .virtualHosted)
        env["AWS_PROFILE"] = "dev"
        let dev = try S3Configuration.resolve(environment: env)
        #expect(dev.credentials == AWSCredentials(accessKeyID: "DEVKEY", secretAccessKey: "devsecret", sessionToken: "devtoken"))
        #expect(dev.region == "ap-south-1")
        #expect(dev.endpoint?.absoluteString == "http://127.0.0.1:9000")
        let configOnly = try S3Configuration.resolve(.init(profile: "only-config"), environment: env)
        #expect(configOnly.credentials.accessKeyID == "CFGKEY")
        // --profile wins over environment credentials.
        env["AWS_ACCESS_KEY_ID"] = "ENVKEY"
        env["AWS_SECRET_ACCESS_KEY"] = "envsecret"
        #expect(try S3Configuration.resolve(.init(profile: "dev"), environment: env).credentials.accessKeyID == "DEVKEY")
        #expect(throws: ObjectStoreError.self) { try S3Configuration.resolve(.init(profile: "nope"), environment: env) }
    }

    @Test func overridesWin() throws {
        var (dir, env) = try awsFiles(credentials: credentialsFile, config: configFile)
        defer { try? FileManager.default.removeItem(at: dir) }
        env["AWS_REGION"] = "eu-west-1"
        env["AWS_ENDPOINT_URL"] = "http://env:1"
        let config = try S3Configuration.resolve(
            .init(accessKeyID: "K", secretAccessKey: "S", region: "us-east-2", endpoint: "https://minio.example:9443",
                  pathStyle: false, parallelism: 3, timeout: 7), environment: env)
        #expect(config.credentials.accessKeyID == "K")
        #expect(config.region == "us-east-2")
        #expect(config.endpoint?.absoluteString == "https://minio.example:9443")
        #expect(config.addressing == .virtualHosted)
        #expect(config.parallelism == 3)
        #expect(config.retry.deadline == 7)
    }

    @Test func missingCredentialsAndBadValuesAreClearErrors() throws {
        let (dir, env) = try awsFiles(credentials: "", config: "")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try S3Configuration.resolve(environment: env)
            Issue.record("resolved without credentials")
        } catch let error as ObjectStoreError {
            #expect(error.code == .invalidCredentials)
            #expect(error.message.contains("AWS_ACCESS_KEY_ID"))
        }
        let keys = S3Configuration.Overrides(accessKeyID: "K", secretAccessKey: "S")
        for bad in ["ftp://x", "http://", "http://host/path", "not a url"] {
            var overrides = keys
            overrides.endpoint = bad
            #expect(throws: ObjectStoreError.self, "\(bad)") { try S3Configuration.resolve(overrides, environment: env) }
        }
        var badBundle = keys
        badBundle.caBundle = dir.path + "/missing.pem"
        #expect(throws: ObjectStoreError.self) { try S3Configuration.resolve(badBundle, environment: env) }
    }

    @Test func descriptionsNeverShowSecrets() throws {
        let config = try S3Configuration.resolve(.init(accessKeyID: "AKID", secretAccessKey: "TOPSECRET", sessionToken: "TOKENVALUE"),
                                                 environment: [:])
        for text in ["\(config)", String(reflecting: config), "\(config.credentials)", String(reflecting: config.credentials)] {
            #expect(!text.contains("TOPSECRET") && !text.contains("TOKENVALUE"), "\(text)")
        }
        var dumped = ""
        dump(config, to: &dumped)
        #expect(!dumped.contains("TOPSECRET") && !dumped.contains("TOKENVALUE"))
    }
}

struct StoreFactoryTests {
    @Test func parsesURLs() throws {
        #expect(try StoreFactory.parse("s3://bucket/some/prefix") == .s3(bucket: "bucket", rest: "some/prefix"))
        #expect(try StoreFactory.parse("s3://bucket") == .s3(bucket: "bucket", rest: ""))
        #expect(try StoreFactory.parse("file:///tmp/lake") == .local(path: "/tmp/lake"))
        #expect(try StoreFactory.parse("file:///tmp/a%20b") == .local(path: "/tmp/a b"))
        #expect(try StoreFactory.parse("relative/dir") == .local(path: "relative/dir"))
        for bad in ["", "s3:///key", "gs://bucket/x", "file://host/x", "s3://bad bucket/x"] {
            #expect(throws: ObjectStoreError.self, "\(bad)") { try StoreFactory.parse(bad) }
        }
    }

    @Test func opensS3AndLocalStores() throws {
        let overrides = S3Configuration.Overrides(accessKeyID: "K", secretAccessKey: "S", endpoint: "http://127.0.0.1:1")
        let s3 = try StoreFactory.open("s3://b/p/q", s3: overrides)
        #expect(s3.description == "s3://b/p/q/")
        let (store, key) = try StoreFactory.locate("s3://b/p/q.txt", s3: overrides)
        #expect(store.description == "s3://b/" && key == "p/q.txt")
        #expect(throws: ObjectStoreError.self) { try StoreFactory.locate("s3://b", s3: overrides) }
        let local = try StoreFactory.open("/tmp/lake")
        #expect(local is LocalFolderStore)
        let (root, absoluteKey) = try StoreFactory.locate("/tmp/x/../lake/f.parquet")
        #expect(root.description == "/" && absoluteKey == "tmp/lake/f.parquet")
        let (_, relativeKey) = try StoreFactory.locate("rel/f")
        #expect(relativeKey == String((FileManager.default.currentDirectoryPath + "/rel/f").dropFirst()))
    }

    @Test func localRoundTripThroughLocate() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-factory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (store, key) = try StoreFactory.locate("file://" + dir.path + "/a/b.txt")
        try await store.put(key, bytes: Array("hi".utf8))
        let rooted = try StoreFactory.open(dir.path)
        #expect(try await rooted.get("a/b.txt") == Array("hi".utf8))
    }
}

struct S3ParsingTests {
    @Test func xmlListAnswer() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
            <Contents><Key>a &amp; b &lt;c&gt; &#233;&#x4E2D;</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag>
            <LastModified>2024-05-01T12:34:56.789Z</LastModified></Contents>
            <!-- comment --><IsTruncated>false</IsTruncated><Empty/><![CDATA[x<y]]></ListBucketResult>
            """
        let root = try XMLTree.parse(Array(xml.utf8))
        let content = try #require(root.child("Contents"))
        #expect(content.value("Key") == "a & b <c> é中")
        #expect(S3Store.unquote(content.value("ETag")) == "abc")
        let date = try #require(S3Store.parseISO8601(content.value("LastModified") ?? ""))
        #expect(abs(date.timeIntervalSince1970 - 1_714_566_896.789) < 0.001)
        #expect(root.value("Empty") == "")
        #expect(XMLTree.escape("a&<>\"'\r") == "a&amp;&lt;&gt;&quot;&apos;&#13;")
    }

    @Test func malformedXMLThrowsInsteadOfCrashing() {
        for bad in ["", "<a>", "<a></b>", "<a>&bogus;</a>", "<a>&#xFFFFFFFF;</a>", String(repeating: "<a>", count: 10_000),
                    "<a><![CDATA[never closed", "text only", "<?xml unterminated"] {
            #expect(throws: XMLParseError.self, "\(bad.prefix(20))") { try XMLTree.parse(Array(bad.utf8)) }
        }
    }

    @Test func httpDatesAndErrorMapping() throws {
        let date = try #require(S3Store.parseHTTPDate("Wed, 21 Oct 2015 07:28:00 GMT"))
        #expect(date.timeIntervalSince1970 == 1_445_412_480)
        #expect(S3Store.totalSize(contentRange: "bytes 0-9/1234") == 1234)
        #expect(S3ErrorMapping.code(status: 404, serverCode: "NoSuchKey") == .notFound)
        #expect(S3ErrorMapping.code(status: 404, serverCode: "NoSuchBucket") == .notFound)
        #expect(S3ErrorMapping.code(status: 403, serverCode: "AccessDenied") == .accessDenied)
        #expect(S3ErrorMapping.code(status: 403, serverCode: "SignatureDoesNotMatch") == .invalidCredentials)
        #expect(S3ErrorMapping.code(status: 403, serverCode: "InvalidAccessKeyId") == .invalidCredentials)
        #expect(S3ErrorMapping.code(status: 400, serverCode: "ExpiredToken") == .invalidCredentials)
        #expect(S3ErrorMapping.code(status: 503, serverCode: "SlowDown") == .throttled)
        #expect(S3ErrorMapping.code(status: 500, serverCode: "InternalError") == .transient)
        #expect(S3ErrorMapping.code(status: 416, serverCode: "InvalidRange") == .invalidArgument)
        #expect(S3ErrorMapping.code(status: 403, serverCode: nil) == .accessDenied)
        #expect(S3ErrorMapping.isRetryable(status: 503, serverCode: "SlowDown", retryOnConflict: false))
        #expect(S3ErrorMapping.isRetryable(status: 500, serverCode: nil, retryOnConflict: false))
        #expect(S3ErrorMapping.isRetryable(status: 429, serverCode: nil, retryOnConflict: false))
        #expect(S3ErrorMapping.isRetryable(status: 409, serverCode: "ConditionalRequestConflict", retryOnConflict: true))
        #expect(!S3ErrorMapping.isRetryable(status: 409, serverCode: "ConditionalRequestConflict", retryOnConflict: false))
        for status in [400, 401, 403, 404, 412, 416] {
            #expect(!S3ErrorMapping.isRetryable(status: status, serverCode: nil, retryOnConflict: true))
        }
        let redact = Redactor(AWSCredentials(accessKeyID: "A", secretAccessKey: "SECRETKEY", sessionToken: "TOKEN1"))
        #expect(redact("x SECRETKEY y TOKEN1") == "x ****** y ******")
    }
}

struct S3AddressingTests {
    func client(endpoint: String?, region: String = "eu-west-1", pathStyle: Bool? = nil) throws -> S3Client {
        S3Client(configuration: try S3Configuration.resolve(
            .init(accessKeyID: "A", secretAccessKey: "S", region: region, endpoint: endpoint, pathStyle: pathStyle),
            environment: [:]))
    }

    @Test func awsDefaultsToVirtualHosted() throws {
        let aws = try client(endpoint: nil)
        #expect(aws.target(bucket: "b", key: "k/x y") == ("b.s3.eu-west-1.amazonaws.com", "/k/x y"))
        #expect(aws.target(bucket: "b", key: nil) == ("b.s3.eu-west-1.amazonaws.com", "/"))
        // Dotted bucket names would break TLS name matching: path style for them.
        #expect(aws.target(bucket: "my.bucket", key: "k") == ("s3.eu-west-1.amazonaws.com", "/my.bucket/k"))
        let forcedPath = try client(endpoint: nil, pathStyle: true)
        #expect(forcedPath.target(bucket: "b", key: "k") == ("s3.eu-west-1.amazonaws.com", "/b/k"))
    }

    @Test func customEndpointsDefaultToPathStyle() throws {
        let local = try client(endpoint: "http://127.0.0.1:8333")
        #expect(local.target(bucket: "b", key: "k") == ("127.0.0.1:8333", "/b/k"))
        let virtual = try client(endpoint: "https://minio.example", pathStyle: false)
        #expect(virtual.target(bucket: "b", key: "k") == ("b.minio.example", "/k"))
    }
}

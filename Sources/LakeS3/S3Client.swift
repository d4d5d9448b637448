import Foundation
import LakeObjectStore

/// One S3 API call, before signing.
struct S3Request: Sendable {
    var method: String
    /// The bucket, or `nil` for service-level calls.
    var bucket: String?
    /// The object key (prefix included), or `nil` for bucket-level calls.
    var key: String?
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// For errors: the operation ("get", "put", ...) and the key as the caller named it.
    var operation: String
    var displayKey: String
    /// Retry 409 ConditionalRequestConflict (conditional writes racing on one key).
    var retryOnConflict = false
    /// Streams a successful answer's body into this file region (see ``HTTPRequest/sink``); each
    /// attempt writes from the region's start again.
    var sink: FileRegion? = nil
}

/// What ``S3Client/send(_:)`` returns: the final response, and whether an earlier attempt
/// failed in a way that leaves open whether the server acted on it (a timeout or a broken
/// connection after the request was sent).
struct S3Outcome: Sendable {
    var response: HTTPResponse
    var earlierAttemptAmbiguous: Bool
    var attempts: Int
}

/// Signs and sends S3 requests with retries (exponential backoff with full jitter) under an
/// overall deadline.
final class S3Client: Sendable {
    let configuration: S3Configuration
    let signer: SigV4Signer
    let http: HTTPClient
    let redact: Redactor
    /// `scheme://host[:port]` of the service.
    private let scheme: String
    private let host: String
    private let port: Int?

    init(configuration: S3Configuration) {
        self.configuration = configuration
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        http = HTTPClient(parallelism: configuration.parallelism)
        redact = Redactor(configuration.credentials)
        if let endpoint = configuration.endpoint {
            scheme = endpoint.scheme?.lowercased() ?? "https"
            host = endpoint.host ?? "localhost"
            port = endpoint.port
        } else {
            scheme = "https"
            host = "s3.\(configuration.region).amazonaws.com"
            port = nil
        }
    }

    /// The endpoint, for messages.
    var endpointDescription: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")"
    }

    /// Host header value and unencoded path of a request.
    func target(bucket: String?, key: String?) -> (host: String, path: String) {
        let portSuffix = port.map { ":\($0)" } ?? ""
        guard let bucket else { return (host + portSuffix, "/") }
        // Virtual-hosted names with dots break TLS certificate matching: use path style for them.
        let virtual = configuration.addressing == .virtualHosted && !(scheme == "https" && bucket.contains("."))
        if virtual {
            return ("\(bucket).\(host)\(portSuffix)", "/" + (key ?? ""))
        }
        return (host + portSuffix, "/\(bucket)" + (key.map { "/" + $0 } ?? ""))
    }

    /// Sends `request`, retrying 5xx, 429, 408, timeouts and broken connections (and 409
    /// conditional conflicts when asked) until `maxRetries` or the deadline. Returns the first
    /// non-retryable response, successful or not.
    /// - Throws: ``ObjectStoreError`` (`.transient` or `.throttled`) when retries run out.
    func send(_ request: S3Request) async throws -> S3Outcome {
        let policy = configuration.retry
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int64(policy.deadline * 1000))
        let (hostHeader, path) = target(bucket: request.bucket, key: request.key)
        let encodedQuery = request.query
            .map { SigV4Signer.uriEncode($0.name, encodeSlash: true) + "=" + SigV4Signer.uriEncode($0.value, encodeSlash: true) }
            .joined(separator: "&")
        let url = "\(scheme)://\(hostHeader)\(SigV4Signer.uriEncode(path, encodeSlash: false))"
            + (encodedQuery.isEmpty ? "" : "?" + encodedQuery)
        let payloadHash = request.body.count <= configuration.payloadSigningLimit
            ? SigV4Signer.payloadHash(request.body) : SigV4Signer.unsignedPayload
        var headers = request.headers
        headers += configuration.serverSide.headers(method: request.method, bucket: request.bucket, key: request.key,
                                                    query: request.query)
        headers.append((name: "Host", value: hostHeader))
        let toSign = SigV4Request(method: request.method, path: path, query: request.query, headers: headers,
                                  payloadHash: payloadHash)
        var attempt = 0
        var ambiguous = false
        while true {
            attempt += 1
            let remaining = deadline - ContinuousClock.now
            let remainingSeconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
            let signed = headers + signer.sign(toSign, date: Date())
            let options = CurlHandle.Options(connectTimeout: min(configuration.connectTimeout, max(remainingSeconds, 0.001)),
                                             lowSpeedTime: configuration.lowSpeedTime,
                                             totalTimeout: max(remainingSeconds, 0.001),
                                             caBundle: configuration.caBundle)
            let failure: ObjectStoreError
            do {
                let response = try await http.send(HTTPRequest(method: request.method, url: url, headers: signed, body: request.body,
                                                               sink: request.sink),
                                                   options: options)
                let serverCode = response.status >= 300 ? S3ErrorMapping.serverError(response).code : nil
                // S3 may answer CompleteMultipartUpload with 200 and an error document.
                let hiddenError = response.status == 200 && request.method == "POST" && request.query.contains { $0.name == "uploadId" }
                    && S3ErrorMapping.serverError(response).code != nil
                if !hiddenError && !S3ErrorMapping.isRetryable(status: response.status, serverCode: serverCode,
                                                               retryOnConflict: request.retryOnConflict) {
                    return S3Outcome(response: response, earlierAttemptAmbiguous: ambiguous, attempts: attempt)
                }
                var failed = response
                if hiddenError { failed.status = 500 }
                failure = S3ErrorMapping.error(failed, operation: request.operation, key: request.displayKey,
                                               bucket: request.bucket ?? "", redact: redact, attempts: attempt)
                // 5xx may have been applied by the server before it failed.
                if response.status >= 500 { ambiguous = true }
            } catch let error as HTTPTransportError {
                let elapsed = ContinuousClock.now - start
                let code: ObjectStoreError.Code = error.kind == .fatal ? .other : .transient
                failure = ObjectStoreError(code, operation: request.operation, key: request.displayKey,
                                           serverCode: Self.transportCode(error.kind),
                                           message: redact("\(endpointDescription): \(error.message) (after \(attempt) attempt\(attempt == 1 ? "" : "s") in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))))"))
                if error.kind == .fatal { throw failure }
                if error.kind != .connect { ambiguous = true }
            }
            // Full jitter: a random sleep in [0, min(max, initial * 2^(attempt-1))).
            let cap = min(policy.maxBackoff, policy.initialBackoff * pow(2, Double(attempt - 1)))
            let sleep = Double.random(in: 0..<max(cap, 0.000_001))
            if attempt > policy.maxRetries || ContinuousClock.now + .milliseconds(Int64(sleep * 1000)) >= deadline {
                throw failure
            }
            try await Task.sleep(for: .milliseconds(Int64(sleep * 1000)))
        }
    }

    private static func transportCode(_ kind: HTTPTransportError.Kind) -> String {
        switch kind {
        case .connect: "ConnectionFailed"
        case .timeout: "Timeout"
        case .reset: "ConnectionReset"
        case .fatal: "TransportError"
        }
    }

    /// The mapped error of a non-successful response.
    func error(_ outcome: S3Outcome, _ request: S3Request) -> ObjectStoreError {
        S3ErrorMapping.error(outcome.response, operation: request.operation, key: request.displayKey,
                             bucket: request.bucket ?? "", redact: redact, attempts: outcome.attempts)
    }
}

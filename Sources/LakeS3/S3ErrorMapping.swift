import Foundation
import LakeObjectStore

/// The one place where S3 answers become ``ObjectStoreError``s.
enum S3ErrorMapping {
    /// The S3 error document of a failed response: `<Error><Code>…</Code><Message>…</Message></Error>`.
    static func serverError(_ response: HTTPResponse) -> (code: String?, message: String?) {
        guard !response.body.isEmpty, let root = try? XMLTree.parse(response.body), root.name == "Error" else {
            return (nil, nil)
        }
        return (root.value("Code"), root.value("Message"))
    }

    /// The error code for an S3 error code, or for the HTTP status when there is none (HEAD
    /// responses have no body).
    static func code(status: Int, serverCode: String?) -> ObjectStoreError.Code {
        switch serverCode {
        case "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion":
            return .notFound
        case "AccessDenied", "AllAccessDisabled", "AccountProblem", "InvalidObjectState":
            return .accessDenied
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
             "InvalidSecurity", "RequestTimeTooSkewed", "MissingSecurityHeader":
            return .invalidCredentials
        case "SlowDown", "TooManyRequests", "Throttling", "ThrottlingException", "RequestLimitExceeded":
            return .throttled
        case "InternalError", "ServiceUnavailable", "RequestTimeout", "ConditionalRequestConflict", "OperationAborted":
            return .transient
        case "PreconditionFailed":
            return .preconditionFailed
        case "NotImplemented":
            return .notImplemented
        case "InvalidArgument", "InvalidRange", "InvalidRequest", "InvalidBucketName", "KeyTooLongError",
             "EntityTooSmall", "EntityTooLarge", "InvalidPart", "InvalidPartOrder", "MalformedXML", "InvalidDigest",
             "BadDigest", "AuthorizationHeaderMalformed", "InvalidURI", "MetadataTooLarge", "IllegalLocationConstraintException":
            return .invalidArgument
        case "BucketAlreadyExists", "BucketAlreadyOwnedByYou":
            return .alreadyExists
        default:
            break
        }
        switch status {
        case 404: return .notFound
        case 401: return .invalidCredentials
        case 403: return .accessDenied
        case 412: return .preconditionFailed
        case 429, 503: return .throttled
        case 400, 411, 416: return .invalidArgument
        case 501: return .notImplemented
        case 500...599, 408, 409: return .transient
        default: return .other
        }
    }

    /// Whether a response may succeed if sent again: 5xx, 429, 408 (and 409 conflicts of
    /// conditional writes when the caller allows it) — never other 4xx.
    static func isRetryable(status: Int, serverCode: String?, retryOnConflict: Bool) -> Bool {
        switch status {
        case 500...599, 429, 408: return true
        case 409: return retryOnConflict && (serverCode == "ConditionalRequestConflict" || serverCode == "OperationAborted")
        default: return false
        }
    }

    /// The error for a failed response.
    static func error(_ response: HTTPResponse, operation: String, key: String, bucket: String,
                      redact: Redactor, attempts: Int) -> ObjectStoreError {
        let (serverCode, serverMessage) = serverError(response)
        let code = code(status: response.status, serverCode: serverCode)
        var message = redact(serverMessage ?? "HTTP \(response.status)")
        switch serverCode ?? "" {
        case "NoSuchBucket":
            message = "bucket '\(bucket)' does not exist (\(message)); create it or check the URL and endpoint"
        case "InvalidAccessKeyId", "SignatureDoesNotMatch":
            message += "; check the access key and secret (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile)"
        case "ExpiredToken", "InvalidToken":
            message += "; the session token has expired or is invalid: refresh the credentials"
        case "RequestTimeTooSkewed":
            message += "; the system clock is off: fix it"
        default:
            if serverCode == nil {
                switch response.status {
                case 403: message += " (access denied or invalid credentials; the response had no error body)"
                case 404 where operation == "head": message += " (no such key, or no such bucket '\(bucket)')"
                default: break
                }
            }
        }
        if attempts > 1 { message += " (after \(attempts) attempts)" }
        return ObjectStoreError(code, operation: operation, key: key, serverCode: serverCode ?? "HTTP \(response.status)",
                                message: message)
    }
}

/// Replaces any occurrence of the secret key or session token with `******` (defence in depth:
/// server messages should never echo them, but a message must never leak one).
struct Redactor: Sendable {
    let secrets: [String]

    init(_ credentials: AWSCredentials) {
        secrets = [credentials.secretAccessKey, credentials.sessionToken].compactMap { $0 }.filter { $0.count >= 4 }
    }

    func callAsFunction(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "******")
        }
        return out
    }
}

import Foundation

/// The one error type of every object store. ``code`` says what happened, so callers can react
/// (a commit treats ``Code/alreadyExists`` as a lost race); the description names the operation,
/// the key and the server's own code and message, so a person knows what to do.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case notFound, alreadyExists, accessDenied, invalidCredentials, throttled
            case transient, invalidArgument, preconditionFailed, notImplemented, other
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The key (or bucket) does not exist.
        public static let notFound = Code(.notFound)
        /// A create-only put found the key taken.
        public static let alreadyExists = Code(.alreadyExists)
        /// The credentials are valid but not allowed to do this (S3 403 AccessDenied).
        public static let accessDenied = Code(.accessDenied)
        /// The credentials are wrong or expired (S3 InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken).
        public static let invalidCredentials = Code(.invalidCredentials)
        /// The server asked us to slow down and retries ran out (S3 503 SlowDown, 429).
        public static let throttled = Code(.throttled)
        /// A network failure, timeout or 5xx that persisted past the retry deadline.
        public static let transient = Code(.transient)
        /// The request itself is invalid: a bad key, a bad range, a bad URL or configuration.
        public static let invalidArgument = Code(.invalidArgument)
        /// A condition other than create-only did not hold.
        public static let preconditionFailed = Code(.preconditionFailed)
        /// The store does not support the operation.
        public static let notImplemented = Code(.notImplemented)
        /// Anything else (local I/O errors such as a full disk, unexpected server answers).
        public static let other = Code(.other)

        public var description: String {
            switch wrapped {
            case .notFound: "not found"
            case .alreadyExists: "already exists"
            case .accessDenied: "access denied"
            case .invalidCredentials: "invalid credentials"
            case .throttled: "throttled"
            case .transient: "transient failure"
            case .invalidArgument: "invalid argument"
            case .preconditionFailed: "precondition failed"
            case .notImplemented: "not implemented"
            case .other: "error"
            }
        }
    }

    public var code: Code
    /// The operation that failed ("get", "put", "list", ...).
    public var operation: String
    /// The key involved, relative to the store root, or the store's own description.
    public var key: String
    /// The server's or system's own error code (`NoSuchKey`, `SlowDown`, `ENOSPC`), when there is one.
    public var serverCode: String?
    /// A human explanation: the server's message, and what to do.
    public var message: String

    public init(_ code: Code, operation: String, key: String, serverCode: String? = nil, message: String) {
        self.code = code
        self.operation = operation
        self.key = key
        self.serverCode = serverCode
        self.message = message
    }

    public var description: String {
        var text = "\(operation) \(key): \(code)"
        if let serverCode { text += " (\(serverCode))" }
        if !message.isEmpty { text += ": \(message)" }
        return text
    }
}

extension ObjectStoreError: LocalizedError {
    public var errorDescription: String? { description }
}

import Foundation

/// A failure of `lakectl ingest`, with the input location when one applies.
public struct IngestError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The input is malformed (bad JSON, unknown op, type mismatch, missing key ...).
        case badInput
        /// A schema change that cannot be applied (incompatible type, dropped non-null column).
        case incompatibleSchema
        /// Another writer committed the change-log entry this writer meant to commit.
        case concurrentWriter
        /// Bad flags or configuration.
        case usage
        /// The store, spool or an encoder failed.
        case io
    }

    public var kind: Kind
    public var message: String
    /// Input name (`-` for standard input) and 1-based line, when the error concerns an event.
    public var input: String?
    public var line: Int?

    public init(_ kind: Kind, _ message: String, input: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.input = input
        self.line = line
    }

    public var description: String {
        if let input, let line { return "\(input):\(line): \(message)" }
        if let input { return "\(input): \(message)" }
        return message
    }
}

extension IngestError: LocalizedError {
    public var errorDescription: String? { description }
}

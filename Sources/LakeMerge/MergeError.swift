/// Errors of the merge engine. Each message names the file, table or column involved and what to do.
public struct MergeError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func missingKeyColumn(_ name: String, context: String) -> MergeError {
        MergeError("\(context): key column '\(name)' is missing; pass --key with columns the data has, or fix the schema file")
    }
}

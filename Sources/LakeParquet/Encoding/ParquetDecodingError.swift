/// A Parquet file (or a page of it) could not be decoded: it is truncated, corrupt, or uses a
/// feature lakectl does not support. The message says what is wrong and where.
public struct ParquetDecodingError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, e.g. "RLE run runs past the end of the page".
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

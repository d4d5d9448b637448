/// Errors raised while reading or writing Parquet. Every case carries a message that names what
/// was wrong (and, where known, the file, column or byte offset) so a user can act on it.
public enum ParquetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Thrift-encoded metadata (footer, page header) is malformed or truncated.
    case corruptMetadata(String)
    /// A page's contents do not decode (bad lengths, bad runs, values past the end).
    case corruptPage(String)
    /// The file as a whole is not valid Parquet (missing magic, footer length out of range, …).
    case invalidFile(String)
    /// Valid Parquet that uses a feature this implementation does not support.
    case unsupported(String)
    /// Data does not match the schema it is written or read with.
    case schemaMismatch(String)
    /// A caller passed an invalid argument or option.
    case invalidArgument(String)
    /// Reading or writing the underlying bytes failed.
    case io(String)

    public var description: String {
        switch self {
        case .corruptMetadata(let m): "corrupt Parquet metadata: \(m)"
        case .corruptPage(let m): "corrupt Parquet page: \(m)"
        case .invalidFile(let m): "not a valid Parquet file: \(m)"
        case .unsupported(let m): "unsupported Parquet feature: \(m)"
        case .schemaMismatch(let m): "schema mismatch: \(m)"
        case .invalidArgument(let m): "invalid argument: \(m)"
        case .io(let m): "I/O error: \(m)"
        }
    }
}

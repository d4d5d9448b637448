/// Why a compression or decompression failed. Every case names the codec so a message read out of
/// context ("while reading page 3 of x.parquet: ...") still says what went wrong.
public enum CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The compressed bytes are not valid for the codec (bad header, bad checksum, bad back-reference).
    case corruptInput(codec: CompressionCodec, detail: String)
    /// The compressed bytes end before the stream does.
    case truncatedInput(codec: CompressionCodec)
    /// The decompressed size differs from the size the caller was told (e.g. a Parquet page header).
    case sizeMismatch(codec: CompressionCodec, expected: Int, actual: Int)
    /// Decompression would produce more than the allowed maximum (a corrupt or malicious input).
    case outputTooLarge(codec: CompressionCodec, limit: Int)
    /// The input is larger than the codec's format can represent (snappy: 4 GiB).
    case inputTooLarge(codec: CompressionCodec, size: Int)
    /// A compression level outside what the codec accepts.
    case invalidLevel(codec: CompressionCodec, level: Int)
    /// The underlying C library failed for a reason that is not the input's fault (e.g. out of memory).
    case libraryFailure(codec: CompressionCodec, detail: String)
    /// The operation makes no sense for this codec (e.g. streaming snappy, which has no stream format here).
    case unsupported(codec: CompressionCodec, operation: String)

    public var description: String {
        switch self {
        case .corruptInput(let codec, let detail):
            "corrupt \(codec) data: \(detail)"
        case .truncatedInput(let codec):
            "truncated \(codec) data: the compressed stream ends early (incomplete file or download?)"
        case .sizeMismatch(let codec, let expected, let actual):
            "\(codec) data decompresses to \(actual) bytes, expected \(expected) (corrupt data or header)"
        case .outputTooLarge(let codec, let limit):
            "\(codec) data decompresses to more than \(limit) bytes (corrupt data or a decompression bomb)"
        case .inputTooLarge(let codec, let size):
            "\(size) bytes is too large for one \(codec) block"
        case .invalidLevel(let codec, let level):
            "\(level) is not a valid \(codec) compression level"
        case .libraryFailure(let codec, let detail):
            "\(codec) library failure: \(detail)"
        case .unsupported(let codec, let operation):
            "\(codec) does not support \(operation)"
        }
    }
}

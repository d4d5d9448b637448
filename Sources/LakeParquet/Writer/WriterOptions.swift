/// The data page format to write.
public enum DataPageVersion: Int, Sendable, Hashable {
    /// DATA_PAGE: levels and values compressed together, levels length-prefixed. Every reader
    /// supports it; the default (parquet.md §6.7).
    case v1 = 1
    /// DATA_PAGE_V2: levels uncompressed and unprefixed before the compressed values.
    case v2 = 2
}

/// Settings of a ``ParquetWriter``. The defaults follow pyarrow's (parquet.md §2) except the
/// codec, which is zstd.
public struct WriterOptions: Sendable, Hashable {
    /// The page codec.
    public var compression: ParquetCodec = .zstd
    /// The codec level (`nil`: the codec's default, zstd 1, gzip 6).
    public var compressionLevel: Int? = nil
    public var dataPageVersion: DataPageVersion = .v1
    /// Dictionary-encode columns (never booleans or FIXED_LEN_BYTE_ARRAY decimals), falling back to
    /// PLAIN for the rest of a column chunk once the dictionary page would exceed
    /// ``dictionaryPageSizeLimit``.
    public var dictionaryEnabled = true
    public var dictionaryPageSizeLimit = 1 << 20
    /// A data page is closed once its encoded values reach this many bytes…
    public var dataPageSize = 1 << 20
    /// …or it holds this many rows.
    public var dataPageRowLimit = 20_000
    /// A row group is closed once it holds this many rows…
    public var rowGroupRows = 1 << 20
    /// …or its encoded (compressed) pages reach this many bytes: the writer's memory bound.
    public var rowGroupBytes = 256 << 20
    /// Statistics per column chunk (min/max/null count).
    public var writeStatistics = true
    /// Longer min/max values are truncated to this many bytes and marked inexact.
    public var statisticsTruncateLength = 64
    /// Extra key/value entries for the footer.
    public var keyValueMetadata: [KeyValue] = []
    /// The footer's `created_by`; must parse as "<app> version <semver> (build <id>)".
    public var createdBy = ParquetWriter.defaultCreatedBy

    public init() {}

    func validate() throws {
        guard dictionaryPageSizeLimit > 0, dataPageSize > 0, dataPageRowLimit > 0, rowGroupRows > 0, rowGroupBytes > 0 else {
            throw ParquetError.invalidArgument("page, dictionary and row-group limits must be positive")
        }
        guard dataPageRowLimit <= Int(Int32.max), dataPageSize <= 1 << 30, dictionaryPageSizeLimit <= 1 << 30 else {
            throw ParquetError.invalidArgument("page limits must stay below 1 GiB / 2^31 rows")
        }
        guard statisticsTruncateLength >= 1 else { throw ParquetError.invalidArgument("statistics truncate length must be at least 1") }
        switch compression {
        case .uncompressed, .snappy, .gzip, .zstd: break
        default: throw ParquetError.invalidArgument("lakectl writes only UNCOMPRESSED, SNAPPY, GZIP or ZSTD pages, not \(compression)")
        }
    }
}

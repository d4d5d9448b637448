/// The block compression codecs lakectl reads and writes, behind one interface.
///
/// Block API (Parquet pages, whole small files): ``compress(_:level:)``,
/// ``decompress(_:uncompressedSize:)`` when the exact size is known and
/// ``decompress(_:maxOutputSize:)`` when it is not. Streams (``StreamDecompressor``,
/// ``StreamCompressor``) handle `.csv.gz` / `.csv.zst` files in bounded memory.
///
/// Formats: `gzip` is RFC 1952 (decoding also accepts a zlib header and concatenated members, as
/// Parquet readers must); `zlib` is RFC 1950; `snappy` is the raw block format (Parquet's, not the
/// framed one); `zstd` accepts concatenated and skippable frames.
public enum CompressionCodec: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case none
    case snappy
    case gzip
    case zlib
    case zstd

    public var description: String { rawValue }

    /// The largest output ``decompress(_:maxOutputSize:)`` produces unless told otherwise: 1 GiB.
    public static let defaultMaxOutputSize = 1 << 30

    /// The level used when none is given: zstd 1 (Arrow's default, fast with a good ratio),
    /// gzip/zlib 6 (zlib's default). Snappy and none have no levels.
    public var defaultLevel: Int {
        switch self {
        case .zstd: 1
        case .gzip, .zlib: 6
        case .none, .snappy: 0
        }
    }

    /// The codec a file name's extension implies: `.gz`/`.gzip` → gzip, `.zst`/`.zstd` → zstd,
    /// `.snappy`/`.sz` → snappy, anything else → none.
    public static func forFileName(_ name: String) -> CompressionCodec {
        let lower = name.lowercased()
        if lower.hasSuffix(".gz") || lower.hasSuffix(".gzip") { return .gzip }
        if lower.hasSuffix(".zst") || lower.hasSuffix(".zstd") { return .zstd }
        if lower.hasSuffix(".snappy") || lower.hasSuffix(".sz") { return .snappy }
        return .none
    }

    /// The codec a file's first bytes announce (gzip and zstd have magic numbers), if any.
    public static func sniff(_ prefix: some Collection<UInt8>) -> CompressionCodec? {
        let bytes = Array(prefix.prefix(4))
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B { return .gzip }
        if bytes.count >= 4, bytes == [0x28, 0xB5, 0x2F, 0xFD] { return .zstd }
        return nil
    }

    // MARK: - Compression

    /// Compresses `input` into a new array.
    public func compress(_ input: UnsafeRawBufferPointer, level: Int? = nil) throws -> [UInt8] {
        var output: [UInt8] = []
        try compress(input, into: &output, level: level)
        return output
    }

    /// Compresses `input` into a new array.
    public func compress(_ input: [UInt8], level: Int? = nil) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0, level: level) }
    }

    /// Compresses `input` and **appends** the result to `output`, so a caller can reuse one buffer
    /// (`output.removeAll(keepingCapacity: true)` first). Returns the number of bytes appended.
    @discardableResult
    public func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int? = nil) throws -> Int {
        let level = level ?? defaultLevel
        switch self {
        case .none:
            output.append(contentsOf: input)
            return input.count
        case .snappy: return try Snappy.compress(input, into: &output)
        case .gzip, .zlib: return try ZlibCodec.compress(input, into: &output, level: level, gzip: self == .gzip)
        case .zstd: return try Zstd.compress(input, into: &output, level: level)
        }
    }

    /// Compresses `input` and appends the result to `output`; returns the number of bytes appended.
    @discardableResult
    public func compress(_ input: [UInt8], into output: inout [UInt8], level: Int? = nil) throws -> Int {
        try input.withUnsafeBytes { try compress($0, into: &output, level: level) }
    }

    // MARK: - Decompression, size known

    /// Decompresses `input`, which must expand to exactly `uncompressedSize` bytes (a Parquet page
    /// header's claim); anything else throws ``CodecError/sizeMismatch(codec:expected:actual:)``.
    /// Sizes above `maxOutputSize` are rejected before allocating.
    public func decompress(
        _ input: UnsafeRawBufferPointer, uncompressedSize: Int, maxOutputSize: Int = CompressionCodec.defaultMaxOutputSize
    ) throws -> [UInt8] {
        var output: [UInt8] = []
        try decompress(input, uncompressedSize: uncompressedSize, into: &output, maxOutputSize: maxOutputSize)
        return output
    }

    public func decompress(
        _ input: [UInt8], uncompressedSize: Int, maxOutputSize: Int = CompressionCodec.defaultMaxOutputSize
    ) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, uncompressedSize: uncompressedSize, maxOutputSize: maxOutputSize) }
    }

    /// Decompresses `input` (exactly `uncompressedSize` bytes) and **appends** it to `output`.
    public func decompress(
        _ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8],
        maxOutputSize: Int = CompressionCodec.defaultMaxOutputSize
    ) throws {
        guard uncompressedSize >= 0 else {
            throw CodecError.corruptInput(codec: self, detail: "negative uncompressed size \(uncompressedSize)")
        }
        guard uncompressedSize <= maxOutputSize else { throw CodecError.outputTooLarge(codec: self, limit: maxOutputSize) }
        switch self {
        case .none:
            guard input.count == uncompressedSize else {
                throw CodecError.sizeMismatch(codec: self, expected: uncompressedSize, actual: input.count)
            }
            output.append(contentsOf: input)
        case .snappy: try Snappy.decompress(input, expectedSize: uncompressedSize, into: &output)
        case .gzip, .zlib: try ZlibCodec.decompress(input, expectedSize: uncompressedSize, into: &output, gzip: self == .gzip)
        case .zstd: try Zstd.decompress(input, expectedSize: uncompressedSize, into: &output)
        }
    }

    // MARK: - Decompression, size unknown

    /// Decompresses `input` whose size is not known, growing the output as needed but never beyond
    /// `maxOutputSize` (throws ``CodecError/outputTooLarge(codec:limit:)``): a decompression bomb
    /// costs at most that much memory.
    public func decompress(_ input: UnsafeRawBufferPointer, maxOutputSize: Int = CompressionCodec.defaultMaxOutputSize) throws -> [UInt8] {
        switch self {
        case .none:
            guard input.count <= maxOutputSize else { throw CodecError.outputTooLarge(codec: self, limit: maxOutputSize) }
            return Array(input)
        case .snappy:
            var output: [UInt8] = []
            try Snappy.decompressUnknownSize(input, into: &output, maxOutputSize: maxOutputSize)
            return output
        case .gzip, .zlib, .zstd:
            let stream = try StreamDecompressor(self, maxOutputSize: maxOutputSize)
            var output: [UInt8] = []
            output.reserveCapacity(Swift.min(maxOutputSize, Swift.max(4096, input.count * 4)))
            try stream.decompress(input, into: &output)
            try stream.finish()
            return output
        }
    }

    public func decompress(_ input: [UInt8], maxOutputSize: Int = CompressionCodec.defaultMaxOutputSize) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, maxOutputSize: maxOutputSize) }
    }
}

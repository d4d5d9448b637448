import LakeCodecs

/// Gzip-compressed DMS files (`CompressionType=GZIP`) and zstd-compressed lakectl CSV change files, decompressed whole through LakeCodecs (gzip or
/// zlib headers, concatenated members), refusing output beyond LakeCodecs' limit so a hostile file
/// cannot exhaust memory.
enum Gzip {
    static func decompress(_ bytes: [UInt8], codec: CompressionCodec = .gzip, source: String) throws -> [UInt8] {
        do {
            return try codec.decompress(bytes)
        } catch {
            throw MergeError("\(source): cannot decompress (\(codec)): \(error)")
        }
    }
}

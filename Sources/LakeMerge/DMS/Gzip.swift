import LakeCodecs

/// Gzip-compressed DMS files (`CompressionType=GZIP`), decompressed whole through LakeCodecs (gzip or
/// zlib headers, concatenated members), refusing output beyond LakeCodecs' limit so a hostile file
/// cannot exhaust memory.
enum Gzip {
    static func decompress(_ bytes: [UInt8], source: String) throws -> [UInt8] {
        do {
            return try CompressionCodec.gzip.decompress(bytes)
        } catch {
            throw MergeError("\(source): cannot gunzip: \(error)")
        }
    }
}

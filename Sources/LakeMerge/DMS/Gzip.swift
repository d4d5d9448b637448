import LakeCodecs

/// Gzip-compressed DMS files (`CompressionType=GZIP`), decompressed whole (bounded by LakeCodecs'
/// output limit, so a hostile file cannot exhaust memory).
enum Gzip {
    static func decompress(_ bytes: [UInt8], source: String) throws -> [UInt8] {
        do {
            return try CompressionCodec.gzip.decompress(bytes)
        } catch {
            throw MergeError("\(source): cannot gunzip: \(error)")
        }
    }
}

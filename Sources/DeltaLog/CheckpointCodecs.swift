import LakeCodecs
import LakeParquet

/// Page compression for checkpoint files (the codecs every Delta engine's Parquet reader knows).
enum CheckpointCodecs {
    static func codec(_ codec: ParquetCodec) throws -> CompressionCodec {
        switch codec {
        case .uncompressed: return .none
        case .snappy: return .snappy
        case .gzip: return .gzip
        case .zstd: return .zstd
        default: throw DeltaLogError("checkpoint pages use the \(codec) codec, which lakectl does not decode")
        }
    }

    static func decompress(_ data: [UInt8], codec: ParquetCodec, size: Int) throws -> [UInt8] {
        guard size >= 0 else { throw DeltaLogError("negative uncompressed page size") }
        if codec == .uncompressed { return data }
        return try self.codec(codec).decompress(data, uncompressedSize: size)
    }

    static func compress(_ data: [UInt8], codec: ParquetCodec) throws -> [UInt8] {
        if codec == .uncompressed { return data }
        return try self.codec(codec).compress(data)
    }
}

import LakeParquet

/// Page decompression for checkpoint files.
enum CheckpointCodecs {
    static func decompress(_ data: [UInt8], codec: ParquetCodec, size: Int) throws -> [UInt8] {
        guard codec == .uncompressed else {
            throw DeltaLogError("checkpoint pages compressed with \(codec) need LakeCodecs (not yet wired)")
        }
        return data
    }
}

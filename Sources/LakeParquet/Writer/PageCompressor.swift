/// Compresses page payloads with the writer's codec into a reused buffer.
struct PageCompressor {
    let codec: ParquetCodec
    let level: Int?
    /// The last output; valid until the next call.
    private(set) var output: [UInt8] = []

    init(codec: ParquetCodec, level: Int?) throws {
        guard codec == .uncompressed else {
            throw ParquetError.unsupported("\(codec) compression is not available in this build yet")
        }
        self.codec = codec
        self.level = level
    }

    /// Compresses `input` into ``output``.
    mutating func compress(_ input: UnsafeRawBufferPointer) throws {
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: input)
    }
}

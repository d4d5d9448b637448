import CZstd

/// zstd block compression via libzstd.
enum Zstd {
    static func errorName(_ code: Int) -> String { String(cString: ZSTD_getErrorName(code)) }
    static func isError(_ code: Int) -> Bool { ZSTD_isError(code) != 0 }

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int) throws -> Int {
        guard level >= Int(ZSTD_minCLevel()), level <= Int(ZSTD_maxCLevel()) else {
            throw CodecError.invalidLevel(codec: .zstd, level: level)
        }
        guard let cctx = ZSTD_createCCtx() else { throw CodecError.libraryFailure(codec: .zstd, detail: "out of memory") }
        defer { ZSTD_freeCCtx(cctx) }
        return try compress(input, into: &output, level: level, context: cctx)
    }

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int, context cctx: OpaquePointer) throws -> Int {
        let bound = ZSTD_compressBound(input.count)
        guard !isError(bound) else { throw CodecError.inputTooLarge(codec: .zstd, size: input.count) }
        var failure: Int?
        var produced = 0
        try output.appendUninitialized(bound) { dst in
            let written = ZSTD_compressCCtx(cctx, dst.baseAddress, dst.count,
                                            input.baseAddress ?? UnsafeRawPointer(emptyCString), input.count, Int32(level))
            if isError(written) { failure = written; return 0 }
            produced = written
            return written
        }
        if let failure { throw CodecError.libraryFailure(codec: .zstd, detail: errorName(failure)) }
        return produced
    }

    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int, into output: inout [UInt8]) throws {
        guard let dctx = ZSTD_createDCtx() else { throw CodecError.libraryFailure(codec: .zstd, detail: "out of memory") }
        defer { ZSTD_freeDCtx(dctx) }
        try decompress(input, expectedSize: expectedSize, into: &output, context: dctx)
    }

    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int, into output: inout [UInt8], context dctx: OpaquePointer) throws {
        guard input.count > 0 else {
            if expectedSize == 0 { return }
            throw CodecError.truncatedInput(codec: .zstd)
        }
        var failure: Int?
        var produced = 0
        // One spare byte: a frame that holds more than `expectedSize` bytes fills it (or fails with
        // "destination too small") instead of being silently cut.
        try output.appendUninitialized(expectedSize + 1) { dst in
            let result = ZSTD_decompressDCtx(dctx, dst.baseAddress, dst.count, input.baseAddress, input.count)
            if isError(result) { failure = result; return 0 }
            produced = result
            return Swift.min(result, expectedSize)
        }
        if let failure {
            let name = errorName(failure)
            if name.contains("Destination buffer is too small") {
                throw CodecError.sizeMismatch(codec: .zstd, expected: expectedSize, actual: expectedSize + 1)
            }
            if name.contains("Src size is incorrect") || name.contains("truncated") {
                throw CodecError.truncatedInput(codec: .zstd)
            }
            throw CodecError.corruptInput(codec: .zstd, detail: name)
        }
        guard produced == expectedSize else {
            output.removeLast(Swift.min(produced, expectedSize))
            throw CodecError.sizeMismatch(codec: .zstd, expected: expectedSize, actual: produced)
        }
    }
}

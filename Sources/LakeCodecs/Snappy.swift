import CSnappy

/// Snappy raw block format via libsnappy. Decoding validates every back-reference (the library's
/// `snappy_uncompress` never reads or writes out of bounds and reports corrupt input).
enum Snappy {
    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws -> Int {
        guard input.count <= Int(UInt32.max) else { throw CodecError.inputTooLarge(codec: .snappy, size: input.count) }
        let bound = snappy_max_compressed_length(input.count)
        let start = output.count
        var produced = 0
        var status = SNAPPY_OK
        try output.appendUninitialized(bound) { dst in
            var length = bound
            status = snappy_compress(
                input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyCString, input.count,
                dst.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            produced = length
            return status == SNAPPY_OK ? length : 0
        }
        guard status == SNAPPY_OK else {
            output.removeSubrange(start...)
            throw CodecError.libraryFailure(codec: .snappy, detail: "snappy_compress status \(status.rawValue)")
        }
        return produced
    }

    /// The length the block's varint header declares.
    static func declaredLength(_ input: UnsafeRawBufferPointer) throws -> Int {
        var length = 0
        guard let base = input.baseAddress, snappy_uncompressed_length(base.assumingMemoryBound(to: CChar.self), input.count, &length) == SNAPPY_OK else {
            throw CodecError.corruptInput(codec: .snappy, detail: "invalid length header")
        }
        return length
    }

    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int, into output: inout [UInt8]) throws {
        let declared = try declaredLength(input)
        guard declared == expectedSize else {
            throw CodecError.sizeMismatch(codec: .snappy, expected: expectedSize, actual: declared)
        }
        try decode(input, length: declared, into: &output)
    }

    static func decompressUnknownSize(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], maxOutputSize: Int) throws {
        let declared = try declaredLength(input)
        guard declared <= maxOutputSize else { throw CodecError.outputTooLarge(codec: .snappy, limit: maxOutputSize) }
        try decode(input, length: declared, into: &output)
    }

    private static func decode(_ input: UnsafeRawBufferPointer, length: Int, into output: inout [UInt8]) throws {
        guard let base = input.baseAddress else { throw CodecError.truncatedInput(codec: .snappy) }
        // Snappy expands at most ~64x per 2-byte copy op; a header claiming more is corrupt, and
        // checking first avoids allocating for a lie.
        guard length <= input.count &* 64 &+ 64 else {
            throw CodecError.corruptInput(codec: .snappy, detail: "declared length \(length) is impossible for \(input.count) input bytes")
        }
        let start = output.count
        var status = SNAPPY_OK
        var produced = 0
        try output.appendUninitialized(length) { dst in
            var outLength = length
            status = snappy_uncompress(base.assumingMemoryBound(to: CChar.self), input.count,
                                       dst.baseAddress?.assumingMemoryBound(to: CChar.self) ?? mutableScratch, &outLength)
            produced = outLength
            return status == SNAPPY_OK ? outLength : 0
        }
        guard status == SNAPPY_OK, produced == length else {
            output.removeSubrange(start...)
            if status == SNAPPY_OK { throw CodecError.sizeMismatch(codec: .snappy, expected: length, actual: produced) }
            throw CodecError.corruptInput(codec: .snappy, detail: "invalid compressed block")
        }
    }
}

/// Non-null pointers for zero-length C calls (the libraries reject NULL even when the length is 0).
nonisolated(unsafe) let emptyCStringStorage = UnsafeMutablePointer<CChar>.allocate(capacity: 8)
var emptyCString: UnsafePointer<CChar> { UnsafePointer(emptyCStringStorage) }
var mutableScratch: UnsafeMutablePointer<CChar> { emptyCStringStorage }

extension Array where Element == UInt8 {
    /// Appends room for `count` bytes, lets `body` fill a prefix of it and keeps exactly the number
    /// of bytes `body` returns. An empty array without enough capacity gets a fresh uninitialized
    /// buffer (memory a lying size header claims is then never touched); otherwise the tail is
    /// zero-filled in place so a reused buffer keeps its capacity.
    @inline(__always)
    mutating func appendUninitialized(_ count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        if isEmpty, capacity < count {
            var thrown: (any Error)?
            self = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                do {
                    initialized = Swift.min(count, Swift.max(0, try body(UnsafeMutableRawBufferPointer(buffer))))
                } catch {
                    thrown = error
                    initialized = 0
                }
            }
            if let thrown { throw thrown }
            return
        }
        let start = self.count
        append(contentsOf: repeatElement(0, count: count))
        var produced = 0
        do {
            produced = try withUnsafeMutableBytes { all in
                try body(UnsafeMutableRawBufferPointer(rebasing: all[start...]))
            }
        } catch {
            removeSubrange(start...)
            throw error
        }
        removeLast(count - Swift.min(count, Swift.max(0, produced)))
    }
}

import CSnappy
import CZlib
import CZstd

/// Compresses page payloads with the writer's codec into a reused output buffer, keeping one
/// codec context for the whole file (a zstd CCtx is ~1 MiB to set up; per page that cost
/// shows in the benchmark).
///
/// It calls the C libraries directly rather than LakeCodecs' one-shot API for that context reuse;
/// the formats are the same (raw snappy blocks, RFC 1952 gzip members, zstd frames).
struct PageCompressor {
    let codec: ParquetCodec
    let level: Int32
    private let zstd: ZstdContext?
    private let scratch = ScratchBuffer()
    /// Bytes of the last output.
    private(set) var outputCount = 0

    /// The last output; valid until the next call.
    var output: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: scratch.pointer, count: outputCount) }

    init(codec: ParquetCodec, level: Int?) throws {
        self.codec = codec
        switch codec {
        case .uncompressed, .snappy:
            self.level = 0
            zstd = nil
        case .zstd:
            let l = Int32(clamping: level ?? 1)
            guard l >= ZSTD_minCLevel(), l <= ZSTD_maxCLevel() else {
                throw ParquetError.invalidArgument("zstd level \(l) is outside \(ZSTD_minCLevel())...\(ZSTD_maxCLevel())")
            }
            self.level = l
            zstd = try ZstdContext()
        case .gzip:
            let l = Int32(clamping: level ?? 6)
            guard (0...9).contains(l) else { throw ParquetError.invalidArgument("gzip level \(l) is outside 0...9") }
            self.level = l
            zstd = nil
        default:
            throw ParquetError.unsupported("lakectl does not write \(codec) pages")
        }
    }

    /// Compresses `input` into ``output``.
    mutating func compress(_ input: UnsafeRawBufferPointer) throws {
        let level = self.level
        switch codec {
        case .uncompressed:
            let dst = scratch.reserve(input.count)
            if let src = input.baseAddress, input.count > 0 { dst.copyMemory(from: src, byteCount: input.count) }
            outputCount = input.count
        case .zstd:
            guard let zstd else { return }
            let bound = ZSTD_compressBound(input.count)
            let dst = scratch.reserve(bound)
            let n = ZSTD_compressCCtx(zstd.context, dst, bound, input.baseAddress, input.count, level)
            if ZSTD_isError(n) != 0 { throw ParquetError.io("zstd compression failed: \(String(cString: ZSTD_getErrorName(n)))") }
            outputCount = n
        case .snappy:
            let bound = snappy_max_compressed_length(input.count)
            let dst = scratch.reserve(bound)
            var length = bound
            let status = snappy_compress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                         dst.assumingMemoryBound(to: CChar.self), &length)
            guard status == SNAPPY_OK else { throw ParquetError.io("snappy compression failed (status \(status.rawValue))") }
            outputCount = length
        default:
            outputCount = try gzip(input)
        }
    }

    /// One RFC 1952 gzip member (windowBits 15 + 16), as Parquet's GZIP codec requires.
    private func gzip(_ input: UnsafeRawBufferPointer) throws -> Int {
        var stream = z_stream()
        let rc = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw ParquetError.io("gzip: deflateInit2 failed (\(rc))") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 64
        let dst = scratch.reserve(bound)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = dst.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(bound)
        let result = deflate(&stream, Z_FINISH)
        guard result == Z_STREAM_END else { throw ParquetError.io("gzip: deflate failed (\(result))") }
        return bound - Int(stream.avail_out)
    }
}

/// A growable raw buffer reused for every page's compressed output.
final class ScratchBuffer: @unchecked Sendable {
    private(set) var pointer: UnsafeMutableRawPointer
    private var capacity: Int

    init() {
        capacity = 1 << 16
        pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// At least `count` writable bytes (previous contents are not kept).
    func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if count > capacity {
            pointer.deallocate()
            capacity = max(count, capacity * 2)
            pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
        return pointer
    }

    deinit { pointer.deallocate() }
}

/// Owns a zstd compression context for the lifetime of a column writer.
final class ZstdContext: @unchecked Sendable {
    let context: OpaquePointer

    init() throws {
        guard let c = ZSTD_createCCtx() else { throw ParquetError.io("zstd: cannot create a compression context") }
        context = c
    }

    deinit { ZSTD_freeCCtx(context) }
}

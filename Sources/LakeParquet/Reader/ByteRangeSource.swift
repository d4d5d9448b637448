import Foundation
import LakeObjectStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random access to the bytes of one file or object: what the Parquet reader needs so that only
/// the footer and the column chunks it decodes are fetched.
public protocol ByteRangeSource: Sendable {
    /// The file's name or URL, for messages.
    var name: String { get }
    /// The size in bytes.
    func size() async throws -> Int64
    /// Exactly `length` bytes at `offset` (fewer only if the object ends first).
    func read(offset: Int64, length: Int) async throws -> [UInt8]
    /// The last `length` bytes (all of them if the object is smaller) and the object's size, in
    /// one request where the source allows it (an S3 suffix range).
    func readSuffix(length: Int) async throws -> (bytes: [UInt8], size: Int64)
}

extension ByteRangeSource {
    public func readSuffix(length: Int) async throws -> (bytes: [UInt8], size: Int64) {
        let size = try await size()
        let n = Int(min(Int64(length), size))
        return (try await read(offset: size - Int64(n), length: n), size)
    }
}

/// A local file read with `pread(2)`; the file stays open while the source lives.
public final class LocalFileSource: ByteRangeSource {
    public let name: String
    private let fd: Int32
    private let fileSize: Int64

    /// Opens `path` for reading.
    /// - Throws: ``ParquetError/io(_:)`` naming the path when it cannot be opened or is not a file.
    public init(path: String) throws {
        name = path
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            throw ParquetError.io("\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(descriptor, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw ParquetError.io("\(path): not a regular file")
        }
        fd = descriptor
        fileSize = Int64(st.st_size)
    }

    deinit { close(fd) }

    public func size() async throws -> Int64 { fileSize }

    public func read(offset: Int64, length: Int) async throws -> [UInt8] {
        try readSync(offset: offset, length: length)
    }

    /// The synchronous read behind ``read(offset:length:)``.
    public func readSync(offset: Int64, length: Int) throws -> [UInt8] {
        guard offset >= 0, length >= 0, offset <= fileSize else {
            throw ParquetError.io("\(name): read of \(length) bytes at \(offset) is outside the \(fileSize)-byte file")
        }
        let n = Int(min(Int64(length), fileSize - offset))
        var done = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            while done < n {
                let got = pread(fd, buffer.baseAddress.map { $0 + done }, n - done, off_t(offset) + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    initialized = done
                    throw ParquetError.io("\(name): read failed: \(String(cString: strerror(errno)))")
                }
                if got == 0 { break }
                done += got
            }
            initialized = done
        }
        return bytes
    }
}

/// An object in an ``ObjectStore``, read with ranged gets: the footer with one suffix request,
/// then one request per column chunk.
public struct ObjectStoreSource: ByteRangeSource {
    public let store: any ObjectStore
    public let key: ObjectKey

    public init(store: any ObjectStore, key: ObjectKey) {
        self.store = store
        self.key = key
    }

    public var name: String {
        store.description.hasSuffix("/") ? store.description + key : store.description + "/" + key
    }

    public func size() async throws -> Int64 { try await store.head(key).size }

    public func read(offset: Int64, length: Int) async throws -> [UInt8] {
        if length == 0 { return [] }
        return try await store.get(key, range: .bounded(offset: offset, length: Int64(length))).bytes
    }

    public func readSuffix(length: Int) async throws -> (bytes: [UInt8], size: Int64) {
        let result = try await store.get(key, range: .suffix(length: Int64(length)))
        return (result.bytes, result.meta.size)
    }
}

/// Bytes already in memory (tests, small files).
public struct InMemorySource: ByteRangeSource {
    public let name: String
    public let bytes: [UInt8]

    public init(name: String = "<memory>", bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    public func size() async throws -> Int64 { Int64(bytes.count) }

    public func read(offset: Int64, length: Int) async throws -> [UInt8] {
        guard offset >= 0, length >= 0, offset <= Int64(bytes.count) else {
            throw ParquetError.io("\(name): read of \(length) bytes at \(offset) is outside the \(bytes.count)-byte buffer")
        }
        let start = Int(offset)
        return Array(bytes[start..<min(bytes.count, start + length)])
    }
}

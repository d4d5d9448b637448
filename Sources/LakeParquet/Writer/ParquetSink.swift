#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a ``ParquetWriter`` puts its bytes, in order. Writes are synchronous and sequential;
/// ``close()`` is called once after the footer.
public protocol ParquetSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    func close() throws
}

extension ParquetSink {
    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
}

/// Collects the file in memory (tests, small files, uploads of one object).
public final class MemorySink: ParquetSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var isClosed = false
    public init() {}
    public func write(_ buffer: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: buffer) }
    public func close() throws { isClosed = true }
}

/// Writes to a local file through a 1 MiB buffer. The file is created (or truncated) on init.
public final class FileSink: ParquetSink {
    public let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferCapacity = 1 << 20

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ParquetError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(bufferCapacity)
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > bufferCapacity { try flush() }
        if bytes.count >= bufferCapacity {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public func close() throws {
        guard fd >= 0 else { return }
        try flush()
        let rc = posixClose(fd)
        fd = -1
        guard rc == 0 else { throw ParquetError.io("cannot close \(path): \(String(cString: strerror(errno)))") }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw ParquetError.io("\(path) is already closed") }
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let n = posixWrite(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError.io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}

@inline(__always) private func posixClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #else
    Darwin.close(fd)
    #endif
}

@inline(__always) private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, p, n)
    #else
    Darwin.write(fd, p, n)
    #endif
}

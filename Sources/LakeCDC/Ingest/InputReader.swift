import Foundation

/// Reads an input file descriptor in chunks; for pipes, waits with a timeout so timers still run.
final class InputReader {
    let name: String
    let fd: Int32
    let ownsFD: Bool
    /// A pipe, socket or terminal: cannot be replayed, so its bytes go through the spool.
    let isStream: Bool
    private(set) var eof = false
    private var scratch: [UInt8] = []

    init(path: String?) throws {
        if let path, path != "-" {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw IngestError(.usage, "cannot open input: \(String(cString: strerror(errno)))", input: path)
            }
            self.fd = fd
            ownsFD = true
            name = path
        } else {
            fd = 0
            ownsFD = false
            name = "-"
        }
        var st = stat()
        if fstat(fd, &st) == 0 {
            let type = st.st_mode & S_IFMT
            isStream = type == S_IFIFO || type == S_IFSOCK || type == S_IFCHR
        } else {
            isStream = true
        }
    }

    deinit { if ownsFD { close(fd) } }

    enum ReadResult { case data(Int), timeout, end }

    /// Appends up to `max` bytes to `buffer`; waits at most `timeout` seconds on a stream.
    func read(into buffer: inout [UInt8], max: Int, timeout: Double) throws -> ReadResult {
        if eof { return .end }
        if isStream {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(Swift.max(0, Swift.min(timeout, 3600) * 1000))
            let r = poll(&p, 1, ms)
            if r == 0 { return .timeout }
            if r < 0 {
                if errno == EINTR { return .timeout }
                throw IngestError(.io, "poll: \(String(cString: strerror(errno)))", input: name)
            }
        }
        if scratch.count < max { scratch = [UInt8](repeating: 0, count: max) }
        let n = scratch.withUnsafeMutableBytes { raw in Foundation.read(fd, raw.baseAddress!, max) }
        if n < 0 {
            let e = errno
            if e == EINTR || e == EAGAIN { return .timeout }
            throw IngestError(.io, "read: \(String(cString: strerror(e)))", input: name)
        }
        if n == 0 {
            eof = true
            return .end
        }
        let got = n
        scratch.withUnsafeBufferPointer { buffer.append(contentsOf: $0[0..<got]) }
        return .data(got)
    }
}

/// Set by the SIGTERM/SIGINT handler; the ingest loop flushes and stops when it sees it.
nonisolated(unsafe) var ingestTerminationRequested: sig_atomic_t = 0

enum TerminationSignals {
    static func install() {
        signal(SIGTERM) { _ in ingestTerminationRequested = 1 }
        signal(SIGINT) { _ in ingestTerminationRequested = 1 }
        signal(SIGPIPE, SIG_IGN)
    }

    static var requested: Bool { ingestTerminationRequested != 0 }
}

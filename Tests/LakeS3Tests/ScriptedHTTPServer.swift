import Foundation
import Synchronization

/// A minimal HTTP/1.1 server on 127.0.0.1 for fault injection: each connection carries one
/// request, answered by `respond` (method, target, attempt number) with a status, headers and
/// body — or `nil` to drop the connection without answering (a reset mid-request).
/// It stands in for the failures a real server cannot be made to produce on demand (503
/// SlowDown, a connection reset after the request was sent).
final class ScriptedHTTPServer: @unchecked Sendable {
    struct Reply {
        var status: Int
        var headers: [(String, String)] = []
        var body: String = ""
    }
    struct Received {
        var method: String
        var target: String
        var headers: [String: String]
    }

    let port: Int
    private let fd: Int32
    private let log = Mutex<[Received]>([])
    private let respond: @Sendable (Received, Int) -> Reply?

    var requests: [Received] { log.withLock { $0 } }

    init(respond: @escaping @Sendable (Received, Int) -> Reply?) throws {
        self.respond = respond
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// Stops accepting (the accept loop ends when the socket is shut down).
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(client)
        }
    }

    private func handle(_ client: Int32) {
        defer { close(client) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        while headerEnd == nil {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            data.append(contentsOf: buffer[0..<n])
            if let range = data.firstRange(of: Array("\r\n\r\n".utf8)) { headerEnd = range.upperBound }
        }
        guard let headerEnd else { return }
        let head = String(decoding: data[0..<headerEnd], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyLength = Int(headers["content-length"] ?? "0") ?? 0
        while data.count - headerEnd < bodyLength {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            data.append(contentsOf: buffer[0..<n])
        }
        let received = Received(method: requestLine.count > 0 ? String(requestLine[0]) : "",
                                target: requestLine.count > 1 ? String(requestLine[1]) : "", headers: headers)
        let attempt = log.withLock { log in
            log.append(received)
            return log.count
        }
        guard let reply = respond(received, attempt) else { return }  // drop: no answer
        var text = "HTTP/1.1 \(reply.status) X\r\nConnection: close\r\nContent-Length: \(reply.body.utf8.count)\r\n"
        for (name, value) in reply.headers { text += "\(name): \(value)\r\n" }
        text += "\r\n" + (received.method == "HEAD" ? "" : reply.body)
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            sent += n
        }
    }

    static func errorBody(_ code: String, _ message: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>\(message)</Message></Error>"
    }
}

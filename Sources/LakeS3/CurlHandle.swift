import CCurl
import Foundation
import LakeObjectStore
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request for ``HTTPClient``.
struct HTTPRequest: Sendable {
    var method: String
    /// Fully encoded URL.
    var url: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Where a successful (2xx) response body goes instead of memory: written into this file region
    /// as it arrives. Error bodies still come back in ``HTTPResponse/body``.
    var sink: FileRegion? = nil
}

/// One HTTP response.
struct HTTPResponse: Sendable {
    var status: Int
    /// Header values by lower-case name (the last one wins).
    var headers: [String: String]
    var body: [UInt8]
    /// Bytes written to the request's ``HTTPRequest/sink``.
    var streamedBytes: Int64 = 0
}

/// A failure below HTTP: the request got no complete response.
struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        /// No connection was made, so the server saw nothing: always safe to retry.
        case connect
        /// The transfer timed out or stalled; the server may have acted on the request.
        case timeout
        /// The connection broke mid-exchange; the server may have acted on the request.
        case reset
        /// TLS or certificate problems, bad URLs and other failures that a retry will not fix.
        case fatal
    }
    var kind: Kind
    var message: String
    var description: String { message }
}

/// Per-transfer state reached from libcurl's C callbacks through the `userdata` pointer.
private final class TransferState {
    let upload: [UInt8]
    var uploadOffset = 0
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var status = 0
    let sink: FileRegion?
    var streamed: Int64 = 0
    /// Why the write callback stopped the transfer.
    var sinkFailure: (any Error)?

    init(upload: [UInt8], sink: FileRegion?) {
        self.upload = upload
        self.sink = sink
    }

    /// Whether the body goes to the sink: only a successful answer's body (an error document
    /// is read from memory).
    var streaming: Bool { sink != nil && (200..<300).contains(status) }

    /// Writes one chunk of the body at its place in the sink; false (and `sinkFailure`) on failure.
    func stream(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let sink else { return false }
        if let limit = sink.maxLength, streamed + Int64(bytes.count) > limit {
            sinkFailure = HTTPTransportError(kind: .fatal, message: "the server sent more than the \(limit) bytes asked for")
            return false
        }
        var done = 0
        while done < bytes.count, let base = bytes.baseAddress {
            let n = pwrite(sink.descriptor, base + done, bytes.count - done, off_t(sink.offset + streamed) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                sinkFailure = LocalFileWriteError(code: code, message: String(cString: strerror(code)))
                return false
            }
            done += n
        }
        streamed += Int64(bytes.count)
        return true
    }
}

/// A libcurl easy handle. A handle is used by one thread at a time (``HTTPClient`` checks it out
/// of a pool); reusing it keeps its connection alive for the next request to the same host.
final class CurlHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer

    private static let globalInit: Bool = {
        curl_global_init(3 /* CURL_GLOBAL_ALL */) == CURLE_OK
    }()

    init() throws {
        guard Self.globalInit, let handle = curl_easy_init() else {
            throw HTTPTransportError(kind: .fatal, message: "libcurl could not be initialised")
        }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    struct Options {
        var connectTimeout: Double
        var lowSpeedTime: Double
        /// Cut-off for the whole transfer, in seconds.
        var totalTimeout: Double
        var caBundle: String?
    }

    /// Performs `request` synchronously (call it off the cooperative thread pool).
    func perform(_ request: HTTPRequest, options: Options) throws -> HTTPResponse {
        curl_easy_reset(handle)  // keeps the connection cache, drops the previous request's options
        let state = TransferState(upload: request.body, sink: request.sink)
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }
        let context = unmanaged.toOpaque()
        // libcurl writes into this buffer during perform, so it needs a stable address.
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        var setupFailure: CURLcode = CURLE_OK
        func check(_ code: CURLcode) { if code != CURLE_OK && setupFailure == CURLE_OK { setupFailure = code } }

        check(lake_curl_setopt_str(handle, CURLOPT_URL, request.url))
        check(lake_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        check(lake_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1))
        check(lake_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        check(lake_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        // Larger transfer buffers than libcurl's defaults (16 KiB down, 64 KiB up): fewer
        // callbacks and system calls on multi-megabyte objects.
        check(lake_curl_setopt_long(handle, CURLOPT_BUFFERSIZE, 512 * 1024))
        check(lake_curl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 512 * 1024))
        check(lake_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        check(lake_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        if let bundle = options.caBundle { check(lake_curl_setopt_str(handle, CURLOPT_CAINFO, bundle)) }
        check(lake_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(max(1, options.connectTimeout * 1000))))
        check(lake_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
        check(lake_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, Int(max(1, options.lowSpeedTime.rounded(.up)))))
        check(lake_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(max(1, options.totalTimeout * 1000))))
        check(lake_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        check(lake_curl_setopt_write(handle, { data, size, count, context in
            guard let data, let context else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            if state.streaming {
                // A return value other than `length` makes libcurl stop with CURLE_WRITE_ERROR.
                return state.stream(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            }
            data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                state.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
            }
            return length
        }))
        check(lake_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, context))
        check(lake_curl_setopt_header(handle, { data, size, count, context in
            guard let data, let context else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            let line = data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
            }
            if line.hasPrefix("HTTP/") {
                // A new response (after `100 Continue` or similar): start over.
                state.headers = [:]
                let parts = line.split(separator: " ", maxSplits: 2)
                state.status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                state.headers[name] = value
                if name == "content-length", !state.streaming, let expected = Int(value), expected > 0, expected <= 1 << 32 {
                    state.body.reserveCapacity(expected)
                }
            }
            return length
        }))
        check(lake_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, context))

        switch request.method {
        case "GET":
            check(lake_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        case "HEAD":
            check(lake_curl_setopt_long(handle, CURLOPT_NOBODY, 1))
        default:
            if request.method == "PUT" || request.method == "POST" {
                // Upload from memory through the read callback, with a known length.
                check(lake_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
                check(lake_curl_setopt_int64(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.count)))
                check(lake_curl_setopt_read(handle, { buffer, size, count, context in
                    guard let buffer, let context else { return 0 }
                    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
                    let length = min(size * count, state.upload.count - state.uploadOffset)
                    if length > 0 {
                        state.upload.withUnsafeBytes { source in
                            UnsafeMutableRawPointer(buffer).copyMemory(
                                from: source.baseAddress! + state.uploadOffset, byteCount: length)
                        }
                        state.uploadOffset += length
                    }
                    return length
                }))
                check(lake_curl_setopt_ptr(handle, CURLOPT_READDATA, context))
            }
            check(lake_curl_setopt_str(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // No `Expect: 100-continue` round trip; no default Accept header.
        headerList = curl_slist_append(headerList, "Expect:")
        headerList = curl_slist_append(headerList, "Accept:")
        check(lake_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)))
        if setupFailure != CURLE_OK {
            throw HTTPTransportError(kind: .fatal, message: "libcurl rejected an option: \(String(cString: curl_easy_strerror(setupFailure)))")
        }

        let code = curl_easy_perform(handle)
        if let failure = state.sinkFailure { throw failure }
        if code != CURLE_OK {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw HTTPTransportError(kind: Self.kind(of: code), message: message)
        }
        var status = 0
        _ = lake_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status == 0 ? state.status : status, headers: state.headers, body: state.body,
                            streamedBytes: state.streamed)
    }

    private static func kind(of code: CURLcode) -> HTTPTransportError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            .connect
        case CURLE_OPERATION_TIMEDOUT:
            .timeout
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            .reset
        // A reused connection reset during an upload: curl cannot rewind the body (no seek callback)
        // to resend it itself. The request is intact, so it is a retryable reset; the next attempt
        // sends the body from the start.
        case CURLE_SEND_FAIL_REWIND:
            .reset
        default:
            .fatal
        }
    }
}

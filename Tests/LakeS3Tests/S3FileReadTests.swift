import Foundation
import LakeObjectStore
import Testing
@testable import LakeS3
#if canImport(Glibc)
import Glibc
#endif

/// `S3Store.read(_:range:ifMatch:into:)`: object bytes streamed into a local file, against the real
/// test server.
@Suite struct S3FileReadTests {
    /// A fresh empty file, open for writing, removed when `body` returns.
    func withTemporaryFile<T>(_ body: (Int32, String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-read-\(UUID().uuidString)").path
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        try #require(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        return try await body(fd, path)
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: (count + 7) / 8 * 8)
        bytes.withUnsafeMutableBytes { buffer in
            for start in stride(from: 0, to: buffer.count, by: 8) {
                buffer.storeBytes(of: generator.next(), toByteOffset: start, as: UInt64.self)
            }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// A multipart object read as parallel ranged parts into one file equals its bytes; so does a
    /// whole-object read, and the multipart ETag works as `If-Match`.
    @Test func partsOfAMultipartObjectFillTheFile() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let store = try server.store()
        let bytes = randomBytes(11 * 1024 * 1024 + 777)
        let upload = try await store.startMultipartUpload("big.bin", options: .overwrite)
        for (index, start) in stride(from: 0, to: bytes.count, by: 5 * 1024 * 1024).enumerated() {
            try await upload.uploadPart(number: index + 1, bytes: Array(bytes[start..<min(start + 5 * 1024 * 1024, bytes.count)]))
        }
        _ = try await upload.complete()
        let meta = try await store.head("big.bin")
        #expect(meta.eTag?.hasSuffix("-3") == true)
        let step: Int64 = 3 * 1024 * 1024 + 5
        try await withTemporaryFile { fd, path in
            let total = try await withThrowingTaskGroup(of: Int64.self) { group in
                for offset in stride(from: Int64(0), to: meta.size, by: Int(step)) {
                    let length = min(step, meta.size - offset)
                    group.addTask {
                        let written = try await store.read("big.bin", range: .bounded(offset: offset, length: length), ifMatch: meta.eTag,
                                                           into: FileRegion(descriptor: fd, offset: offset, maxLength: length))
                        #expect(written == length)
                        return written
                    }
                }
                var total: Int64 = 0
                for try await written in group { total += written }
                return total
            }
            #expect(total == Int64(bytes.count))
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        }
        try await withTemporaryFile { fd, path in
            let written = try await store.read("big.bin", range: nil, ifMatch: nil, into: FileRegion(descriptor: fd, offset: 0, maxLength: nil))
            #expect(written == Int64(bytes.count))
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        }
    }

    /// Failures: a changed ETag, a missing key, a range the region cannot hold and a file that cannot
    /// be written are each their own error, and an error body never lands in the file.
    @Test func failuresAreNamedAndWriteNothing() async throws {
        guard let server = TestS3Server.fromEnvironment() else { return }
        let store = try server.store()
        let bytes = randomBytes(100_000)
        try await store.put("small.bin", bytes: bytes)
        try await withTemporaryFile { fd, path in
            let region = FileRegion(descriptor: fd, offset: 0, maxLength: nil)
            await #expect {
                _ = try await store.read("small.bin", range: .bounded(offset: 10, length: 100), ifMatch: "0123456789abcdef", into: region)
            } throws: { error in
                let error = try #require(error as? ObjectStoreError)
                return error.code == .preconditionFailed && error.description.contains("small.bin") && error.message.contains("changed")
            }
            await #expect {
                _ = try await store.read("missing.bin", range: nil, ifMatch: nil, into: region)
            } throws: { error in
                let error = try #require(error as? ObjectStoreError)
                return error.code == .notFound && error.description.contains("missing.bin")
            }
            await #expect {
                _ = try await store.read("small.bin", range: .bounded(offset: 0, length: 1000), ifMatch: nil,
                                         into: FileRegion(descriptor: fd, offset: 0, maxLength: 10))
            } throws: { error in
                (error as? ObjectStoreError)?.message.contains("more than the 10 bytes") == true
            }
            var size = stat()
            #expect(fstat(fd, &size) == 0 && size.st_size <= 10, "\(path) got an error body or more than the region")
        }
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        await #expect(throws: LocalFileWriteError.self) {
            _ = try await store.read("small.bin", range: nil, ifMatch: nil, into: FileRegion(descriptor: full, offset: 0, maxLength: nil))
        }
    }
}

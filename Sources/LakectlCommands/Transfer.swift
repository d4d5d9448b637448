import Foundation
import LakeObjectStore
#if canImport(Glibc)
import Glibc
#endif

/// Copies files between the local disk and a store: small objects in one request, large ones in
/// parallel parts (multipart uploads, ranged downloads), many files with bounded parallelism.
struct Transfer: Sendable {
    let store: any ObjectStore
    var parallelism: Int
    var multipartThreshold: Int = 64 * 1024 * 1024
    var partSize: Int = 16 * 1024 * 1024

    struct LocalFileError: Error, LocalizedError {
        let path: String
        let message: String
        var errorDescription: String? { "\(path): \(message)" }
    }

    func uploadFile(localPath: String, key: String, mode: PutMode) async throws {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: localPath)
        } catch {
            throw LocalFileError(path: localPath, message: "cannot read the file (\(error.localizedDescription))")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        if size <= multipartThreshold || mode == .createOnly && store.minimumPartSize > size {
            guard let data = FileManager.default.contents(atPath: localPath) else {
                throw LocalFileError(path: localPath, message: "cannot read the file")
            }
            try await store.put(key, bytes: [UInt8](data), options: PutOptions(mode: mode))
            return
        }
        guard let handle = FileHandle(forReadingAtPath: localPath) else {
            throw LocalFileError(path: localPath, message: "cannot open the file for reading")
        }
        defer { try? handle.close() }
        try await store.putMultipart(key, chunks: FileChunks(handle: handle, chunkSize: partSize),
                                     partSize: partSize, parallelism: parallelism, options: PutOptions(mode: mode))
    }

    /// Uploads every regular file below `localFolder` to `prefix` + its relative path; returns the count.
    func uploadTree(localFolder: String, prefix: String, mode: PutMode) async throws -> Int {
        let root = URL(fileURLWithPath: localFolder).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw LocalFileError(path: localFolder, message: "cannot read the folder")
        }
        var files: [(String, String)] = []
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count).drop(while: { $0 == "/" }))
            files.append((url.path, prefix + relative))
        }
        try await forEach(files) { try await uploadFile(localPath: $0.0, key: $0.1, mode: mode) }
        return files.count
    }

    /// Downloads one object to `localPath`. The bytes go to a staging file next to it, renamed to
    /// `localPath` only when complete, so a failure never leaves a partial file under that name.
    func downloadFile(key: String, localPath: String) async throws {
        let meta = try await store.head(key)
        let folder = (localPath as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let staging = localPath + ".lakectl-download-\(UUID().uuidString)"
        let fd = open(staging, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LocalFileError(path: localPath, message: "cannot create the file (\(String(cString: strerror(errno))))")
        }
        do {
            // Like s3transfer: objects larger than one part come down as parallel ranged GETs, each
            // written at its offset (with a streaming store, straight from the network buffers).
            if meta.size <= Int64(partSize) {
                try await downloadRange(key: key, range: nil, eTag: meta.eTag, fd: fd, localPath: localPath)
            } else {
                let step = Int64(partSize)
                let ranges = stride(from: Int64(0), to: meta.size, by: Int(step)).map { ($0, Swift.min(step, meta.size - $0)) }
                try await forEach(ranges) { (range: (Int64, Int64)) in
                    try await downloadRange(key: key, range: range, eTag: meta.eTag, fd: fd, localPath: localPath)
                }
            }
            guard close(fd) == 0 else {
                throw LocalFileError(path: localPath, message: String(cString: strerror(errno)))
            }
            guard rename(staging, localPath) == 0 else {
                throw LocalFileError(path: localPath, message: String(cString: strerror(errno)))
            }
        } catch {
            close(fd)
            unlink(staging)
            throw error
        }
    }

    /// Writes `range` (offset, length) of `key`, or the whole object, into `fd` at the same offset.
    private func downloadRange(key: String, range: (Int64, Int64)?, eTag: String?, fd: Int32, localPath: String) async throws {
        let offset = range?.0 ?? 0
        if let streaming = store as? any FileReadingStore {
            let written: Int64
            do {
                written = try await streaming.read(key, range: range.map { .bounded(offset: $0.0, length: $0.1) }, ifMatch: eTag,
                                                   into: FileRegion(descriptor: fd, offset: offset, maxLength: range?.1))
            } catch let error as LocalFileWriteError {
                throw LocalFileError(path: localPath, message: error.description)
            }
            if let range, written != range.1 {
                throw LocalFileError(path: localPath, message: "\(key) changed during the download "
                                     + "(\(written) bytes at offset \(offset) instead of \(range.1)); download it again")
            }
            return
        }
        let bytes: [UInt8]
        if let range {
            bytes = try await store.getRange(key, offset: range.0, length: range.1)
        } else {
            bytes = try await store.get(key)
        }
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count, let base = buffer.baseAddress {
                let n = pwrite(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LocalFileError(path: localPath, message: String(cString: strerror(errno)))
                }
                done += n
            }
        }
    }

    /// Downloads every object below `prefix` into `localFolder`; returns the count.
    func downloadTree(prefix: String, localFolder: String) async throws -> Int {
        let objects = try await store.listAll(prefix: prefix)
        try await forEach(objects) { meta in
            let relative = String(meta.key.dropFirst(prefix.count))
            try await downloadFile(key: meta.key, localPath: (localFolder as NSString).appendingPathComponent(relative))
        }
        return objects.count
    }

    /// Runs `body` on every item with at most `parallelism` in flight; the first error cancels the rest.
    private func forEach<Item: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for item in items {
                if inFlight >= max(1, parallelism) {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask { try await body(item) }
                inFlight += 1
            }
            try await group.waitForAll()
        }
    }
}

/// A local file read as a sequence of chunks, for streaming multipart uploads.
struct FileChunks: AsyncSequence, @unchecked Sendable {
    typealias Element = [UInt8]
    let handle: FileHandle
    let chunkSize: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let chunkSize: Int
        mutating func next() async throws -> [UInt8]? {
            guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else { return nil }
            return [UInt8](data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, chunkSize: chunkSize) }
}

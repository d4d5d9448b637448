import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An object store in a local folder: the embedded default, for plain paths and `file://` URLs.
///
/// Keys map to files below ``root``. Writes are atomic and durable: the bytes go to a staging
/// file in the target's folder, are fsynced, and then appear under their name in one step —
/// `rename(2)` for an overwrite, `link(2)` for a create-only put, so that of several processes
/// racing on one key exactly one wins — followed by an fsync of the folder. A reader therefore
/// never sees a partly written object, even after a crash. Listing returns keys in S3 order
/// (byte-wise), skipping staging files, and empty folders do not exist as far as keys go.
public struct LocalFolderStore: ObjectStore {
    /// The folder every key is relative to.
    public let root: URL
    private let rootPath: String

    /// - Parameter root: the folder (need not exist yet: it is created on first write).
    public init(root: URL) {
        self.root = root.standardizedFileURL
        var path = self.root.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        rootPath = path
    }

    /// A store rooted at a path (relative paths resolve against the current directory).
    public init(path: String) {
        let url: URL
        if path.hasPrefix("/") {
            url = URL(fileURLWithPath: path, isDirectory: true)
        } else {
            url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
                .appendingPathComponent(path, isDirectory: true)
        }
        self.init(root: url)
    }

    public var description: String { rootPath }
    public var minimumPartSize: Int { 1 }

    private func path(for key: ObjectKey) -> String {
        rootPath == "/" ? "/" + key : rootPath + "/" + key
    }

    // MARK: get / head

    public func get(_ key: ObjectKey, range: ByteRange?) async throws -> GetResult {
        try ObjectKeyValidation.validate(key, operation: "get")
        let file = path(for: key)
        let fd = try Syscall.openForReading(file, operation: "get", key: key)
        defer { close(fd) }
        let meta = try statMeta(fd: fd, key: key, operation: "get")
        let (offset, length) = try resolve(range, size: meta.size, key: key)
        // Read straight into uninitialized storage: zero-filling first would touch every page twice.
        var failure: Int32?
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, initialized in
            var done = 0
            while done < buffer.count, let base = buffer.baseAddress {
                let n = pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }  // the file shrank under us
                done += n
            }
            initialized = done
        }
        if let failure { throw Syscall.error(failure, operation: "get", key: key) }
        return GetResult(bytes: bytes, meta: meta)
    }

    public func head(_ key: ObjectKey) async throws -> ObjectMeta {
        try ObjectKeyValidation.validate(key, operation: "head")
        let fd = try Syscall.openForReading(path(for: key), operation: "head", key: key)
        defer { close(fd) }
        return try statMeta(fd: fd, key: key, operation: "head")
    }

    private func statMeta(fd: Int32, key: String, operation: String) throws -> ObjectMeta {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Syscall.error(errno, operation: operation, key: key) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw ObjectStoreError(.notFound, operation: operation, key: key, message: "no such object (it is a folder)")
        }
        return Self.meta(key: key, st: st)
    }

    private static func meta(key: String, st: stat) -> ObjectMeta {
        let seconds = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        // Not content-derived (that would cost a read), but changes whenever the file is replaced.
        let tag = String(UInt64(bitPattern: Int64(st.st_ino)), radix: 16) + "-"
            + String(UInt64(bitPattern: Int64(st.st_size)), radix: 16) + "-"
            + String(UInt64(bitPattern: Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)), radix: 16)
        return ObjectMeta(key: key, size: Int64(st.st_size), lastModified: Date(timeIntervalSince1970: seconds), eTag: tag)
    }

    private func resolve(_ range: ByteRange?, size: Int64, key: String) throws -> (Int64, Int64) {
        guard let range else { return (0, size) }
        func invalid(_ message: String) -> ObjectStoreError {
            ObjectStoreError(.invalidArgument, operation: "get", key: key, serverCode: "InvalidRange", message: message)
        }
        switch range {
        case .bounded(let offset, let length):
            guard offset >= 0, length >= 0 else { throw invalid("negative range") }
            guard offset < size || (offset == 0 && size == 0) else {
                throw invalid("range starts at \(offset) but the object has \(size) bytes")
            }
            return (offset, min(length, size - offset))
        case .from(let offset):
            guard offset >= 0 else { throw invalid("negative range") }
            guard offset < size || (offset == 0 && size == 0) else {
                throw invalid("range starts at \(offset) but the object has \(size) bytes")
            }
            return (offset, size - offset)
        case .suffix(let length):
            guard length >= 0 else { throw invalid("negative suffix length") }
            let n = min(length, size)
            return (size - n, n)
        }
    }

    // MARK: put

    @discardableResult
    public func put(_ key: ObjectKey, bytes: [UInt8], options: PutOptions) async throws -> PutResult {
        try ObjectKeyValidation.validate(key, operation: "put")
        let target = path(for: key)
        let folder = (target as NSString).deletingLastPathComponent
        try Syscall.makeFolders(folder, operation: "put", key: key)
        let staging = try Syscall.writeStagingFile(in: folder, bytes: bytes, operation: "put", key: key)
        return try publish(staging: staging, target: target, folder: folder, key: key, mode: options.mode, operation: "put")
    }

    /// Moves a fully written, fsynced staging file to its key, atomically.
    fileprivate func publish(staging: String, target: String, folder: String, key: String,
                             mode: PutMode, operation: String) throws -> PutResult {
        defer { unlink(staging) } // after a link the staging name is an extra name; after a rename it is gone
        switch mode {
        case .overwrite:
            if rename(staging, target) != 0 {
                let code = errno
                if code == EISDIR {
                    throw ObjectStoreError(.invalidArgument, operation: operation, key: key,
                                           message: "a folder already has this name, so it cannot be an object")
                }
                throw Syscall.error(code, operation: operation, key: key)
            }
        case .createOnly:
            if link(staging, target) != 0 {
                let code = errno
                if code == EEXIST {
                    throw ObjectStoreError(.alreadyExists, operation: operation, key: key,
                                           message: "an object with this key already exists")
                }
                throw Syscall.error(code, operation: operation, key: key)
            }
        }
        try Syscall.fsyncFolder(folder, operation: operation, key: key)
        var st = stat()
        guard stat(target, &st) == 0 else { throw Syscall.error(errno, operation: operation, key: key) }
        return PutResult(eTag: Self.meta(key: key, st: st).eTag)
    }

    // MARK: delete

    public func delete(_ key: ObjectKey) async throws {
        try ObjectKeyValidation.validate(key, operation: "delete")
        let target = path(for: key)
        if unlink(target) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            if code == EISDIR { return } // a "folder" is not an object: nothing to delete
            throw Syscall.error(code, operation: "delete", key: key)
        }
        removeEmptyFolders(above: target)
    }

    public func delete(keys: [ObjectKey]) async throws {
        for key in keys { try await delete(key) }
    }

    /// S3 has no empty folders: remove the ones a delete leaves, up to (not including) the root.
    private func removeEmptyFolders(above file: String) {
        var folder = (file as NSString).deletingLastPathComponent
        while folder.count > rootPath.count, folder.hasPrefix(rootPath) {
            if rmdir(folder) != 0 { return }
            folder = (folder as NSString).deletingLastPathComponent
        }
    }

    // MARK: list

    public func list(_ options: ListOptions) async throws -> ListResult {
        try ObjectKeyValidation.validatePrefix(options.prefix, operation: "list")
        if let delimiter = options.delimiter, delimiter.isEmpty {
            throw ObjectStoreError(.invalidArgument, operation: "list", key: options.prefix, message: "empty delimiter")
        }
        let maxKeys = max(1, min(options.maxKeys, 1000))
        // Resume after whichever is later: start-after, or the last entry of the previous page.
        var after = options.startAfter ?? ""
        if let token = options.continuationToken {
            guard let decoded = ListToken(token) else {
                throw ObjectStoreError(.invalidArgument, operation: "list", key: options.prefix,
                                       message: "invalid continuation token")
            }
            if decoded.after.utf8.lexicographicallyPrecedes(after.utf8) == false { after = decoded.after }
        }

        var walker = FolderWalker(rootPath: rootPath, prefix: options.prefix, after: after)
        var objects: [ObjectMeta] = []
        var prefixes: [String] = []
        var lastEmitted: String?
        var more = false
        while let (key, st) = walker.next() {
            if let delimiter = options.delimiter {
                let rest = key.utf8.dropFirst(options.prefix.utf8.count)
                if let r = String(Substring(rest)).range(of: delimiter) {
                    let common = options.prefix + String(String(Substring(rest))[..<r.upperBound])
                    if prefixes.last == common { continue }
                    if objects.count + prefixes.count == maxKeys { more = true; break }
                    prefixes.append(common)
                    lastEmitted = common + "\u{10FFFF}"  // resume after everything under this prefix
                    walker.skip(past: common)
                    continue
                }
            }
            if objects.count + prefixes.count == maxKeys { more = true; break }
            objects.append(Self.meta(key: key, st: st))
            lastEmitted = key
        }
        if let error = walker.error { throw error }
        let token = more ? lastEmitted.map { ListToken(after: $0).encoded } : nil
        return ListResult(objects: objects, commonPrefixes: prefixes, nextContinuationToken: token)
    }

    // MARK: multipart

    public func startMultipartUpload(_ key: ObjectKey, options: PutOptions) async throws -> any MultipartUpload {
        try ObjectKeyValidation.validate(key, operation: "multipart upload")
        let target = path(for: key)
        let folder = (target as NSString).deletingLastPathComponent
        try Syscall.makeFolders(folder, operation: "multipart upload", key: key)
        let parts = folder + "/" + ObjectKeyValidation.stagingMarker + UUID().uuidString + ".parts"
        guard mkdir(parts, 0o755) == 0 else { throw Syscall.error(errno, operation: "multipart upload", key: key) }
        return LocalMultipartUpload(store: self, key: key, target: target, folder: folder, partsFolder: parts, mode: options.mode)
    }
}

/// A multipart upload into a local folder: parts are files in a hidden staging folder next to
/// the target, concatenated into a staging file and published on completion.
struct LocalMultipartUpload: MultipartUpload {
    let store: LocalFolderStore
    let key: String
    let target: String
    let folder: String
    let partsFolder: String
    let mode: PutMode

    func uploadPart(number: Int, bytes: [UInt8]) async throws {
        guard number >= 1, number <= 10_000 else {
            throw ObjectStoreError(.invalidArgument, operation: "upload part", key: key, message: "part number \(number) is outside 1...10000")
        }
        let staging = try Syscall.writeStagingFile(in: partsFolder, bytes: bytes, operation: "upload part", key: key)
        guard rename(staging, partsFolder + "/part-" + String(format: "%05d", number)) == 0 else {
            let code = errno
            unlink(staging)
            throw Syscall.error(code, operation: "upload part", key: key)
        }
    }

    func complete() async throws -> PutResult {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: partsFolder)) ?? [])
            .filter { $0.hasPrefix("part-") }.sorted()
        let stagingPath = folder + "/" + ObjectKeyValidation.stagingMarker + UUID().uuidString
        let out = open(stagingPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw Syscall.error(errno, operation: "complete multipart upload", key: key) }
        do {
            for name in names {
                let bytes = try Syscall.readWholeFile(partsFolder + "/" + name, operation: "complete multipart upload", key: key)
                try Syscall.writeAll(out, bytes, operation: "complete multipart upload", key: key)
            }
            guard fsync(out) == 0 else { throw Syscall.error(errno, operation: "complete multipart upload", key: key) }
            close(out)
        } catch {
            close(out)
            unlink(stagingPath)
            throw error
        }
        defer { try? FileManager.default.removeItem(atPath: partsFolder) }
        return try store.publish(staging: stagingPath, target: target, folder: folder, key: key, mode: mode,
                                 operation: "complete multipart upload")
    }

    func abort() async throws {
        try? FileManager.default.removeItem(atPath: partsFolder)
    }
}

/// A continuation token: the last key (or common prefix) of the previous page, hex-encoded so it
/// is opaque and survives any bytes in keys.
struct ListToken {
    let after: String
    init(after: String) { self.after = after }
    init?(_ encoded: String) {
        guard encoded.hasPrefix("v1:") else { return nil }
        var bytes: [UInt8] = []
        var chars = encoded.utf8.dropFirst(3).makeIterator()
        while let hi = chars.next() {
            guard let lo = chars.next(), let h = hexValue(hi), let l = hexValue(lo) else { return nil }
            bytes.append(h << 4 | l)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        after = text
    }
    var encoded: String {
        "v1:" + after.utf8.map { String(format: "%02x", $0) }.joined()
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    default: nil
    }
}

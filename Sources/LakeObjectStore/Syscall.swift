import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The local store's system calls, each retrying `EINTR` and mapping `errno` to
/// ``ObjectStoreError`` in one place.
enum Syscall {
    static func error(_ code: Int32, operation: String, key: String) -> ObjectStoreError {
        let text = String(cString: strerror(code))
        let name = errnoName(code)
        switch code {
        case ENOENT:
            return ObjectStoreError(.notFound, operation: operation, key: key, serverCode: name, message: "no such object")
        case EACCES, EPERM, EROFS:
            return ObjectStoreError(.accessDenied, operation: operation, key: key, serverCode: name,
                                    message: "\(text): check the folder's permissions")
        case EEXIST:
            return ObjectStoreError(.alreadyExists, operation: operation, key: key, serverCode: name, message: text)
        case ENOSPC, EDQUOT:
            return ObjectStoreError(.other, operation: operation, key: key, serverCode: name,
                                    message: "\(text): free space on the disk and retry; nothing was committed")
        case ENOTDIR, EISDIR, ENAMETOOLONG:
            return ObjectStoreError(.invalidArgument, operation: operation, key: key, serverCode: name,
                                    message: "\(text): a key cannot be both an object and a folder")
        case EIO:
            return ObjectStoreError(.transient, operation: operation, key: key, serverCode: name, message: text)
        default:
            return ObjectStoreError(.other, operation: operation, key: key, serverCode: name, message: text)
        }
    }

    private static func errnoName(_ code: Int32) -> String {
        switch code {
        case ENOENT: "ENOENT"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case EROFS: "EROFS"
        case EEXIST: "EEXIST"
        case ENOSPC: "ENOSPC"
        case EDQUOT: "EDQUOT"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case EIO: "EIO"
        default: "errno \(code)"
        }
    }

    static func openForReading(_ path: String, operation: String, key: String) throws -> Int32 {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            let code = errno
            if code == EINTR { continue }
            if code == ENOTDIR {
                throw ObjectStoreError(.notFound, operation: operation, key: key, serverCode: "ENOTDIR", message: "no such object")
            }
            throw error(code, operation: operation, key: key)
        }
    }

    /// `mkdir -p`, tolerating concurrent creators.
    static func makeFolders(_ folder: String, operation: String, key: String) throws {
        var st = stat()
        if stat(folder, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw error(ENOTDIR, operation: operation, key: key)
        }
        let parent = (folder as NSString).deletingLastPathComponent
        if parent != folder && !parent.isEmpty { try makeFolders(parent, operation: operation, key: key) }
        if mkdir(folder, 0o755) != 0 && errno != EEXIST { throw error(errno, operation: operation, key: key) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], operation: String, key: String) throws {
        var done = 0
        try bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw error(errno, operation: operation, key: key)
                }
                done += n
            }
        }
    }

    /// Writes `bytes` to a new, uniquely named, fsynced staging file in `folder`; returns its path.
    static func writeStagingFile(in folder: String, bytes: [UInt8], operation: String, key: String) throws -> String {
        let path = folder + "/" + ObjectKeyValidation.stagingMarker + UUID().uuidString
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error(errno, operation: operation, key: key) }
        do {
            try writeAll(fd, bytes, operation: operation, key: key)
            guard fsync(fd) == 0 else { throw error(errno, operation: operation, key: key) }
            guard close(fd) == 0 else { throw error(errno, operation: operation, key: key) }
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        return path
    }

    static func fsyncFolder(_ folder: String, operation: String, key: String) throws {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, operation: operation, key: key) }
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL { throw error(errno, operation: operation, key: key) }
    }

    static func readWholeFile(_ path: String, operation: String, key: String) throws -> [UInt8] {
        let fd = try openForReading(path, operation: operation, key: key)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw error(errno, operation: operation, key: key) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 { if errno == EINTR { continue }; throw error(errno, operation: operation, key: key) }
            if n == 0 { bytes.removeSubrange(done...); break }
            done += n
        }
        return bytes
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks a local folder tree and yields the regular files whose keys start with a prefix, in S3
/// key order (byte-wise UTF-8), after a given key.
///
/// Sorting each folder's entries by name — with `/` appended to folder names — and walking
/// depth-first yields keys in global byte order, because every key below folder `a` starts
/// with `a/`.
struct FolderWalker {
    private struct Level {
        var keyPrefix: String       // key prefix of the entries in this folder ("" or "a/b/")
        var entries: [(name: String, isFolder: Bool)]
        var index = 0
    }

    private let rootPath: String
    private let prefix: String
    private var after: String
    private var skipUnder: String?
    private var stack: [Level] = []
    private(set) var error: ObjectStoreError?

    init(rootPath: String, prefix: String, after: String) {
        self.rootPath = rootPath
        self.prefix = prefix
        self.after = after
        // Start in the deepest folder the prefix names completely: "a/b/c" -> "a/b/".
        let startKeyPrefix: String
        if let slash = prefix.utf8.lastIndex(of: UInt8(ascii: "/")) {
            startKeyPrefix = String(prefix[...slash])
        } else {
            startKeyPrefix = ""
        }
        if let level = load(keyPrefix: startKeyPrefix) { stack.append(level) }
    }

    /// Skips every key that starts with `keyPrefix` (a common prefix already reported).
    mutating func skip(past keyPrefix: String) { skipUnder = keyPrefix }

    mutating func next() -> (String, stat)? {
        while var level = stack.last {
            guard level.index < level.entries.count else {
                stack.removeLast()
                continue
            }
            let entry = level.entries[level.index]
            level.index += 1
            stack[stack.count - 1] = level
            let key = level.keyPrefix + entry.name
            if entry.isFolder {
                let folderKey = key + "/"
                guard couldContainMatches(folderKey) else { continue }
                if let skipUnder, folderKey.utf8.starts(with: skipUnder.utf8) { continue }
                if let child = load(keyPrefix: folderKey) { stack.append(child) }
                continue
            }
            guard key.utf8.starts(with: prefix.utf8), after.utf8.lexicographicallyPrecedes(key.utf8) else { continue }
            if let skipUnder, key.utf8.starts(with: skipUnder.utf8) { continue }
            var st = stat()
            guard stat(path(key), &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            return (key, st)
        }
        return nil
    }

    /// Whether keys below `folderKey` can start with the prefix and sort after `after`.
    private func couldContainMatches(_ folderKey: String) -> Bool {
        let f = folderKey.utf8, p = prefix.utf8
        let prefixCompatible = f.starts(with: p) || p.starts(with: f)
        guard prefixCompatible else { return false }
        // Every key below sorts before `after` when folderKey < after and after does not extend it.
        if folderKey.utf8.lexicographicallyPrecedes(after.utf8) && !after.utf8.starts(with: f) { return false }
        return true
    }

    private func path(_ key: String) -> String { rootPath == "/" ? "/" + key : rootPath + "/" + key }

    private mutating func load(keyPrefix: String) -> Level? {
        let folder = keyPrefix.isEmpty ? rootPath : path(String(keyPrefix.dropLast()))
        guard let dir = opendir(folder) else {
            let code = errno
            if code != ENOENT && code != ENOTDIR {
                error = Syscall.error(code, operation: "list", key: keyPrefix.isEmpty ? rootPath : keyPrefix)
            }
            return nil
        }
        defer { closedir(dir) }
        var entries: [(name: String, isFolder: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(ObjectKeyValidation.stagingMarker) { continue }
            var isFolder: Bool
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): isFolder = true
            case Int32(DT_REG): isFolder = false
            default:
                // Unknown or a symlink: follow links to files, never into folders (no loops, no escapes).
                var st = stat()
                guard lstat(folder + "/" + name, &st) == 0 else { continue }
                let kind = st.st_mode & S_IFMT
                if kind == S_IFDIR { isFolder = true } else if kind == S_IFREG || kind == S_IFLNK { isFolder = false } else { continue }
            }
            entries.append((name, isFolder))
        }
        entries.sort { a, b in
            let ka = a.isFolder ? a.name + "/" : a.name
            let kb = b.isFolder ? b.name + "/" : b.name
            return ka.utf8.lexicographicallyPrecedes(kb.utf8)
        }
        return Level(keyPrefix: keyPrefix, entries: entries)
    }
}

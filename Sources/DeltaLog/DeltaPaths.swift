import Foundation

/// Names and escaping of everything under a table folder: log files, Hive-style partition
/// folders and the URI-encoded paths the log records.
public enum DeltaPaths {
    /// The folder of the transaction log, relative to the table root.
    public static let logFolder = "_delta_log/"
    /// The folder name engines use for a null partition value.
    public static let nullPartition = "__HIVE_DEFAULT_PARTITION__"

    /// `_delta_log/00000000000000000042.json`.
    public static func commitKey(_ version: Int64) -> String { logFolder + zeroPadded(version) + ".json" }
    /// `_delta_log/00000000000000000042.checkpoint.parquet`.
    public static func checkpointKey(_ version: Int64) -> String { logFolder + zeroPadded(version) + ".checkpoint.parquet" }
    public static let lastCheckpointKey = logFolder + "_last_checkpoint"

    static func zeroPadded(_ version: Int64) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// What a file name in `_delta_log/` is.
    public enum LogFile: Sendable, Hashable {
        case commit(Int64)
        case checkpoint(Int64)
        /// A multi-part (`N.checkpoint.o.p.parquet`) checkpoint part.
        case checkpointPart(version: Int64, part: Int, parts: Int)
        /// A V2 (`N.checkpoint.<uuid>.parquet|json`) checkpoint, which lakectl does not read.
        case v2Checkpoint(Int64)
    }

    /// Classifies a file name (the part after `_delta_log/`), or `nil` for anything else.
    public static func parseLogFile(_ name: String) -> LogFile? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard let first = parts.first, first.count == 20, first.allSatisfy(\.isASCIIDigitCharacter),
              let version = Int64(first) else { return nil }
        if parts.count == 2, parts[1] == "json" { return .commit(version) }
        if parts.count == 3, parts[1] == "checkpoint", parts[2] == "parquet" { return .checkpoint(version) }
        if parts.count == 5, parts[1] == "checkpoint", parts[4] == "parquet", let p = Int(parts[2]), let n = Int(parts[3]) {
            return .checkpointPart(version: version, part: p, parts: n)
        }
        if parts.count == 4, parts[1] == "checkpoint" { return .v2Checkpoint(version) }
        return nil
    }

    // MARK: Partition folders

    /// A byte that may appear unescaped in a partition folder name: only `[A-Za-z0-9._-]`, so no
    /// value can contain `/`, `=`, `%`, control characters or non-ASCII text, and no segment can be
    /// `.` or `..` (every segment starts with `column=`).
    @inline(__always)
    static func isFolderSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Hive-style escaping of a folder name component: every byte outside `[A-Za-z0-9._-]` becomes `%XX`.
    public static func escapePartitionComponent(_ text: String) -> String {
        percentEncode(text, keeping: isFolderSafe)
    }

    /// `text` with every byte for which `keep` is false written as `%XX` (uppercase hex).
    @inline(__always)
    static func percentEncode(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The relative folder of a file with these partition values, in partition-column order:
    /// `region=eu/day=2024-01-01/`, with `__HIVE_DEFAULT_PARTITION__` for nulls. Empty when unpartitioned.
    public static func partitionFolder(columns: [String], values: PartitionValues) -> String {
        var folder = ""
        for column in columns {
            let value = values[column] ?? nil
            folder += escapePartitionComponent(column) + "="
            if let value { folder += value.isEmpty ? nullPartition : escapePartitionComponent(value) } else { folder += nullPartition }
            folder += "/"
        }
        return folder
    }

    // MARK: Log paths (RFC 2396 URIs relative to the table root)

    /// Encodes a relative object key as the log's URI path: bytes outside `[A-Za-z0-9._~/=-]` become `%XX`
    /// (so a folder escape `%3A` is recorded as `%253A`, as Spark and delta-rs do).
    public static func encodeURIPath(_ key: String) -> String {
        percentEncode(key) { isFolderSafe($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "~") }
    }

    /// Decodes `%XX` escapes of a log path; malformed escapes are kept as written.
    public static func decodeURIPath(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        let bytes = Array(path.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - 55
        default: nil
        }
    }

    /// The object key (relative to the store root) of a data file whose log path is `path`.
    /// Throws for absolute URIs and for paths that would leave the table folder.
    public static func dataFileKey(tableRoot: String, logPath: String) throws -> String {
        if logPath.contains("://") || logPath.hasPrefix("/") {
            throw DeltaLogError("data file \(logPath) is an absolute path; lakectl reads only files inside the table folder")
        }
        let decoded = decodeURIPath(logPath)
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) {
            throw DeltaLogError("data file path \(logPath) is not a plain relative path inside the table")
        }
        return join(tableRoot, decoded)
    }

    /// Joins a table root prefix (may be empty) and a relative key.
    public static func join(_ root: String, _ key: String) -> String {
        if root.isEmpty { return key }
        return root.hasSuffix("/") ? root + key : root + "/" + key
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

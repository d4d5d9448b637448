/// The name of one file of an AWS DMS S3 target folder, parsed for ordering.
///
/// - Full load: `LOAD` + 8 uppercase hex digits (`LOAD0000000A.csv`), optionally prefixed by a
///   segment (`SEGMENT1_LOAD00000001.csv`) or inside a parallel-load partition folder.
/// - CDC: `YYYYMMDD-HHMMSS` + 3 or 4 fraction digits (`20240612-103127367.csv`,
///   `20141029-1134010000.csv`), optionally inside date folders (`2024/06/12/`).
/// - Extensions: `.csv`, `.csv.gz`, `.parquet` (and `.parquet.gz`).
///
/// Ordering (``Comparable``): every full-load file before every CDC file; full-load files by folder,
/// segment, then hex counter (as a number); CDC files by the time their name encodes (compared as a
/// time, so `…367` (ms) and `…3670` (1/10 000 s) are equal instants), then by key.
public struct DMSFileName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A full-load file: its folder below the table (parallel load), segment prefix and counter.
        case load(group: String, counter: UInt64)
        /// A CDC file: the UTC time in its name in units of 100 µs since 0001-01-01 (a monotone ordinal).
        case cdc(ticks: Int64)
    }

    public enum Format: Sendable, Hashable {
        case csv, parquet
    }

    /// The object key (relative to the store root).
    public let key: String
    public let kind: Kind
    public let format: Format
    public let gzip: Bool

    /// Parses `key`'s last path component; `nil` when it is not a DMS data file (e.g. `_delta_log`
    /// entries, `.json` sidecars, or a malformed time such as month 13).
    /// - Parameter relativeTo: the table folder's prefix, used to find parallel-load partition folders.
    public init?(key: String, relativeTo prefix: String = "") {
        self.key = key
        let relative = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
        let slash = relative.lastIndex(of: "/")
        let base = slash.map { String(relative[relative.index(after: $0)...]) } ?? relative
        var folder = slash.map { String(relative[..<$0]) } ?? ""
        while folder.hasPrefix("/") { folder.removeFirst() }

        var stem = Substring(base)
        var gz = false
        if stem.hasSuffix(".gz") {
            gz = true
            stem = stem.dropLast(3)
        }
        if stem.hasSuffix(".csv") {
            format = .csv
            stem = stem.dropLast(4)
        } else if stem.hasSuffix(".parquet") {
            format = .parquet
            stem = stem.dropLast(8)
        } else {
            return nil
        }
        gzip = gz

        if stem.count >= 12, stem.dropLast(8).hasSuffix("LOAD") {
            let segment = stem.dropLast(12)
            guard segment.isEmpty || segment.hasSuffix("_") else { return nil }
            let hex = stem.suffix(8)
            guard hex.allSatisfy(\.isHexDigit), let counter = UInt64(hex, radix: 16) else { return nil }
            kind = .load(group: folder + "/" + segment, counter: counter)
        } else if let ticks = Self.cdcTicks(stem) {
            kind = .cdc(ticks: ticks)
        } else {
            return nil
        }
    }

    /// `YYYYMMDD-HHMMSS` + 3 or 4 digits → 100 µs ticks; `nil` when malformed or out of range.
    static func cdcTicks(_ s: Substring) -> Int64? {
        let u = Array(s.utf8)
        guard u.count == 18 || u.count == 19, u[8] == UInt8(ascii: "-") else { return nil }
        func digits(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r {
                let d = u[i] &- 0x30
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard let year = digits(0..<4), let month = digits(4..<6), let day = digits(6..<8),
              let hour = digits(9..<11), let minute = digits(11..<13), let second = digits(13..<15),
              let fraction = digits(15..<u.count)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let tenThousandths = u.count == 18 ? fraction * 10 : fraction
        // A day ordinal that orders correctly (months as 31 days): only comparisons need it.
        let days = (year * 12 + (month - 1)) * 31 + (day - 1)
        return ((days * 24 + hour) * 3600 + minute * 60 + second) * 10_000 + tenThousandths
    }

    /// The file as a change-file reference.
    public var ref: ChangeFileRef { ChangeFileRef(key: key, format: format == .csv ? .csv : .parquet, gzip: gzip) }

    public var isFullLoad: Bool {
        if case .load = kind { return true }
        return false
    }

    public static func < (a: DMSFileName, b: DMSFileName) -> Bool {
        switch (a.kind, b.kind) {
        case (.load(let ga, let ca), .load(let gb, let cb)):
            if ga != gb { return ga < gb }
            if ca != cb { return ca < cb }
        case (.load, .cdc): return true
        case (.cdc, .load): return false
        case (.cdc(let ta), .cdc(let tb)):
            if ta != tb { return ta < tb }
        }
        return a.key < b.key
    }

    public var description: String { key }
}

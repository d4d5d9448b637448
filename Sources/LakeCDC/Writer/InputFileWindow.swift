import LakeColumnar

/// The bound on a change log's `inputFiles` map (docs/CHANGE_FILES.md, "inputFiles").
///
/// AWS DMS names CDC files by the UTC time they were written (`YYYYMMDD-HHMMSS` + 3 or 4 digits).
/// The map keeps every file that is not named so (full-load `LOAD…` files, other names) and the
/// CDC-named files whose name time lies within ``lateWindowMicros`` (7 days) of the newest
/// CDC-named file committed — the *watermark*, always kept, so it can be recomputed from the map.
/// A CDC-named file older than that window that the map does not list is taken as committed: its
/// rows are skipped. So replays of recent files and of late files up to 7 days late land nothing
/// twice, a late file up to 7 days late lands once, and the map stays as large as one week of
/// files. `lakectl compact --from` bounds its consumed-files record with the same window.
enum InputFileWindow {
    /// 7 days, in microseconds.
    static let lateWindowMicros: Int64 = 7 * 86_400 * 1_000_000

    /// The name time (µs since the epoch, UTC) of a file identity `<base name>:<size>` whose base
    /// name is a DMS CDC name (`20240612-103127367.csv`, `.csv.gz`, `.parquet`, or 4 fraction
    /// digits); nil for any other name.
    static func nameTime(identity: String) -> Int64? {
        let base = identity.lastIndex(of: ":").map { identity[..<$0] } ?? Substring(identity)
        var bytes = Array(base.utf8)
        // The digits end at the first dot (the extension).
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")) { bytes.removeSubrange(dot...) }
        guard bytes.count == 18 || bytes.count == 19, bytes[8] == UInt8(ascii: "-") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                let d = bytes[i] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard let y = digits(0..<4), let mo = digits(4..<6), let d = digits(6..<8), let h = digits(9..<11),
              let mi = digits(11..<13), let s = digits(13..<15), let frac = digits(15..<bytes.count),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        let days = Int64(ValueText.daysFromCivil(year: y, month: mo, day: d))
        let fracMicros = Int64(frac) * (bytes.count == 18 ? 1000 : 100)
        return (days * 86_400 + Int64(h * 3600 + mi * 60 + s)) * 1_000_000 + fracMicros
    }

    /// The newest name time among CDC-named identities, if any.
    static func watermark(of identities: some Sequence<String>) -> Int64? {
        var newest: Int64?
        for identity in identities {
            if let t = nameTime(identity: identity) { newest = max(newest ?? t, t) }
        }
        return newest
    }

    /// Whether a file not in the map is taken as committed: a CDC-named file older than the window.
    static func isBeyondWindow(_ identity: String, watermark: Int64?) -> Bool {
        guard let watermark, let t = nameTime(identity: identity) else { return false }
        return t < watermark - lateWindowMicros
    }

    /// The map without the CDC-named files beyond the window of its own watermark.
    static func trimmed(_ files: [String: Int]) -> [String: Int] {
        let mark = watermark(of: files.keys)
        guard mark != nil else { return files }
        return files.filter { !isBeyondWindow($0.key, watermark: mark) }
    }
}

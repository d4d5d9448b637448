/// The position of one change within its source, totally ordering the changes of a table.
///
/// Written into every change file as the `_seq` column, a fixed-width lowercase hex string
/// `HHHHHHHHHHHHHHHH-MMMMMMMMMMMMMMMM-NNNNNNNN` (16-16-8 digits), so byte-wise string order equals
/// position order. See docs/CHANGE_FILES.md for how each source fills the three parts.
public struct ChangeSeq: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Major position: PostgreSQL commit LSN, MySQL binlog file number, else commit time (µs).
    public var major: UInt64
    /// Minor position: PostgreSQL change LSN, MySQL binlog position, else 0.
    public var minor: UInt64
    /// Index of the change among consecutive changes of the table with equal (major, minor)
    /// (plus MySQL's `row`).
    public var index: UInt32

    public init(major: UInt64, minor: UInt64, index: UInt32) {
        self.major = major
        self.minor = minor
        self.index = index
    }

    public static let zero = ChangeSeq(major: 0, minor: 0, index: 0)

    /// The length of the text form.
    public static let textLength = 42

    public static func < (a: ChangeSeq, b: ChangeSeq) -> Bool {
        (a.major, a.minor, a.index) < (b.major, b.minor, b.index)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The text form as UTF-8 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.textLength)
        append(to: &out)
        return out
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the text form to `out`.
    @inline(__always)
    public func append(to out: inout [UInt8]) {
        Self.hex(major, 16, &out)
        out.append(UInt8(ascii: "-"))
        Self.hex(minor, 16, &out)
        out.append(UInt8(ascii: "-"))
        Self.hex(UInt64(index), 8, &out)
    }

    @inline(__always)
    private static func hex(_ v: UInt64, _ digits: Int, _ out: inout [UInt8]) {
        var shift = (digits - 1) * 4
        while shift >= 0 {
            out.append(hexDigits[Int((v >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }

    /// Parses the text form; nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 16, parts[1].count == 16, parts[2].count == 8,
              let a = UInt64(parts[0], radix: 16), let b = UInt64(parts[1], radix: 16), let c = UInt32(parts[2], radix: 16)
        else { return nil }
        self.init(major: a, minor: b, index: c)
    }
}

/// What one change row does to its key. Stored as the ASCII letter DMS writes in its `Op` column.
public enum ChangeOp: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// `I`: an insert; of a present key it overwrites the row.
    case insert = 0x49
    /// `U`: an update carrying the full after-image; of an absent key it inserts.
    case update = 0x55
    /// `D`: a delete; only the key columns need values. Of an absent key it is a no-op.
    case delete = 0x44

    /// Parses `I`, `U` or `D` (either case); `nil` for anything else.
    public init?(letter: some StringProtocol) {
        switch letter {
        case "I", "i": self = .insert
        case "U", "u": self = .update
        case "D", "d": self = .delete
        default: return nil
        }
    }

    /// Parses the first byte of an `Op` field.
    public init?(byte: UInt8) {
        switch byte {
        case 0x49, 0x69: self = .insert
        case 0x55, 0x75: self = .update
        case 0x44, 0x64: self = .delete
        default: return nil
        }
    }

    public var description: String { String(UnicodeScalar(rawValue)) }
}

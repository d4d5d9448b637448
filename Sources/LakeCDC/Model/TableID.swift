/// A source table: the `<schema>/<table>` of the change-file layout.
public struct TableID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var schema: String
    public var table: String

    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    /// Parses `SCHEMA.TABLE`; a name without a dot goes into schema `public`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            self.init(schema: String(parts[0]), table: String(parts[1]))
        } else {
            guard !text.isEmpty else { return nil }
            self.init(schema: "public", table: text)
        }
        guard TableID.isSafeName(schema), TableID.isSafeName(table) else { return nil }
    }

    /// Names become key segments: no slashes, no control characters, not `.`/`..`.
    public static func isSafeName(_ s: String) -> Bool {
        !s.isEmpty && s != "." && s != ".." && !s.utf8.contains { $0 == UInt8(ascii: "/") || $0 < 0x20 }
    }

    public var description: String { "\(schema).\(table)" }

    /// `changes/<schema>/<table>/`, the folder of the table's change files.
    public var changesPrefix: String { "changes/\(schema)/\(table)/" }

    public static func < (a: TableID, b: TableID) -> Bool { (a.schema, a.table) < (b.schema, b.table) }
}

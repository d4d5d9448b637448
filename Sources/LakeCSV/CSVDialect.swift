import LakeColumnar

/// How a CSV file is spelled: RFC 4180 plus the AWS DMS conventions by default.
///
/// NULL vs empty (the DMS convention): with no ``nullMarker``, an empty **unquoted** field is NULL
/// and an empty string is written (and read) as `""`. With a marker (e.g. `NULL` or `\N`), an
/// unquoted field equal to it is NULL; an empty unquoted field is then NULL for non-string types
/// and the empty string for strings. A quoted field is never NULL.
public struct CSVDialect: Sendable, Hashable {
    /// The field separator (one byte; DMS `CsvDelimiter`, default `,`).
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// The quote byte (`"`). Doubled inside a quoted field.
    public var quote: UInt8 = UInt8(ascii: "\"")
    /// The NULL spelling; nil = an empty unquoted field (DMS).
    public var nullMarker: [UInt8]?
    /// Whether the first row holds column names (written by the writer, checked by the reader).
    public var header = false
    /// The writer's row terminator; the reader accepts LF, CRLF and CR.
    public var crlf = false
    /// The writer quotes every non-null field (not just those that need it).
    public var quoteAll = false
    /// How binary values are spelled.
    public var binaryEncoding: BinaryTextEncoding = .hex

    public init(delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""), nullMarker: [UInt8]? = nil,
                header: Bool = false, crlf: Bool = false, quoteAll: Bool = false, binaryEncoding: BinaryTextEncoding = .hex) {
        self.delimiter = delimiter
        self.quote = quote
        self.nullMarker = nullMarker
        self.header = header
        self.crlf = crlf
        self.quoteAll = quoteAll
        self.binaryEncoding = binaryEncoding
    }

    /// The AWS DMS S3 target's defaults: `,`, RFC 4180 quoting, NULL as an empty field, no header, LF.
    public static let dms = CSVDialect()

    /// Checks that the delimiter and quote can be told apart from each other and from line ends.
    public func validate() throws(CSVError) {
        let special: Set<UInt8> = [10, 13]
        if delimiter == quote { throw CSVError.invalidDialect("the delimiter and the quote must differ") }
        if special.contains(delimiter) || special.contains(quote) { throw CSVError.invalidDialect("the delimiter and quote cannot be a line break") }
        if let nullMarker, nullMarker.contains(delimiter) || nullMarker.contains(quote) || nullMarker.contains(10) || nullMarker.contains(13) {
            throw CSVError.invalidDialect("the null marker cannot contain the delimiter, the quote or a line break")
        }
    }
}

/// A CSV problem. Data errors name the file, the 1-based line and column (field number and
/// name), what was wrong and what to do.
public enum CSVError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(file: String, line: Int, column: Int?, message: String)
    case invalidDialect(String)
    case tooManyBadRows(file: String, limit: Int)
    /// A file could not be opened, read or written.
    case io(file: String, message: String)

    public var description: String {
        switch self {
        case .malformed(let file, let line, let column, let message):
            if let column { return "\(file):\(line): column \(column): \(message)" }
            return "\(file):\(line): \(message)"
        case .invalidDialect(let message): return "invalid CSV dialect: \(message)"
        case .tooManyBadRows(let file, let limit): return "\(file): more than \(limit) bad rows; fix the file or raise the limit"
        case .io(let file, let message): return "\(file): \(message)"
        }
    }
}

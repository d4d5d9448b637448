/// Type names of the `--schema` file: Delta's names plus SQL and AWS DMS aliases.
extension SchemaFile {
    /// One accepted spelling of a type, for ``parseType(_:)`` and its error messages.
    private enum Spelling {
        case fixed(DataType)
        /// decimal/numeric: `(P,S)`, `(P)` (scale 0) or bare (decimal(10,0), as Spark and Delta do).
        case decimal
        /// A string or binary type with an optional length, `(N)` or `(max)`, that is not kept.
        case sized(DataType)
        /// A timestamp with an optional fractional-seconds precision, `(0)`…`(9)`, that is not kept.
        case precise(DataType)
    }

    /// Every accepted name (lowercase, single spaces), grouped by what it maps to. `int8` is
    /// PostgreSQL's and DMS's **8-byte** integer (Delta `long`); the 1-byte integer is `byte`,
    /// `tinyint` or DMS's `int1`. DMS's unsigned `uint1`/`uint2`/`uint4` widen to the next signed
    /// type and `uint8` to decimal(20,0), so every value fits.
    private static let spellings: [(names: [String], spelling: Spelling)] = [
        (["boolean", "bool"], .fixed(.boolean)),
        (["byte", "tinyint", "int1"], .fixed(.int8)),
        (["short", "smallint", "int2", "int16", "uint1"], .fixed(.int16)),
        (["integer", "int", "int4", "int32", "mediumint", "uint2"], .fixed(.int32)),
        (["long", "bigint", "int8", "int64", "uint4"], .fixed(.int64)),
        (["uint8"], .fixed(.decimal(precision: 20, scale: 0))),
        (["float", "real", "float4", "real4", "float32"], .fixed(.float32)),
        (["double", "double precision", "float8", "real8", "float64"], .fixed(.float64)),
        (["decimal", "numeric", "number", "dec"], .decimal),
        (["string", "text", "varchar", "char", "character", "character varying", "nvarchar", "nchar",
          "wstring", "clob", "nclob", "tinytext", "mediumtext", "longtext", "uuid", "json", "jsonb", "xml"], .sized(.string)),
        (["binary", "bytes", "bytea", "blob", "varbinary", "tinyblob", "mediumblob", "longblob"], .sized(.binary)),
        (["date"], .fixed(.date)),
        (["timestamp", "timestamptz", "timestamp with time zone", "timestamp_ltz", "datetimeoffset"], .precise(.timestamp(utc: true))),
        (["timestamp_ntz", "datetime", "datetime2", "smalldatetime", "timestamp without time zone"], .precise(.timestamp(utc: false))),
    ]

    private static let spellingByName: [String: Spelling] = {
        var map: [String: Spelling] = [:]
        for (names, spelling) in spellings { for name in names { map[name] = spelling } }
        return map
    }()

    /// The accepted type names, for error messages.
    public static var acceptedTypeNames: String {
        "Delta types: boolean, byte, short, integer, long, float, double, decimal(P,S), string, binary, date, timestamp, "
            + "timestamp_ntz; aliases: " + spellings.flatMap { entry in
                entry.names.filter { !["boolean", "byte", "short", "integer", "long", "float", "double", "decimal", "string",
                                       "binary", "date", "timestamp", "timestamp_ntz"].contains($0) }
            }.joined(separator: ", ")
    }

    /// Parses a type name, case-insensitively and ignoring extra spaces (`Numeric( 12 , 2 )`,
    /// `character  varying(20)`): Delta's names and the aliases of ``acceptedTypeNames``.
    /// A bare `decimal`/`numeric` is decimal(10,0), as in Spark and Delta; `numeric(P)` is
    /// decimal(P,0). `timestamp` is an instant (UTC); `datetime` (DMS DATETIME, MySQL and SQL
    /// Server DATETIME) is a wall-clock time, `timestamp_ntz`.
    public static func parseType(_ text: String) throws(SchemaFileError) -> DataType {
        // Normalise: lowercase, one space between words, none around parentheses and commas.
        var t = ""
        var pendingSpace = false
        for c in text.lowercased() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" { pendingSpace = !t.isEmpty; continue }
            if pendingSpace, !"(),".contains(c), let last = t.last, !"(,".contains(last) { t.append(" ") }
            pendingSpace = false
            t.append(c)
        }
        var base = t
        var args: [String] = []
        if let open = t.firstIndex(of: "(") {
            guard t.hasSuffix(")"), t.firstIndex(of: ")") == t.index(before: t.endIndex) else {
                throw SchemaFileError(nil, "type '\(text)' has unbalanced parentheses")
            }
            base = String(t[..<open])
            args = t[t.index(after: open)..<t.index(before: t.endIndex)].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        guard let spelling = spellingByName[base] else {
            throw SchemaFileError(nil, "unknown type '\(text)'; use one of the \(acceptedTypeNames)")
        }
        func number(_ s: String, _ what: String) throws(SchemaFileError) -> Int {
            guard let v = Int(s), v >= 0 else { throw SchemaFileError(nil, "type '\(text)': \(what) '\(s)' is not a non-negative whole number") }
            return v
        }
        switch spelling {
        case .fixed(let type):
            guard args.isEmpty else { throw SchemaFileError(nil, "type '\(text)': \(base) takes no arguments") }
            return type
        case .decimal:
            guard args.count <= 2 else { throw SchemaFileError(nil, "type '\(text)': \(base) takes (precision) or (precision, scale)") }
            let precision = try args.first.map { s throws(SchemaFileError) in try number(s, "precision") } ?? 10
            let scale = try args.count > 1 ? number(args[1], "scale") : 0
            guard (1...38).contains(precision), scale <= precision else {
                throw SchemaFileError(nil, "type '\(text)': decimal needs 1 <= precision <= 38 and 0 <= scale <= precision")
            }
            return .decimal(precision: precision, scale: scale)
        case .sized(let type):
            guard args.count <= 1 else { throw SchemaFileError(nil, "type '\(text)': \(base) takes at most one length") }
            if let length = args.first, length != "max" { _ = try number(length, "length") }
            return type
        case .precise(let type):
            guard args.count <= 1 else { throw SchemaFileError(nil, "type '\(text)': \(base) takes at most a fractional-seconds precision") }
            if let p = args.first { guard try number(p, "precision") <= 9 else { throw SchemaFileError(nil, "type '\(text)': fractional-seconds precision is 0 to 9") } }
            return type
        }
    }
}

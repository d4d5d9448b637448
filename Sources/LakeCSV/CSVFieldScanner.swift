/// Why ``CSVFieldScanner`` (and the fast path built on it) stopped.
enum CSVBlockStop: Sendable, Equatable {
    /// Every complete row before the limit was taken; what is left (if anything) is the start of
    /// a row that the limit cuts off.
    case limit
    /// The row cap was reached.
    case full
    /// The row at the stop position needs the row-at-a-time parser: a wrong field count, text
    /// after a closing quote, an unterminated quote at the end of the input, or (found later by
    /// the conversion) a value that does not parse.
    case anomaly
}

/// The field index of a block of rows, filled by one pass over the bytes.
///
/// For row `r` and column `j`, `ends[j * capacity + r]` is the offset (from the block start) of
/// the byte that ended the field (the delimiter, CR or LF after it, or the end of the input),
/// with ``quotedFlag`` / ``escapedFlag`` in the top bits. A field starts one byte after the
/// previous field's end (column 0: at the row start), so one 32-bit word per field is enough.
/// Column-major, so the conversion then reads each column's positions contiguously.
final class CSVFieldScanner {
    static let quotedFlag: UInt32 = 1 << 31
    /// A quoted field with doubled quotes inside (it must be unescaped before conversion).
    static let escapedFlag: UInt32 = 1 << 30
    static let offsetMask: UInt32 = (1 << 30) - 1
    /// A block spans less than this many bytes (the offsets have 30 bits).
    static let maxBlockBytes = 1 << 30

    let columnCount: Int
    let delimiter: UInt8
    let quote: UInt8
    private(set) var capacity = 0
    private(set) var ends: UnsafeMutablePointer<UInt32>
    /// Absolute position where row `r` starts.
    private(set) var rowStarts: UnsafeMutablePointer<Int>
    /// Line breaks consumed before row `r` (relative to the block).
    private(set) var rowLines: UnsafeMutablePointer<Int>

    init(columnCount: Int, delimiter: UInt8, quote: UInt8) {
        self.columnCount = max(1, columnCount)
        self.delimiter = delimiter
        self.quote = quote
        ends = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
        rowStarts = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        rowLines = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    }

    deinit {
        ends.deallocate()
        rowStarts.deallocate()
        rowLines.deallocate()
    }

    private func ensureCapacity(_ rows: Int) {
        guard rows > capacity else { return }
        ends.deallocate()
        rowStarts.deallocate()
        rowLines.deallocate()
        capacity = rows
        ends = UnsafeMutablePointer<UInt32>.allocate(capacity: rows * columnCount)
        rowStarts = UnsafeMutablePointer<Int>.allocate(capacity: rows + 1)
        rowLines = UnsafeMutablePointer<Int>.allocate(capacity: rows + 1)
    }

    /// The absolute bounds of field `j` of row `r` (quotes included) and its flags.
    @inline(__always)
    func field(_ j: Int, _ r: Int, blockStart: Int) -> (start: Int, end: Int, flags: UInt32) {
        let packed = ends[j &* capacity &+ r]
        let end = blockStart &+ Int(packed & Self.offsetMask)
        let start = j == 0 ? rowStarts[r] : blockStart &+ Int(ends[(j &- 1) &* capacity &+ r] & Self.offsetMask) &+ 1
        return (start, end, packed & ~Self.offsetMask)
    }

    // MARK: Byte search, eight bytes at a time

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// A mask with the high bit set in bytes of `x` that are zero. Bits above the lowest true
    /// zero byte can be false positives, so only the lowest set bit may be used.
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }

    /// The first position in `from..<limit` holding the delimiter, CR or LF, else `limit`.
    /// Reads whole words past `limit` (the input buffer has slack), ignoring matches there.
    @inline(__always)
    private static func findStop(_ base: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, _ delimiterPattern: UInt64) -> Int {
        var i = from
        while i < limit {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let m = zeroBytes(w ^ delimiterPattern) | zeroBytes(w ^ (ones &* 10)) | zeroBytes(w ^ (ones &* 13))
            if m != 0 { return min(i &+ (m.trailingZeroBitCount >> 3), limit) }
            i &+= 8
        }
        return limit
    }

    /// The first quote in `from..<limit` (else `limit`), counting the LFs before it into `lineFeeds`.
    @inline(__always)
    private static func findQuote(_ base: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, _ quotePattern: UInt64,
                                  lineFeeds: inout Int) -> Int {
        var i = from
        while i < limit {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let mq = zeroBytes(w ^ quotePattern)
            let end = mq != 0 ? min(i &+ (mq.trailingZeroBitCount >> 3), limit) : min(i &+ 8, limit)
            if zeroBytes(w ^ (ones &* 10)) != 0 {
                var k = i
                while k < end { if base[k] == 10 { lineFeeds += 1 }; k &+= 1 }
            }
            if end < i &+ 8 { return end }
            i &+= 8
        }
        return limit
    }

    // MARK: Scanning

    /// Indexes the rows of `base[start..<limit]` (at most `maxRows`; `limit - start` below
    /// ``maxBlockBytes``). With `final`, `limit` is the end of the input, so a last row without a
    /// line break is complete. Blank lines are skipped (unless there is one column), as the row
    /// parser does. Returns the rows taken, the position after them, the line breaks consumed
    /// and why it stopped; on `.anomaly` and `.limit` the position is the start of the row not taken.
    func scan(_ base: UnsafePointer<UInt8>, start: Int, limit: Int, final: Bool, maxRows: Int)
        -> (rows: Int, end: Int, lines: Int, stop: CSVBlockStop) {
        ensureCapacity(maxRows)
        let ncols = columnCount
        let cap = capacity
        let d = delimiter
        let q = quote
        let delimiterPattern = Self.ones &* UInt64(d)
        let quotePattern = Self.ones &* UInt64(q)
        let ends = self.ends
        let rowStarts = self.rowStarts
        let rowLines = self.rowLines
        var i = start
        var rows = 0
        var lines = 0
        rowLoop: while true {
            if rows == maxRows { return (rows, i, lines, .full) }
            if i >= limit { return (rows, i, lines, .limit) }
            let rowStart = i
            var embedded = 0
            var j = 0
            while true {
                var flags: UInt32 = 0
                var sep: Int
                if i < limit, base[i] == q {
                    var k = i &+ 1
                    var escaped = false
                    while true {
                        k = Self.findQuote(base, k, limit, quotePattern, lineFeeds: &embedded)
                        if k >= limit { return (rows, rowStart, lines, final ? .anomaly : .limit) }
                        if k &+ 1 < limit {
                            if base[k &+ 1] == q { escaped = true; k &+= 2; continue }
                        } else if !final {
                            return (rows, rowStart, lines, .limit)
                        }
                        break
                    }
                    sep = k &+ 1
                    flags = escaped ? Self.quotedFlag | Self.escapedFlag : Self.quotedFlag
                    if sep < limit {
                        let c = base[sep]
                        if c != d, c != 10, c != 13 { return (rows, rowStart, lines, .anomaly) }
                    } else if !final {
                        return (rows, rowStart, lines, .limit)
                    }
                } else {
                    sep = Self.findStop(base, i, limit, delimiterPattern)
                    if sep >= limit, !final { return (rows, rowStart, lines, .limit) }
                }
                if sep < limit, base[sep] == d {
                    if j == ncols &- 1 { return (rows, rowStart, lines, .anomaly) }
                    ends[j &* cap &+ rows] = UInt32(truncatingIfNeeded: sep &- start) | flags
                    j &+= 1
                    i = sep &+ 1
                    continue
                }
                // The row ends at `sep`: LF, CR, CRLF, or the end of the input.
                let next: Int
                var lineBreak = 1
                if sep >= limit {
                    next = limit
                    lineBreak = 0
                } else if base[sep] == 10 {
                    next = sep &+ 1
                } else if sep &+ 1 < limit {
                    next = base[sep &+ 1] == 10 ? sep &+ 2 : sep &+ 1
                } else if final {
                    next = limit
                } else {
                    return (rows, rowStart, lines, .limit)
                }
                if j == 0, flags == 0, sep == rowStart, ncols > 1 {
                    lines &+= lineBreak  // a blank line is no row
                    i = next
                    continue rowLoop
                }
                if j != ncols &- 1 { return (rows, rowStart, lines, .anomaly) }
                ends[j &* cap &+ rows] = UInt32(truncatingIfNeeded: sep &- start) | flags
                rowStarts[rows] = rowStart
                rowLines[rows] = lines
                lines &+= embedded &+ lineBreak
                rows &+= 1
                i = next
                continue rowLoop
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import LakeColumnar

/// Options of ``CSVReader``.
public struct CSVReadOptions: Sendable, Hashable {
    public var dialect: CSVDialect
    /// The most rows per emitted batch (batches are usually close to it; memory is bounded by
    /// ``threads`` batches plus one row).
    public var batchRows: Int
    /// Rows with fewer fields get NULLs for the missing ones; extra fields are ignored.
    public var allowRaggedRows: Bool
    /// Collect malformed rows (see ``CSVReader/badRows``) instead of stopping at the first.
    public var collectBadRows: Bool
    /// With ``collectBadRows``: stop with an error after this many bad rows.
    public var maxBadRows: Int
    /// A row (or quoted field) longer than this is an error: almost always an unterminated quote.
    public var maxRowBytes: Int
    /// Threads parsing consecutive pieces of the input at once (each a batch of rows).
    public var threads: Int

    public init(dialect: CSVDialect = .dms, batchRows: Int = 65_536, allowRaggedRows: Bool = false,
                collectBadRows: Bool = false, maxBadRows: Int = 10_000, maxRowBytes: Int = 256 << 20,
                threads: Int = CSVReadOptions.defaultThreads) {
        self.dialect = dialect
        self.threads = max(1, threads)
        self.batchRows = max(1, batchRows)
        self.allowRaggedRows = allowRaggedRows
        self.collectBadRows = collectBadRows
        self.maxBadRows = maxBadRows
        self.maxRowBytes = maxRowBytes
    }

    /// The processors online, at most 4.
    public static var defaultThreads: Int {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return Swift.min(4, Swift.max(1, online))
    }
}

/// A row the reader skipped (``CSVReadOptions/collectBadRows``).
public struct CSVBadRow: Sendable, Hashable {
    /// 1-based line where the row starts.
    public var line: Int
    public var message: String
    /// The row's raw bytes (at most 4 KiB).
    public var text: [UInt8]
}

/// Reads CSV bytes into ``ColumnBatch``es of a fixed schema. Push-based and streaming:
/// ``feed(_:emit:)`` chunks of any size (from a file, a decompressor or S3), then
/// ``finish(emit:)``; each batch is passed to `emit` (at most ``CSVReadOptions/batchRows`` rows).
///
/// Two parsers share the work. The fast path (``CSVBlockParser``) indexes the fields of a block
/// of rows in one pass over the bytes and converts them column by column into typed arrays; with
/// several ``CSVReadOptions/threads`` it parses consecutive blocks at once, each starting after a
/// line break that is assumed to end a row and accepted only when the previous block ends exactly
/// there (a quoted field with a line break across the split makes the later block's work be
/// discarded, never misread). Any row the fast path cannot take as is goes to the row-at-a-time
/// ``CSVRowParser``, which reports the exact error (file, line, column), fills ragged rows, or
/// collects the bad row; then the fast path resumes.
public final class CSVReader {
    public let schema: Schema
    public let options: CSVReadOptions
    /// The name used in error messages (usually the file path).
    public let source: String
    /// Rows skipped as malformed (with ``CSVReadOptions/collectBadRows``).
    public var badRows: [CSVBadRow] { parser.badRows }
    /// Rows emitted so far.
    public private(set) var rowsRead = 0

    /// A block smaller than this is parsed on one thread (the hand-off would cost more).
    static let minParallelBatchBytes = 256 << 10
    /// Input held back for one thread's block at most, whatever the row size estimate says.
    static let maxBlockBytes = 64 << 20

    private var parser: CSVRowParser
    private let input = CSVInputBuffer()
    private var blockParsers: [CSVBlockParser] = []
    private var started = false
    /// Do not parse again before the input holds this many bytes (keeps a row split over many
    /// small chunks linear, and lets blocks fill up).
    private var retryAt = 0
    private var finished: [ColumnBatch] = []
    /// Row-parser mode: after the fast path stopped at a row it could not take, the row parser
    /// adds up to `slowTarget` rows to the fast path's rows of the batch (`slowPrefix`).
    private var slowPrefix: ColumnBatch?
    private var slowTarget = 0
    /// How many rows the row parser takes after the next anomaly: doubles while anomalies come
    /// close together (ragged files), back to 1 after a clean block.
    private var slowRun = 1
    /// Input bytes per row, measured on the last block (sizes the blocks).
    private var bytesPerRow = 0.0
    /// Blocks parsed on a guessed row start that were taken / discarded (tests look at these).
    private(set) var speculativeBlocksTaken = 0
    private(set) var speculativeBlocksDiscarded = 0

    public init(schema: Schema, options: CSVReadOptions = CSVReadOptions(), source: String = "<csv>") throws(CSVError) {
        try options.dialect.validate()
        self.schema = schema
        self.options = options
        self.source = source
        parser = CSVRowParser(schema: schema, options: options, source: source)
    }

    /// Parses a chunk; calls `emit` for each batch completed.
    public func feed(_ chunk: UnsafeRawBufferPointer, emit: (ColumnBatch) throws -> Void) throws {
        input.append(chunk)
        if input.count < retryAt { return }
        try parse(final: false, emit: emit)
    }

    public func feed(_ chunk: [UInt8], emit: (ColumnBatch) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, emit: emit) }
    }

    /// Lets `read` write up to `maxBytes` input bytes straight into the reader's buffer (a file
    /// read without an intermediate copy), then parses like ``feed(_:emit:)``. Returns what
    /// `read` returned (0 at the end of the input).
    func feed(readingUpTo maxBytes: Int, from read: (UnsafeMutableRawBufferPointer) throws -> Int,
              emit: (ColumnBatch) throws -> Void) throws -> Int {
        let n = try input.append(upTo: maxBytes, read)
        if n > 0, input.count >= retryAt { try parse(final: false, emit: emit) }
        return n
    }

    /// Ends the input: parses the last row (which need not end with a line break) and emits the
    /// last batches.
    public func finish(emit: (ColumnBatch) throws -> Void) throws {
        try parse(final: true, emit: emit)
        if let last = parser.flush() {
            rowsRead += last.rowCount
            try emit(last)
        }
    }

    /// Reads a whole in-memory CSV text into one batch (tests, small files).
    public static func read(_ bytes: [UInt8], schema: Schema, options: CSVReadOptions = CSVReadOptions(),
                            source: String = "<csv>") throws -> ColumnBatch {
        let reader = try CSVReader(schema: schema, options: options, source: source)
        var batches: [ColumnBatch] = []
        try reader.feed(bytes) { batches.append($0) }
        try reader.finish { batches.append($0) }
        return try ColumnBatch.concat(batches, schema: schema)
    }

    private func parse(final: Bool, emit: (ColumnBatch) throws -> Void) throws {
        var failure: (any Error)?
        do {
            let consumed = try process(final: final)
            input.removePrefix(consumed)
            retryAt = max(0, retryAt - consumed)
        } catch {
            failure = error
        }
        // Emit outside the parsing so `emit` may look at the reader.
        let ready = finished
        finished.removeAll(keepingCapacity: true)
        for batch in ready { try emit(batch) }
        if let failure { throw failure }
    }

    private func complete(_ batch: ColumnBatch) {
        rowsRead += batch.rowCount
        finished.append(batch)
    }

    /// Parses what the input holds; returns the bytes consumed and sets `retryAt`.
    private func process(final: Bool) throws -> Int {
        let bytes = input.bytes
        let n = bytes.count
        var p = 0
        retryAt = 0
        if !started {
            if n < 3, !final { retryAt = 3; return 0 }
            if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { p = 3 }
            started = true
        }
        while true {
            if parser.headerPending {
                let r = try parser.run(bytes, from: p, final: final, maxRows: 0)
                p = r.consumed
                if parser.headerPending { retryAt = r.retryAt; return p }
                continue
            }
            if slowTarget > 0 {
                let r = try parser.run(bytes, from: p, final: final, maxRows: slowTarget)
                p = r.consumed
                if parser.rowsInBatch >= slowTarget || (final && p >= n) {
                    try completeSlowBatch()
                    continue
                }
                retryAt = r.retryAt
                return p
            }
            if p >= n { return p }
            guard let next = try fastRound(input.base, n, from: p, final: final) else { return p }
            p = next
        }
    }

    /// Ends row-parser mode: the fast path's rows plus the row parser's make one batch.
    private func completeSlowBatch() throws {
        let pieces = [slowPrefix, parser.flush()].compactMap { $0 }
        slowPrefix = nil
        slowTarget = 0
        if pieces.count == 1 {
            complete(pieces[0])
        } else if pieces.count > 1 {
            complete(try ColumnBatch.concat(pieces, schema: schema))
        }
    }

    /// One round of the fast path from `p`: one block per thread. Returns the position reached,
    /// or nil to wait for more input (with `retryAt` set).
    private func fastRound(_ base: UnsafePointer<UInt8>, _ n: Int, from p: Int, final: Bool) throws -> Int? {
        let avail = n - p
        let rowCap = options.batchRows
        if bytesPerRow <= 0 {
            // First estimate: line breaks in the first MiB.
            let sample = min(avail, 1 << 20)
            var lineFeeds = 0
            for i in p..<(p + sample) where base[i] == 10 { lineFeeds += 1 }
            bytesPerRow = Double(sample) / Double(max(1, lineFeeds))
        }
        let batchBytes = min(bytesPerRow * Double(rowCap), Double(Self.maxBlockBytes))
        var threads = options.threads
        if batchBytes < Double(Self.minParallelBatchBytes) { threads = 1 }
        if !final {
            // Wait until every thread has a block and the last one a full batch.
            let needed = Int(batchBytes * (0.9 * Double(threads - 1) + 1.05)) + 1
            if avail < needed {
                retryAt = p + needed
                return nil
            }
        }
        // Block boundaries: just after a line break, about 0.9 batch apart (so the blocks before
        // the last rarely fill a batch before reaching the next boundary).
        var starts = [p]
        if threads > 1 {
            let target = final ? min(Int(batchBytes * 0.9), avail / threads) : Int(batchBytes * 0.9)
            var last = p
            while starts.count < threads, target > 0 {
                let guess = last + target
                guard guess < n, let hit = memchr(base + guess, 10, n - guess) else { break }
                let boundary = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                guard boundary < n else { break }
                starts.append(boundary)
                last = boundary
            }
        }
        let count = starts.count
        var limits = [Int](repeating: n, count: count)
        var finals = [Bool](repeating: false, count: count)
        for i in 0..<count {
            limits[i] = i + 1 < count ? starts[i + 1] : n
            finals[i] = final && i == count - 1
            if limits[i] - starts[i] >= CSVFieldScanner.maxBlockBytes - 64 {
                limits[i] = starts[i] + CSVFieldScanner.maxBlockBytes - 64
                finals[i] = false
            }
        }
        while blockParsers.count < count { blockParsers.append(CSVBlockParser(schema: schema, dialect: options.dialect)) }
        var results: [CSVBlockResult?] = Array(repeating: nil, count: count)
        if count == 1 {
            results[0] = blockParsers[0].parse(base, start: starts[0], limit: limits[0], final: finals[0], maxRows: rowCap)
        } else {
            let work = CSVParallelBlocks(base: base, parsers: blockParsers, starts: starts, limits: limits, finals: finals, maxRows: rowCap)
            results = work.run()
        }
        // Take the blocks in order while each one ended exactly where the next began.
        var position = p
        var rows = 0
        for i in 0..<count {
            guard let r = results[i] else { break }
            if i > 0 { speculativeBlocksTaken += 1 }
            parser.line += r.lines
            position = r.end
            rows += r.rows
            if r.rows > 0 { bytesPerRow = Double(r.end - starts[i]) / Double(r.rows) }
            let batch = r.rows > 0 ? ColumnBatch(schema: schema, columns: r.columns, rowCount: r.rows) : nil
            if r.stop == .anomaly {
                // The row at `position` goes to the row parser (with the rows before it in the same batch).
                slowPrefix = batch
                slowRun = r.rows < 1024 ? min(slowRun * 2, rowCap) : 1
                slowTarget = max(1, min(slowRun, rowCap - r.rows))
                speculativeBlocksDiscarded += count - 1 - i
                return position
            }
            if let batch { complete(batch) }
            guard i + 1 < count, r.end == starts[i + 1] else {
                speculativeBlocksDiscarded += count - 1 - i
                break
            }
        }
        if rows > 0 { slowRun = 1 }
        if position == p, let first = results[0], first.stop == .limit {
            // Not one complete row: wait for more input (twice as much, so a long row is scanned
            // a bounded number of times), or hand an over-long block to the row parser.
            if final || limits[0] < n {
                slowTarget = 1
                return position
            }
            if avail > options.maxRowBytes { throw parser.rowTooLong() }
            retryAt = p + 2 * avail + 1
            return nil
        }
        return position
    }
}

/// Runs one block per thread (DispatchQueue.concurrentPerform); the blocks are disjoint ranges of
/// one immutable buffer and every thread has its own ``CSVBlockParser``.
private struct CSVParallelBlocks: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let parsers: [CSVBlockParser]
    let starts: [Int]
    let limits: [Int]
    let finals: [Bool]
    let maxRows: Int

    func run() -> [CSVBlockResult?] {
        let results = UnsafeMutableBufferPointer<CSVBlockResult?>.allocate(capacity: starts.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let output = CSVResultSlots(slots: results)
        DispatchQueue.concurrentPerform(iterations: starts.count) { i in
            output.slots[i] = parsers[i].parse(base, start: starts[i], limit: limits[i], final: finals[i], maxRows: maxRows)
        }
        return Array(results)
    }
}

/// One result slot per thread; each thread writes only its own.
private struct CSVResultSlots: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<CSVBlockResult?>
}

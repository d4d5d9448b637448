/// When a table's batch is flushed: by row count, by buffered bytes, or by age (DMS's
/// `CdcMaxBatchInterval` 60 s and `CdcMinFileSize` 32 MB are the defaults).
public struct BatchPolicy: Sendable, Hashable {
    public var maxRows: Int
    public var maxBytes: Int
    /// Seconds from a batch's first row to its flush, even when no more input arrives.
    public var maxAge: Double

    public init(maxRows: Int = 1_000_000, maxBytes: Int = 32_000_000, maxAge: Double = 60) {
        self.maxRows = maxRows
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }
}

/// Why a batch is flushed.
public enum FlushReason: String, Sendable, Hashable {
    case rows, bytes, age, endOfInput = "end-of-input", signal, schemaChange = "schema-change", truncate
}

/// The life of one table's batch, without I/O: rows are buffered; a trigger (limit, timer, end of
/// input, signal, schema change) starts a flush; the files are written; the change-log entry is
/// committed (or the commit is lost to another writer, which is final). The writer drives it and
/// does the I/O each phase asks for; tests drive it directly.
public struct BatchStateMachine: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        /// No rows buffered.
        case empty
        /// Rows buffered since `since` (a monotonic clock in seconds).
        case buffering(since: Double)
        /// A flush started for `reason`: the files are being written.
        case writing(reason: FlushReason)
        /// Files written; change-log entry `number` is being created.
        case committing(number: UInt64)
        /// Another writer holds entry `number`: this writer must stop.
        case lost(number: UInt64)
    }

    public enum TransitionError: Error, Sendable, Equatable {
        case invalid(from: Phase, event: String)
    }

    public private(set) var phase: Phase = .empty
    public private(set) var rows = 0
    public private(set) var bytes = 0
    /// The next change-log number to commit.
    public private(set) var nextNumber: UInt64
    public let policy: BatchPolicy

    public init(policy: BatchPolicy, nextNumber: UInt64) {
        self.policy = policy
        self.nextNumber = nextNumber
    }

    /// Rows were buffered at time `now`.
    public mutating func buffered(rows r: Int, bytes b: Int, now: Double) throws(TransitionError) {
        switch phase {
        case .empty: phase = .buffering(since: now)
        case .buffering: break
        default: throw .invalid(from: phase, event: "buffer")
        }
        rows += r
        bytes = b
    }

    /// The reason to flush now, if any limit is reached.
    public func trigger(now: Double) -> FlushReason? {
        guard case .buffering(let since) = phase else { return nil }
        if rows >= policy.maxRows { return .rows }
        if bytes >= policy.maxBytes { return .bytes }
        if now - since >= policy.maxAge { return .age }
        return nil
    }

    /// When the timer fires for this batch (nil when empty).
    public var deadline: Double? {
        guard case .buffering(let since) = phase else { return nil }
        return since + policy.maxAge
    }

    /// Starts a flush; returns false when there is nothing to flush.
    public mutating func startFlush(_ reason: FlushReason) throws(TransitionError) -> Bool {
        switch phase {
        case .empty: return false
        case .buffering: phase = .writing(reason: reason); return true
        default: throw .invalid(from: phase, event: "flush")
        }
    }

    /// The files are written; returns the change-log number to create.
    public mutating func filesWritten() throws(TransitionError) -> UInt64 {
        guard case .writing = phase else { throw .invalid(from: phase, event: "files written") }
        phase = .committing(number: nextNumber)
        return nextNumber
    }

    /// The change-log entry was created: the batch is durable; back to empty.
    public mutating func committed() throws(TransitionError) {
        guard case .committing(let n) = phase else { throw .invalid(from: phase, event: "committed") }
        nextNumber = n + 1
        phase = .empty
        rows = 0
        bytes = 0
    }

    /// The entry already existed: another writer owns this table.
    public mutating func commitLost() throws(TransitionError) {
        guard case .committing(let n) = phase else { throw .invalid(from: phase, event: "commit lost") }
        phase = .lost(number: n)
    }

    /// Writing failed before the commit (the files are orphans): the rows are still buffered.
    public mutating func writeFailed(since: Double) throws(TransitionError) {
        switch phase {
        case .writing, .committing: phase = .buffering(since: since)
        default: throw .invalid(from: phase, event: "write failed")
        }
    }

    /// A commit that carries no rows (a truncate marker) takes the next number directly.
    public mutating func reserveMarker() throws(TransitionError) -> UInt64 {
        guard case .empty = phase else { throw .invalid(from: phase, event: "marker") }
        phase = .committing(number: nextNumber)
        return nextNumber
    }
}

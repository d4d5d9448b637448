/// The CSV reader's input bytes: one contiguous, growable buffer that a file can be read into
/// directly (no intermediate chunk copy), with zeroed slack after the end so that the hot loops
/// may load a full 8- or 16-byte word that starts inside the data without a bounds check.
final class CSVInputBuffer {
    /// Readable bytes past ``capacity`` (always zero or stale data, never outside the allocation).
    static let slack = 32

    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity + Self.slack)
        base.initialize(repeating: 0, count: self.capacity + Self.slack)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes (geometric growth).
    func reserve(_ extra: Int) {
        let needed = count + extra
        guard needed > capacity else { return }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity + Self.slack)
        // Only the data and the slack need defined bytes; zero-filling megabytes about to be
        // overwritten cost more than the parsing of them.
        // (The bytes between them are stale data to the scanners, as after ``removePrefix(_:)``.)
        grown.initialize(from: base, count: count)
        (grown + newCapacity).initialize(repeating: 0, count: Self.slack)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Lets `body` write up to `maxBytes` bytes at the end; it returns how many it wrote.
    func append(upTo maxBytes: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        reserve(maxBytes)
        let written = try body(UnsafeMutableRawBufferPointer(start: base + count, count: maxBytes))
        count += max(0, min(written, maxBytes))
        return written
    }

    /// Drops the first `n` bytes (the parsed rows), keeping the capacity.
    func removePrefix(_ n: Int) {
        guard n > 0 else { return }
        let rest = count - n
        if rest > 0 { UnsafeMutableRawPointer(base).copyMemory(from: base + n, byteCount: rest) }  // memmove
        count = rest
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}

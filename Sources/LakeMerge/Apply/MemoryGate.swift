/// Bounds the bytes of table rows the rewrite tasks hold at once: a task asks for its estimate
/// before reading a row group and gives it back when done. A request larger than the whole
/// capacity is granted alone (it waits until nothing else is held), so one huge row group still
/// proceeds, just without company.
actor MemoryGate {
    let capacity: Int
    private var held = 0
    private var waiting: [(bytes: Int, resume: CheckedContinuation<Void, Never>)] = []

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Bytes granted and not yet released.
    var heldBytes: Int { held }

    /// Waits until `bytes` (capped at the capacity) fit; returns what was taken.
    func acquire(_ bytes: Int) async -> Int {
        let want = min(max(0, bytes), capacity)
        if waiting.isEmpty, held + want <= capacity {
            held += want
            return want
        }
        await withCheckedContinuation { waiting.append((want, $0)) }
        return want
    }

    func release(_ bytes: Int) {
        held -= bytes
        // First come, first served: a large request is not starved by smaller ones behind it.
        while let first = waiting.first, held + first.bytes <= capacity {
            waiting.removeFirst()
            held += first.bytes
            first.resume.resume()
        }
    }
}

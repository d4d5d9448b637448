/// The tables seen so far in this run, by name.
final class TableRegistry {
    private(set) var tables: [TableID: TableBuffer] = [:]
    /// Insertion order, for deterministic flush order.
    private(set) var order: [TableID] = []

    func table(_ id: TableID) -> TableBuffer? { tables[id] }

    func add(_ t: TableBuffer) {
        if tables[t.id] == nil { order.append(t.id) }
        tables[t.id] = t
    }

    var all: [TableBuffer] { order.compactMap { tables[$0] } }
}

/// What decoding one event led to.
enum DecodeOutcome {
    /// A row was buffered in this table.
    case appended(TableBuffer)
    /// The event is at or below the table's position reached (a replay), or carries no row.
    case skipped
    /// Not an event (a CSV header row).
    case noEvent
    /// A truncate of the table at this position.
    case truncate(TableBuffer, ChangeSeq, Int64)
    /// The table is new to this run: load its change-log state, then decode the event again.
    case needsTable(TableID)
    /// The event's schema widens the table's while rows are buffered: flush the table, then
    /// decode the event again.
    case needsSchemaFlush(TableBuffer)
}

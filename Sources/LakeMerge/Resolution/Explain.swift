import LakeColumnar

/// `lakectl compact --explain KEY`: how one key's changes were ordered and which one won.
enum Explain {
    /// Lines describing every event of the key whose display text (values joined by `,`) is `keyText`.
    static func lines(_ r: Resolution, keyText: String, dataSchema: Schema) -> [String] {
        let c = r.changes
        let keyIdx = r.keyColumns.compactMap { dataSchema.index(of: $0) }
        let types = keyIdx.map { dataSchema.fields[$0].type }
        func text(_ cols: [Column], _ row: Int) -> String {
            zip(cols, types).map { $0.displayText(at: row, type: $1) }.joined(separator: ",")
        }
        let after = keyIdx.map { c.rows.columns[$0] }
        var events: [(row: Int, kind: UInt8, line: String)] = []
        for row in 0..<c.count {
            let file = c.sourceNames.indices.contains(Int(c.file[row])) ? c.sourceNames[Int(c.file[row])] : "?"
            var order: [String] = []
            if c.sequence[row] != ChangeSet.noSequence { order.append("seq \(c.sequence[row])") }
            if c.commitTime[row] != ChangeSet.noTime { order.append("commit \(c.displayTime(row))") }
            let position = "\(file) data row \(c.rowInFile[row] + 1)"
            if let before = c.beforeKeys, !before.allSatisfy({ $0.isNull(row) }), text(before, row) == keyText,
               text(after, row) != keyText, c.ops[row] == .update {
                events.append((row, 0, "D (primary key changed to \(text(after, row))) from \(position)\(order.isEmpty ? "" : ", " + order.joined(separator: ", "))"))
            }
            if text(after, row) == keyText {
                events.append((row, 1, "\(c.ops[row]) from \(position)\(order.isEmpty ? "" : ", " + order.joined(separator: ", "))"))
            }
        }
        guard !events.isEmpty else { return ["key \(keyText): no change in this run touches it"] }
        events.sort { ChangeResolver.precedes(c, $0.row, $0.kind, $1.row, $1.kind) }
        var out = ["key \(keyText): \(events.count) change(s), ordered by sequence, then commit time, then file and row:"]
        for (i, e) in events.enumerated() { out.append("  \(i + 1). \(e.line)\(i == events.count - 1 ? "  <- wins" : "")") }
        let last = events[events.count - 1]
        if last.kind == 0 || c.ops[last.row] == .delete {
            out.append("  result: the key is deleted (a no-op if the table does not hold it)")
        } else {
            out.append("  result: the row becomes the after-image of change \(events.count) (inserted if absent, replaced if present)")
        }
        return out
    }
}

extension ChangeSet {
    func displayTime(_ row: Int) -> String {
        Column(.int64([commitTime[row]])).displayText(at: 0, type: .timestamp(utc: true))
    }
}

extension DeltaProtocol {
    /// The protocol raised to reader 3 / writer 7 with `deletionVectors`, keeping every feature the
    /// old versions implied (legacy writer versions map to their features, as the protocol says).
    public func withDeletionVectors() -> DeltaProtocol {
        var reader = self.minReaderVersion >= 3 ? (self.readerFeatures ?? []) : []
        var writer = self.minWriterVersion >= 7 ? (self.writerFeatures ?? []) : []
        if self.minReaderVersion == 2 { reader.append("columnMapping") }
        if self.minWriterVersion < 7 {
            let legacy: [(Int, [String])] = [(2, ["appendOnly", "invariants"]), (3, ["checkConstraints"]),
                                             (4, ["changeDataFeed", "generatedColumns"]), (5, ["columnMapping"]),
                                             (6, ["identityColumns"])]
            for (version, features) in legacy where self.minWriterVersion >= version { writer += features }
        }
        for feature in reader where !writer.contains(feature) { writer.append(feature) }
        if !reader.contains("deletionVectors") { reader.append("deletionVectors") }
        if !writer.contains("deletionVectors") { writer.append("deletionVectors") }
        var seen = Set<String>()
        return DeltaProtocol(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: reader.filter { seen.insert("r" + $0).inserted },
                             writerFeatures: writer.filter { seen.insert("w" + $0).inserted })
    }
}

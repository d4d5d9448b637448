import ArgumentParser

extension Lakectl {
    /// The program's entry point: parses the command line and runs the chosen command, awaiting
    /// async commands. (`await Lakectl.main()` in a `main.swift` resolves to the synchronous
    /// `ParsableCommand.main()`, which refuses async commands, so the dispatch is spelled out.)
    public static func launch(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

import ArgumentParser
import Foundation

/// The process entry point: parses the command line, runs the command, and turns failures into
/// one line on standard error (`lakectl: <what failed and what to do>`) and a non-zero exit code.
public enum LakectlMain {
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        do {
            var command = try Lakectl.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            let code = Lakectl.exitCode(for: error)
            // Help, version and usage errors: let ArgumentParser print them its way.
            if code == .success || code == .validationFailure || error is ValidationError || error is CleanExit {
                Lakectl.exit(withError: error)
            }
            FileHandle.standardError.write(Data(("lakectl: " + oneLine(error) + "\n").utf8))
            exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }

    /// The error's message on one line.
    static func oneLine(_ error: any Error) -> String {
        let text = (error as? any LocalizedError)?.errorDescription ?? String(describing: error)
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

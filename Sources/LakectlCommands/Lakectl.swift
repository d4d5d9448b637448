import ArgumentParser

/// The `lakectl` root command. Each command group lives in its own file as an extension.
public struct Lakectl: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "lakectl",
        abstract: "Keep an analytics copy of operational databases in an S3 data lake, exactly once.",
        version: version,
        subcommands: [Ingest.self, Compact.self, FS.self, ConvertCommand.self, DebugCommand.self, ParquetCommand.self, TableCommand.self, ScanCommand.self]
    )

    public init() {}
}

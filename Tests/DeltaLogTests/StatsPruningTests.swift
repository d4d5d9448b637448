import LakeColumnar
import Testing
@testable import DeltaLog

/// File pruning by statistics that other writers produce inexactly.
@Suite struct StatsPruningTests {
    /// delta-rs writes decimal statistics through a double: `1.2345678901234566e+17` for a maximum of
    /// 123456789012345678.0000000047. The file must still be kept for that key.
    @Test func decimalStatisticsWrittenAsDoublesAreWidened() throws {
        let type = DataType.decimal(precision: 38, scale: 10)
        let pruner = FilePruner(schema: Schema([Field("k", type)]), partitionColumns: [])
        let stats = FileStats(numRecords: 25, minValues: ["k": .number("1.2345678901234566e+17")],
                              maxValues: ["k": .number("1.2345678901234566e+17")], nullCount: ["k": 0])
        // 123456789012345678.0000000047 (both bounds in the double are below it).
        let key = ScalarValue.decimal(Int128(1_234_567_890_123_456_780_000_000_047), scale: 10)
        #expect(pruner.mayMatch(.equals("k", key), partitionValues: [:], stats: stats))
        // Far away keys are still pruned.
        let far = ScalarValue.decimal(Int128(2_000_000_000_000_000_000_000_000_000), scale: 10)
        #expect(!pruner.mayMatch(.equals("k", far), partitionValues: [:], stats: stats))
        // Exact statistics (lakectl's, all digits) are not widened.
        let exact = FileStats(numRecords: 2, minValues: ["k": .number("123456789012345678.0000000002")],
                              maxValues: ["k": .number("123456789012345678.0000000046")], nullCount: ["k": 0])
        #expect(!pruner.mayMatch(.equals("k", key), partitionValues: [:], stats: exact))
    }
}

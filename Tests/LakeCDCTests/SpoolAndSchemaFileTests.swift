import Foundation
import LakeColumnar
import LakeObjectStore
import Testing
@testable import LakeCDC

@Suite struct SpoolTests {
    @Test func appendsReadsDeletesAndSurvivesReopen() throws {
        let path = NSTemporaryDirectory() + "spool-\(UUID().uuidString)/s.db"
        do {
            let spool = try Spool(path: path)
            let a = try spool.append(Array("first\n".utf8))
            let b = try spool.append(Array("second\n".utf8))
            #expect(a < b)
            try spool.delete(below: b)
        }
        let reopened = try Spool(path: path)
        let ids = try reopened.ids()
        #expect(ids.count == 1)
        #expect(try reopened.block(ids[0]) == Array("second\n".utf8))
        #expect(try reopened.heldBytes() == 7)
    }

    @Test func defaultPathIsStablePerLakeAndSource() {
        #expect(Spool.defaultPath(lake: "/l", source: "stdin") == Spool.defaultPath(lake: "/l", source: "stdin"))
        #expect(Spool.defaultPath(lake: "/l", source: "stdin") != Spool.defaultPath(lake: "/m", source: "stdin"))
    }
}

@Suite struct SchemaFileTests {
    @Test func schemalessEventsTakeTypesFromTheSchemaFile() async throws {
        let schema = try SchemaFile.parse(Array(#"""
            {"columns": [{"name": "id", "type": "bigint", "nullable": false}, {"name": "price", "type": "numeric(8,2)"},
                         {"name": "day", "type": "date"}, {"name": "at", "type": "timestamp"}, {"name": "ok", "type": "boolean"}],
             "key": ["id"]}
            """#.utf8), source: "schema.json")
        #expect(schema.key == ["id"])
        let line = #"{"before":null,"after":{"id":5,"price":"12.30","day":"2024-06-12","at":"2024-06-12T10:30:27.5Z","ok":true},"source":{"schema":"s","table":"t","lsn":1,"ts_ms":1700000000000},"op":"c"}"#
        let path = NSTemporaryDirectory() + "cdc-\(UUID().uuidString).json"
        try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let store = InMemoryStore()
        let options = IngestOptions(lakeDescription: "memory://", schema: schema,
                                    writer: ChangeWriterOptions(format: .csv, compression: .none), inputs: [path])
        let summary = try await IngestRunner(store: store, options: options, encoder: ChangeFileEncoding.encode).run()
        #expect(summary.rowsCommitted == 1)
        let entry = try #require(try await ChangeLog(store: store, table: TableID(schema: "s", table: "t")).lastEntry())
        #expect(entry.schema.key == ["id"])
        #expect(entry.schema.dataFields.map(\.type) == [.int64, .decimal(precision: 8, scale: 2), .date, .timestamp(utc: true), .boolean])
        let text = String(decoding: try await store.get(entry.files[0].path), as: UTF8.self)
        #expect(text.hasSuffix(",5,12.30,2024-06-12,2024-06-12 10:30:27.500000,true\n"))
    }
}

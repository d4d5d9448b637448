// libFuzzer target: the JSON scanner under the Debezium decoder (every event goes through it) and
// the change-log entry decoder.
// Build and run: scripts/fuzz.sh debezium
import LakeCDC
import LakeColumnar

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDebezium(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buf = UnsafeBufferPointer(start: data, count: size)
    var scanner = JSONScanner()
    var pos = 0
    while pos < size, let end = try? scanner.scan(buf, from: pos), end > pos { pos = end }
    _ = try? ChangeLogEntry.decode(Array(buf), key: "changes/s/t/_changelog/00000000000000000000.json")
    _ = try? SchemaFile.parse(Array(buf), source: "fuzz")
    return 0
}

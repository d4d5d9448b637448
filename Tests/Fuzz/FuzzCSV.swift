// libFuzzer target: the streaming CSV reader (DMS dialect) with a typed schema, fed in two chunks.
// Build and run: scripts/fuzz.sh csv
import LakeColumnar
import LakeCSV

let fuzzSchema = Schema([Field("Op", .string), Field("ts", .timestamp(utc: true)), Field("id", .int64, nullable: false),
                         Field("amount", .decimal(precision: 12, scale: 2)), Field("name", .string), Field("flag", .boolean)])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let reader = try? CSVReader(schema: fuzzSchema) else { return 0 }
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    do {
        try reader.feed(Array(bytes[..<cut])) { _ in }
        try reader.feed(Array(bytes[cut...])) { _ in }
        try reader.finish { _ in }
    } catch {}
    return 0
}

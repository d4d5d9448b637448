// libFuzzer target: the Delta log commit parser (newline-delimited JSON actions).
// Build and run: scripts/fuzz.sh delta
import DeltaLog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeltaLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Action.parseCommit(Array(UnsafeBufferPointer(start: data, count: size)), file: "00000000000000000000.json")
    return 0
}

// libFuzzer target: the Parquet reader (footer, Thrift, pages, codecs, encodings) on arbitrary bytes.
// Build and run: scripts/fuzz.sh parquet
import Dispatch
import LakeParquet

final class Box: @unchecked Sendable { var done = false }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParquet(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let finished = DispatchSemaphore(value: 0)
    Task.detached {
        defer { finished.signal() }
        guard let reader = try? await ParquetReader.open(InMemorySource(bytes: bytes)) else { return }
        _ = try? await reader.readBatches()
    }
    finished.wait()
    return 0
}

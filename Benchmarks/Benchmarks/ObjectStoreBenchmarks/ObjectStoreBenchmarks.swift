import Benchmark
import Foundation
import LakeObjectStore

/// Local folder store: the embedded default's put (staged, fsynced, renamed) and get costs.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 20
    )

    let payload = [UInt8](repeating: 0x5A, count: 64 * 1024)

    Benchmark("LocalFolderStore put 100 x 64 KiB") { benchmark in
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = LocalFolderStore(root: root)
        benchmark.startMeasurement()
        for i in 0..<100 {
            try await store.put("objects/\(i)", bytes: payload)
        }
        benchmark.stopMeasurement()
    }

    Benchmark("LocalFolderStore get 100 x 64 KiB") { benchmark in
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = LocalFolderStore(root: root)
        for i in 0..<100 { try await store.put("objects/\(i)", bytes: payload) }
        benchmark.startMeasurement()
        for i in 0..<100 {
            blackHole(try await store.get("objects/\(i)"))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("LocalFolderStore list 2,000 keys") { benchmark in
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = LocalFolderStore(root: root)
        for i in 0..<2_000 { try await store.put("p/\(i % 20)/\(i)", bytes: [1]) }
        benchmark.startMeasurement()
        blackHole(try await store.listAll(prefix: "p/"))
        benchmark.stopMeasurement()
    }
}

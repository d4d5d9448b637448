import Foundation
import LakeObjectStore
import LakeTesting
import Testing

@Suite struct LocalFolderStoreConformance {
    @Test func conformance() async throws {
        let root = try TemporaryFolder()
        try await ObjectStoreConformance(store: LocalFolderStore(root: root.url), prefix: "suite/").runAll()
    }

    @Test func conformanceAtRoot() async throws {
        let root = try TemporaryFolder()
        try await ObjectStoreConformance(store: LocalFolderStore(root: root.url), prefix: "").createOnlyRace()
    }
}

@Suite struct InMemoryStoreConformance {
    @Test func conformance() async throws {
        try await ObjectStoreConformance(store: InMemoryStore(), prefix: "suite/").runAll()
    }
}

/// A fresh folder under the system's temporary folder, removed when released.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lakectl-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

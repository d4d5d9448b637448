// swift-tools-version:6.1
// Benchmarks live in their own package so that the main build and CI stay light.
// Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "lakectl-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "lakectl", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ObjectStoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LakeObjectStore", package: "lakectl"),
            ],
            path: "Benchmarks/ObjectStoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

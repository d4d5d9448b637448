// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode (strict concurrency) is the
/// tools-version default; `ExistentialAny` keeps protocol existentials visible in signatures.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "lakectl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lakectl", targets: ["lakectl"]),
        .library(name: "LakeObjectStore", targets: ["LakeObjectStore"]),
        .library(name: "LakeS3", targets: ["LakeS3"]),
        .library(name: "LakeCodecs", targets: ["LakeCodecs"]),
        .library(name: "LakeColumnar", targets: ["LakeColumnar"]),
        .library(name: "LakeParquet", targets: ["LakeParquet"]),
        .library(name: "LakeCSV", targets: ["LakeCSV"]),
        .library(name: "DeltaLog", targets: ["DeltaLog"]),
        .library(name: "LakeCDC", targets: ["LakeCDC"]),
        .library(name: "LakeMerge", targets: ["LakeMerge"]),
        .library(name: "LakeTesting", targets: ["LakeTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries, from Debian's -dev packages (see README "Requirements").
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Object stores: the protocol, the local folder store, the in-memory double, store URLs.
        .target(name: "LakeObjectStore", swiftSettings: swiftSettings),
        // S3 over libcurl with SigV4 (libcrypto), and the URL → store factory.
        .target(name: "LakeS3", dependencies: ["LakeObjectStore", "CCurl", "CCrypto"], swiftSettings: swiftSettings),
        // Compression codecs behind one interface.
        .target(name: "LakeCodecs", dependencies: ["CZstd", "CZlib", "CSnappy"], swiftSettings: swiftSettings),
        // In-memory column batches: schema, typed buffers, validity, gather/concat/slice, statistics.
        .target(name: "LakeColumnar", swiftSettings: swiftSettings),
        // Parquet writer and reader over column batches.
        .target(name: "LakeParquet", dependencies: ["LakeColumnar", "LakeCodecs", "LakeObjectStore", "CZstd"], swiftSettings: swiftSettings),
        // CSV (RFC 4180 and the AWS DMS dialect) over column batches.
        .target(name: "LakeCSV", dependencies: ["LakeColumnar", "LakeCodecs"], swiftSettings: swiftSettings),
        // The Delta Lake transaction log: actions, replay, commits, checkpoints, vacuum, table API.
        .target(name: "DeltaLog", dependencies: ["LakeObjectStore", "LakeColumnar", "LakeParquet", "LakeCodecs", "CZlib"], swiftSettings: swiftSettings),
        // CDC: event decoders (Debezium JSON, DMS CSV/Parquet), the batching writer, the change log, the spool.
        .target(
            name: "LakeCDC",
            dependencies: ["LakeObjectStore", "LakeColumnar", "LakeParquet", "LakeCSV", "LakeCodecs", "CSQLite"],
            swiftSettings: swiftSettings
        ),
        // The merge engine: change resolution per key, file pruning, copy-on-write rewrite, Delta commit.
        .target(
            name: "LakeMerge",
            dependencies: ["LakeObjectStore", "LakeColumnar", "LakeParquet", "LakeCSV", "LakeCodecs", "DeltaLog", "LakeCDC"],
            swiftSettings: swiftSettings
        ),
        // Shared test support: the object-store conformance suite and helpers (used by tests).
        .target(name: "LakeTesting", dependencies: ["LakeObjectStore"], swiftSettings: swiftSettings),
        // The command implementations (a library so tests can drive them).
        .target(
            name: "LakectlCommands",
            dependencies: [
                "LakeObjectStore", "LakeS3", "LakeColumnar", "LakeParquet", "LakeCSV", "DeltaLog", "LakeCDC", "LakeMerge",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "lakectl", dependencies: ["LakectlCommands"], swiftSettings: swiftSettings),

        .testTarget(name: "LakeObjectStoreTests", dependencies: ["LakeObjectStore", "LakeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeS3Tests", dependencies: ["LakeS3", "LakeObjectStore", "LakeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeCodecsTests", dependencies: ["LakeCodecs"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeColumnarTests", dependencies: ["LakeColumnar"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeParquetTests", dependencies: ["LakeParquet", "LakeColumnar", "LakeObjectStore", "LakeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeCSVTests", dependencies: ["LakeCSV", "LakeColumnar", "LakeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "DeltaLogTests", dependencies: ["DeltaLog", "LakeObjectStore", "LakeS3", "LakeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeCDCTests", dependencies: ["LakeCDC", "LakeObjectStore", "LakeColumnar", "LakeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeMergeTests", dependencies: ["LakeMerge", "LakeObjectStore", "LakeColumnar", "LakeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "LakectlCommandsTests", dependencies: ["LakectlCommands"], swiftSettings: swiftSettings),
    ]
)

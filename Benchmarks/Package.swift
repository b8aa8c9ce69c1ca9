// swift-tools-version:6.1
import PackageDescription

/// Settings every target of ours compiles with (as in the main package): Swift 6 language mode,
/// the default of this tools version, plus explicit `any` and imports visible only where declared.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Benchmarks of webprofiled, kept out of the main package so that its build never pulls in
/// grpc-swift or the benchmark harness.
///
/// - `Micro` (Benchmarks/Micro): ordo-one/benchmark micro-benchmarks of the wire codecs, the
///   frame decoder and the permission check; run with `swift package benchmark`.
/// - `grpc-authorize-peer`: the daemon's `Session/Authorize` logic served over gRPC (HTTP/2 on a
///   Unix socket, JSON messages) and a load generator for it, to compare against the daemon's own
///   protocol under `webprofilectl bench authorize`.
/// - `webprofiles-seed`: fills a database for the scale run (never installed, so never
///   reachable in production).
/// - `argon2-rate`: raw Argon2id verifications/s with the daemon's parameters and pool shape, next to Login.
///
/// The main package's store, server and load-testing modules are `package` (visible inside that
/// package only), so nothing here imports them: the tools use the public vocabulary (CBOR, Wire,
/// API, Domain) and `BenchmarkSupport`, which restates the few daemon rules they need (the SQLite
/// schema's migrations, token shape and hashing, Argon2id, the default settings), each next to
/// the main-package file it follows.
let package = Package(
    name: "webprofiled-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "webprofiled", path: ".."),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        // Only the malloc interposer (the malloc metrics). The other default trait,
        // "RuntimeInterposer", adds a Linux/Swift 6.3 dependency (swift-runtime-interposer) that
        // only the ARC metrics (retain/release counts) use, and Micro measures none of them.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // MARK: Micro-benchmarks
        // The benchmark plugin only runs executable targets whose directory sits in a directory
        // named "Benchmarks" (Plugins/BenchmarkCommandPlugin), hence Benchmarks/Benchmarks/Micro.
        .executableTarget(
            name: "Micro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CBOR", package: "webprofiled"),
                .product(name: "WebProfilesWire", package: "webprofiled"),
                .product(name: "WebProfilesAPI", package: "webprofiled"),
                .product(name: "WebProfilesDomain", package: "webprofiled"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/Micro",
            swiftSettings: strictSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),

        // MARK: What the tools share
        .systemLibrary(name: "CArgon2Benchmarks", path: "Sources/CArgon2Benchmarks", providers: [.apt(["libargon2-dev"])]),
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                "CArgon2Benchmarks",
                .product(name: "WebProfilesDomain", package: "webprofiled"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: gRPC comparison peer
        .executableTarget(
            name: "grpc-authorize-peer",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "WebProfilesAPI", package: "webprofiled"),
                .product(name: "WebProfilesDomain", package: "webprofiled"),
                .product(name: "WebProfilesWire", package: "webprofiled"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Database seeding
        .executableTarget(
            name: "webprofiles-seed",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "WebProfilesDomain", package: "webprofiled"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Raw Argon2id rate
        .executableTarget(
            name: "argon2-rate",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)

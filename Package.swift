// swift-tools-version:6.1
import PackageDescription

/// Settings every target of ours compiles with: Swift 6 language mode plus the upcoming
/// features the project relies on (explicit `any`, imports visible only where declared).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "webprofiled",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "webprofiled", targets: ["webprofiled"]),
        .executable(name: "webprofilectl", targets: ["webprofilectl"]),
        .library(name: "WebProfilesClient", targets: ["WebProfilesClient"]),
        // The vocabulary the client speaks, for the fuzz and benchmark packages (Fuzz/, Benchmarks/).
        // Store, Server and LoadTesting have no public API (`package` inside): the benchmark
        // package uses the public modules, SQL, and its own BenchmarkSupport target.
        .library(name: "CBOR", targets: ["CBOR"]),
        .library(name: "WebProfilesWire", targets: ["WebProfilesWire"]),
        .library(name: "WebProfilesAPI", targets: ["WebProfilesAPI"]),
        .library(name: "WebProfilesDomain", targets: ["WebProfilesDomain"]),
    ],
    traits: [
        .trait(name: "PostgreSQL", description: "The PostgreSQL storage backend (postgres-nio), for several daemons on one state."),
        // `swift build --disable-default-traits` builds the embedded daemon alone (SQLite), without postgres-nio.
        .default(enabledTraits: ["PostgreSQL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: C libraries from Debian
        .systemLibrary(name: "CArgon2", path: "Sources/CArgon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CCrack", path: "Sources/CCrack", providers: [.apt(["libcrack2-dev", "cracklib-runtime"])]),
        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        // MARK: Wire protocol (no I/O)
        .target(name: "CBOR", swiftSettings: strictSettings),
        .target(
            name: "WebProfilesWire",
            dependencies: ["CBOR", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        .target(name: "WebProfilesAPI", dependencies: ["CBOR", "WebProfilesDomain"], swiftSettings: strictSettings),

        // MARK: Domain rules (pure)
        .target(name: "WebProfilesDomain", swiftSettings: strictSettings),

        // MARK: Store
        .target(
            name: "WebProfilesStore",
            dependencies: [
                "WebProfilesDomain", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["PostgreSQL"])),
                .product(name: "NIOPosix", package: "swift-nio", condition: .when(traits: ["PostgreSQL"])),
                .product(name: "NIOSSL", package: "swift-nio-ssl", condition: .when(traits: ["PostgreSQL"])),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Transport (NIO channel handlers, Unix listeners)
        .target(
            name: "WebProfilesTransport",
            dependencies: [
                "CBOR", "WebProfilesWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Server (router, services, authentication)
        .target(
            name: "WebProfilesServer",
            dependencies: [
                "CBOR", "WebProfilesWire", "WebProfilesAPI", "WebProfilesDomain", "WebProfilesStore",
                "WebProfilesTransport", "CArgon2", "CCrack",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Client library
        .target(
            name: "WebProfilesClient",
            dependencies: [
                "CBOR", "WebProfilesWire", "WebProfilesAPI", "WebProfilesDomain",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: systemd glue
        .target(
            name: "WebProfilesSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Load testing (webprofilectl bench and the benchmark package's peers)
        .target(
            name: "WebProfilesLoadTesting",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "webprofiled",
            dependencies: [
                "WebProfilesServer", "WebProfilesSystemd", "WebProfilesAPI", "WebProfilesTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "webprofilectl",
            dependencies: [
                "WebProfilesClient", "WebProfilesAPI", "WebProfilesWire", "WebProfilesDomain", "WebProfilesLoadTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "CBORTests",
            dependencies: ["CBOR", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Vectors")],
            swiftSettings: strictSettings
        ),
        .target(name: "ProtocolTestVectors", path: "Tests/ProtocolTestVectors", swiftSettings: strictSettings),
        .target(name: "TestSupport", dependencies: ["CBOR"], path: "Tests/TestSupport", swiftSettings: strictSettings),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "WebProfilesWire", "WebProfilesAPI", "WebProfilesDomain", "CBOR", "ProtocolTestVectors",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DomainTests",
            dependencies: ["WebProfilesDomain"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "WebProfilesServer", "WebProfilesDomain", "WebProfilesAPI", "WebProfilesWire", "WebProfilesStore", "WebProfilesTransport",
                "WebProfilesClient", "CBOR", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // A database written by the last release (7d06c0f), for the migration test.
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SystemdTests",
            dependencies: [
                "WebProfilesSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["WebProfilesStore", "WebProfilesDomain", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "WebProfilesClient", "WebProfilesAPI", "WebProfilesDomain", "WebProfilesWire", "CBOR",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                // The authenticator's side of TOTP, written independently of the daemon's.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "WebProfilesTransport", "WebProfilesServer", "WebProfilesClient", "WebProfilesWire", "WebProfilesAPI", "CBOR", "ProtocolTestVectors", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)

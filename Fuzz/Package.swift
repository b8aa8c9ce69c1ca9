// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for the parsers a hostile peer reaches first. Built and run by
/// `scripts/fuzz.sh TARGET|all SECONDS` with `--sanitize=fuzzer --sanitize=address`.
let package = Package(
    name: "webprofiled-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "webprofiled", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "FuzzFrameDecoder",
            dependencies: [.product(name: "WebProfilesWire", package: "webprofiled"), .product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(name: "FuzzCBOR", dependencies: [.product(name: "CBOR", package: "webprofiled")]),
        .executableTarget(
            name: "FuzzRequest",
            dependencies: [
                .product(name: "CBOR", package: "webprofiled"),
                .product(name: "WebProfilesWire", package: "webprofiled"),
                .product(name: "WebProfilesAPI", package: "webprofiled"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)

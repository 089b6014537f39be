// swift-tools-version: 6.1
// libFuzzer harnesses, kept out of the root package. Build and run one with:
//   cd Fuzz && swift build -c debug --sanitize fuzzer --sanitize address --product RADIUSPacketFuzz
//   SWIFT_BACKTRACE=enable=no .build/debug/RADIUSPacketFuzz -max_total_time=600 Corpus/RADIUSPacketFuzz
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between checkouts.
let aether = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "AetherFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "RADIUSPacketFuzz",
            dependencies: [.product(name: "RadiusKit", package: aether)],
            path: "RADIUSPacketFuzz"
        ),
    ]
)

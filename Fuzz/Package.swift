// swift-tools-version: 6.1
// libFuzzer harnesses for Aether's parsers of untrusted input. See Fuzz/README.md.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which is whatever the checkout is called.
let aether = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "AetherFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "DHCPMessageFuzz", dependencies: [.product(name: "DHCPKit", package: aether)],
                          path: "DHCPMessageFuzz"),
        .executableTarget(name: "DHCPFrameFuzz", dependencies: [.product(name: "DHCPKit", package: aether)],
                          path: "DHCPFrameFuzz"),
    ]
)

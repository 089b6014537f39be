// swift-tools-version: 6.1
// libFuzzer harnesses for Aether's parsers of untrusted input. See Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "AetherFuzz",
    platforms: [.macOS(.v15)],
    // Named explicitly: a path dependency is otherwise named after the checkout's folder.
    dependencies: [.package(name: "Aether", path: "..")],
    targets: [
        .executableTarget(name: "DHCPMessageFuzz", dependencies: [.product(name: "DHCPKit", package: "Aether")],
                          path: "DHCPMessageFuzz"),
        .executableTarget(name: "DHCPFrameFuzz", dependencies: [.product(name: "DHCPKit", package: "Aether"),
                                                                .product(name: "NetworkTypes", package: "Aether")],
                          path: "DHCPFrameFuzz"),
        .executableTarget(name: "RADIUSPacketFuzz", dependencies: [.product(name: "RadiusKit", package: "Aether")],
                          path: "RADIUSPacketFuzz"),
    ]
)

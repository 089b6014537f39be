// swift-tools-version: 6.1
// The libFuzzer harness for Aether's parsers of untrusted input. See Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "AetherFuzz",
    platforms: [.macOS(.v15)],
    // Named explicitly: a path dependency is otherwise named after the checkout's folder.
    dependencies: [.package(name: "Aether", path: "..")],
    targets: [
        .executableTarget(name: "AetherFuzz", dependencies: [.product(name: "AetherFuzzTargets", package: "Aether")],
                          path: "AetherFuzz"),
    ]
)

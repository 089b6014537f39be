// swift-tools-version: 6.1
// Benchmarks (ordo-one/benchmark). Run: cd Benchmarks && swift package benchmark
// A separate package that depends on the main one, so the main build and CI never pay for it.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which is whatever the checkout is called.
let aether = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "AetherBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "DHCPKitBenchmarks",
            dependencies: [
                .product(name: "DHCPKit", package: aether),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "DHCPKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

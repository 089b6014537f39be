// swift-tools-version: 6.1
// Benchmarks, kept out of the root package. Run with:
//   cd Benchmarks && swift package benchmark --filter "RADIUS (encode|decode)"
// The throughput comparison needs the test harness (FreeRADIUS) running, from the root:
//   AETHER_TEST_INSTANCE=<n> .build/debug/aether-lab services run --profile test -- \
//     swift package --package-path Benchmarks benchmark --filter "RADIUS throughput"
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between checkouts.
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
            name: "RadiusKitBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RadiusKit", package: aether),
                .product(name: "LabKit", package: aether),
                .product(name: "EventSourcing", package: aether),
            ],
            path: "RadiusKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

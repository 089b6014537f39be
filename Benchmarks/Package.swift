// swift-tools-version: 6.1
// Benchmarks for Aether's modules, kept out of the root package so `swift build` there stays lean.
// Run: cd Benchmarks && swift package benchmark --filter <name>
import PackageDescription

let package = Package(
    name: "AetherBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Aether", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Needs root: builds throwaway network namespaces and programs tc/nftables in them.
        .executableTarget(
            name: "NetlinkShapingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NetlinkShaping", package: "Aether"),
                .product(name: "DHCPKit", package: "Aether"),
                .product(name: "LabKit", package: "Aether"),
            ],
            path: "NetlinkShapingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

// swift-tools-version: 6.1
// Benchmarks live outside the root package so `swift build`/`make test` never build them.
// Run one module's set with: cd Benchmarks && swift package benchmark --filter "<name regex>"
import PackageDescription

let package = Package(
    name: "AetherBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise named after the checkout's folder.
        .package(name: "Aether", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "DHCPKitBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DHCPKit", package: "Aether"),
                .product(name: "NetworkTypes", package: "Aether"),
            ],
            path: "DHCPKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EventSourcingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EventSourcing", package: "Aether"),
                .product(name: "LabKit", package: "Aether"),
                .product(name: "NetworkTypes", package: "Aether"),
            ],
            path: "EventSourcingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "OSSKitBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "OSSKit", package: "Aether"),
                .product(name: "EventSourcing", package: "Aether"),
                .product(name: "LabKit", package: "Aether"),
            ],
            path: "OSSKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RadiusKitBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RadiusKit", package: "Aether"),
                .product(name: "LabKit", package: "Aether"),
                .product(name: "EventSourcing", package: "Aether"),
                .product(name: "NetworkTypes", package: "Aether"),
                .product(name: "ServiceSupport", package: "Aether"),
            ],
            path: "RadiusKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A fixed-rate load test of aether-api while aether-ingestor ingests (see its header).
        .executableTarget(
            name: "APILoad",
            dependencies: [
                .product(name: "OSSKit", package: "Aether"),
                .product(name: "EventSourcing", package: "Aether"),
                .product(name: "LabKit", package: "Aether"),
                .product(name: "NetworkTypes", package: "Aether"),
            ],
            path: "APILoad"
        ),
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

// swift-tools-version: 6.1
// Aether: a Swift SDK for broadband subscriber management.
// Library-centric: every module is a product other packages can depend on; executables stay thin.
import PackageDescription

let package = Package(
    name: "Aether",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "NetworkTypes", targets: ["NetworkTypes"]),
        .library(name: "DHCPKit", targets: ["DHCPKit"]),
        .library(name: "RadiusKit", targets: ["RadiusKit"]),
        .library(name: "EventSourcing", targets: ["EventSourcing"]),
        .library(name: "NetlinkShaping", targets: ["NetlinkShaping"]),
        .library(name: "LabKit", targets: ["LabKit"]),
        .executable(name: "aether-lab", targets: ["aether-lab"]),
        .executable(name: "aether-relay", targets: ["aether-relay"]),
        .executable(name: "aether-dhcp", targets: ["aether-dhcp"]),
        .executable(name: "aether-radius", targets: ["aether-radius"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, found by pkg-config (see each folder's shim.h).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a warning; the header needs no flags.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CNftables", pkgConfig: "libnftables", providers: [.apt(["libnftables-dev"])]),
        // Header-only shim for linux/*.h: packet sockets, BPF, netlink, tc, namespaces, pidfds.
        .systemLibrary(name: "CLinuxNet"),

        // The value types every kit shares: IPv4 address and network, MAC address, hex.
        .target(name: "NetworkTypes"),
        .target(
            name: "DHCPKit",
            dependencies: [
                "NetworkTypes", "CLinuxNet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "RadiusKit",
            dependencies: [
                "NetworkTypes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "EventSourcing",
            dependencies: [
                "NetworkTypes", "CLibPQ", "CHiredis",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "NetlinkShaping",
            dependencies: [
                "NetworkTypes", "CNftables", "CLinuxNet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "LabKit",
            dependencies: [
                "EventSourcing",
                "CLinuxNet",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "aether-lab",
            dependencies: [
                "LabKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Executables/aether-lab"
        ),
        .executableTarget(
            name: "aether-radius",
            dependencies: [
                "RadiusKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Executables/aether-radius"
        ),

        .executableTarget(
            name: "aether-relay",
            dependencies: [
                "DHCPKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Executables/aether-relay"
        ),

        .executableTarget(
            name: "aether-dhcp",
            dependencies: [
                "DHCPKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Executables/aether-dhcp"
        ),

        // Small programs that each show one module at work (Examples/).
        .executableTarget(name: "dhcp-stamp", dependencies: ["DHCPKit"], path: "Examples/dhcp-stamp"),

        // Shared by the test targets: the running service harness and throwaway namespaces.
        .target(
            name: "AetherTestSupport",
            dependencies: ["LabKit", "NetworkTypes"],
            path: "Tests/AetherTestSupport"
        ),
        .testTarget(name: "NetworkTypesTests", dependencies: ["NetworkTypes"]),
        .testTarget(
            name: "DHCPKitTests",
            dependencies: ["DHCPKit", "NetworkTypes", "AetherTestSupport"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "RadiusKitTests",
            dependencies: ["RadiusKit", "NetworkTypes", "AetherTestSupport"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "EventSourcingTests",
            dependencies: ["EventSourcing", "NetworkTypes", "AetherTestSupport", "EventSourcingTestConsumer"]
        ),
        // A consumer the EventSourcing crash tests run as a separate process and kill -9.
        .executableTarget(
            name: "EventSourcingTestConsumer",
            dependencies: ["EventSourcing", "NetworkTypes"],
            path: "Tests/EventSourcingTestConsumer"
        ),
        .testTarget(
            name: "NetlinkShapingTests",
            dependencies: [
                "NetlinkShaping", "NetworkTypes", "AetherTestSupport", "CLinuxNet",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "LabKitTests",
            dependencies: ["LabKit", "AetherTestSupport"]
        ),
    ]
)

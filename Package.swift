// swift-tools-version: 6.1
// Aether: a Swift SDK for broadband subscriber management.
// Library-centric: every module is a product other packages can depend on; executables stay thin.
import PackageDescription

let package = Package(
    name: "Aether",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "NetworkTypes", targets: ["NetworkTypes"]),
        .library(name: "ServiceSupport", targets: ["ServiceSupport"]),
        .library(name: "DHCPKit", targets: ["DHCPKit"]),
        .library(name: "RadiusKit", targets: ["RadiusKit"]),
        .library(name: "EventSourcing", targets: ["EventSourcing"]),
        .library(name: "NetlinkShaping", targets: ["NetlinkShaping"]),
        .library(name: "KeaControl", targets: ["KeaControl"]),
        .library(name: "BNGKit", targets: ["BNGKit"]),
        .library(name: "OSSKit", targets: ["OSSKit"]),
        .library(name: "OSSAPI", targets: ["OSSAPI"]),
        .library(name: "LabKit", targets: ["LabKit"]),
        .library(name: "AetherDaemon", targets: ["AetherDaemon"]),
        .library(name: "AetherFuzzTargets", targets: ["AetherFuzzTargets"]),
        .executable(name: "aether-lab", targets: ["aether-lab"]),
        .executable(name: "aether-sim", targets: ["aether-sim"]),
        .executable(name: "aether-relay", targets: ["aether-relay"]),
        .executable(name: "aether-bng", targets: ["aether-bng"]),
        .executable(name: "aether-ingestor", targets: ["aether-ingestor"]),
        .executable(name: "aether-api", targets: ["aether-api"]),
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
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
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
        // Dedicated threads for blocking calls, poll wake-ups, blocking loops as services, labelled counters.
        .target(
            name: "ServiceSupport",
            dependencies: [
                "CLinuxNet",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DHCPKit",
            dependencies: [
                "NetworkTypes", "ServiceSupport", "CLinuxNet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "RadiusKit",
            dependencies: [
                "NetworkTypes", "ServiceSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "EventSourcing",
            dependencies: [
                "NetworkTypes", "ServiceSupport", "CLibPQ", "CHiredis",
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
        // Typed client of Kea's control channel (lease_cmds), for the BNG's reconciler and the lab.
        .target(
            name: "KeaControl",
            dependencies: ["NetworkTypes", "DHCPKit", "ServiceSupport"]
        ),
        // The BNG: session engine, durable store, data plane, RADIUS and relay composed.
        .target(
            name: "BNGKit",
            dependencies: [
                "NetworkTypes", "ServiceSupport", "DHCPKit", "RadiusKit", "NetlinkShaping", "EventSourcing", "KeaControl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The OSS: schema, read-model projection, retention, configuration, demo data.
        .target(
            name: "OSSKit",
            dependencies: [
                "NetworkTypes", "EventSourcing", "ServiceSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The OSS's REST API, change feed, RADIUS provisioning and dashboard, on Hummingbird.
        .target(
            name: "OSSAPI",
            dependencies: [
                "OSSKit", "EventSourcing", "RadiusKit", "NetworkTypes", "ServiceSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Dashboard")]
        ),
        .target(
            name: "LabKit",
            dependencies: [
                "NetworkTypes", "EventSourcing", "KeaControl", "ServiceSupport", "DHCPKit", "BNGKit", "OSSKit",
                "RadiusKit", "CLinuxNet",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // One body per parser of untrusted input: what the libFuzzer harness in Fuzz/ runs, and
        // the short campaign `make test` runs (FuzzCampaign).
        .target(
            name: "AetherFuzzTargets",
            dependencies: ["NetworkTypes", "ServiceSupport", "DHCPKit", "RadiusKit", "EventSourcing", "NetlinkShaping",
                           "KeaControl", "BNGKit", "OSSKit", "LabKit"]
        ),
        // What the daemons share: logging and Prometheus bootstrap, the /metrics endpoint, the
        // ServiceGroup with signal handling. Exporters live here, never in the kits.
        .target(
            name: "AetherDaemon",
            dependencies: [
                "NetworkTypes", "ServiceSupport", "CLinuxNet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
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
            name: "aether-sim",
            dependencies: [
                "LabKit", "RadiusKit", "ServiceSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Executables/aether-sim"
        ),
        .executableTarget(
            name: "aether-radius",
            dependencies: [
                "RadiusKit", "ServiceSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Executables/aether-radius"
        ),

        .executableTarget(
            name: "aether-bng",
            dependencies: [
                "BNGKit", "AetherDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/aether-bng"
        ),
        .executableTarget(
            name: "aether-ingestor",
            dependencies: [
                "OSSKit", "EventSourcing", "AetherDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/aether-ingestor"
        ),
        .executableTarget(
            name: "aether-api",
            dependencies: [
                "OSSAPI", "OSSKit", "AetherDaemon", "LabKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/aether-api"
        ),
        .executableTarget(
            name: "aether-relay",
            dependencies: [
                "DHCPKit", "AetherDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
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
            dependencies: [
                "LabKit", "NetworkTypes", "ServiceSupport", "EventSourcing",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/AetherTestSupport"
        ),
        .testTarget(name: "NetworkTypesTests", dependencies: ["NetworkTypes"]),
        .testTarget(
            name: "DHCPKitTests",
            dependencies: [
                "DHCPKit", "NetworkTypes", "KeaControl", "AetherTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "RadiusKitTests",
            dependencies: [
                "RadiusKit", "NetworkTypes", "ServiceSupport", "AetherTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "EventSourcingTests",
            dependencies: [
                "EventSourcing", "NetworkTypes", "ServiceSupport", "AetherTestSupport", "EventSourcingTestConsumer",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // A consumer the EventSourcing crash tests run as a separate process and kill -9.
        .executableTarget(
            name: "EventSourcingTestConsumer",
            dependencies: ["EventSourcing", "NetworkTypes", "ServiceSupport"],
            path: "Tests/EventSourcingTestConsumer"
        ),
        .testTarget(
            name: "NetlinkShapingTests",
            dependencies: [
                "NetlinkShaping", "NetworkTypes", "AetherTestSupport", "CLinuxNet",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        // Scenarios across modules: access node, relays, BNG data plane, with the real peers.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "DHCPKit", "NetlinkShaping", "EventSourcing", "LabKit", "NetworkTypes", "AetherTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "BNGKitTests",
            dependencies: [
                "BNGKit", "DHCPKit", "RadiusKit", "EventSourcing", "KeaControl", "NetworkTypes", "AetherTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "OSSKitTests",
            dependencies: ["OSSKit", "EventSourcing", "NetworkTypes", "LabKit", "AetherTestSupport"]
        ),
        .testTarget(
            name: "OSSAPITests",
            dependencies: [
                "OSSAPI", "OSSKit", "EventSourcing", "RadiusKit", "NetworkTypes", "LabKit", "ServiceSupport", "AetherTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "KeaControlTests",
            dependencies: ["KeaControl", "DHCPKit", "NetworkTypes", "AetherTestSupport"]
        ),
        .testTarget(
            name: "LabKitTests",
            dependencies: ["LabKit", "KeaControl", "DHCPKit", "ServiceSupport", "AetherTestSupport"]
        ),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["AetherFuzzTargets", "ServiceSupport", "AetherTestSupport"]),
    ]
)

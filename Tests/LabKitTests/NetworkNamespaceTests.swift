import AetherTestSupport
import Foundation
import Glibc
import LabKit
import Testing
import NetworkTypes
import ServiceSupport

@Suite("Network namespaces, veth pairs and bridges")
struct NetworkNamespaceTests {
    @Test func vethPairCarriesTrafficBetweenNamespaces() async throws {
        try await withTestNetwork { network in
            let left = try await network.namespace("left")
            let right = try await network.namespace("right")
            try await left.addVeth("l0", peer: "r0", in: right)
            try await left.addAddress(IPv4InterfaceAddress(IPv4Address(198, 19, 7, 1), prefixLength: 30), to: "l0")
            try await right.addAddress(IPv4InterfaceAddress(IPv4Address(198, 19, 7, 2), prefixLength: 30), to: "r0")
            let ping = try await left.run(["ping", "-c", "1", "-W", "5", "198.19.7.2"])
            #expect(ping.succeeded, "\(ping.standardOutput)\(ping.standardError)")
        }
    }

    @Test func bridgeJoinsSeveralNamespaces() async throws {
        try await withTestNetwork { network in
            let hub = try await network.namespace("hub")
            try await hub.addBridge("br0")
            var members: [NetworkNamespace] = []
            for index in 1...2 {
                let member = try await network.namespace("m\(index)")
                try await member.addVeth("eth0", peer: "p\(index)", in: hub)
                try await hub.attach("p\(index)", toBridge: "br0")
                try await member.addAddress(IPv4InterfaceAddress(IPv4Address(198, 19, 8, UInt8(index)), prefixLength: 24), to: "eth0")
                members.append(member)
            }
            let ping = try await members[0].run(["ping", "-c", "1", "-W", "5", "198.19.8.2"])
            #expect(ping.succeeded, "\(ping.standardOutput)\(ping.standardError)")
        }
    }

    @Test func performRunsInsideTheNamespace() async throws {
        try await withTestNetwork { network in
            let inside = try await network.namespace("inside")
            let peer = try await network.namespace("peer")
            try await inside.addVeth("in0", peer: "pe0", in: peer)
            try await inside.addAddress(IPv4InterfaceAddress(IPv4Address(198, 19, 9, 1), prefixLength: 30), to: "in0")
            // Binding to an address that exists only in the namespace proves where the socket lives.
            let boundInside = try await inside.perform { Self.canBind(to: "198.19.9.1") }
            let boundOutside = Self.canBind(to: "198.19.9.1")
            #expect(boundInside)
            #expect(!boundOutside)
        }
    }

    /// Threads inherit their creator's namespace: if the thread that resumes the awaiting task
    /// had entered the lab node, a pool thread the runtime starts from it would stay there, and
    /// so would every process the test or product later spawns from that pool thread.
    @Test func theThreadThatGoesOnAfterANamespaceCallNeverLeftItsOwnNamespace() async throws {
        try await withTestNetwork { network in
            let node = try await network.namespace("node")
            var nodeStatus = stat()
            #expect(stat(node.path, &nodeStatus) == 0)
            let seen = try await DedicatedThread.run(name: "ns-caller") {
                let before = Self.networkNamespaceInode()
                let inside = try DedicatedThread.performInNetworkNamespace(node.path) { Self.networkNamespaceInode() }
                return (before, inside, Self.networkNamespaceInode())
            }
            #expect(seen.1 == UInt64(nodeStatus.st_ino))
            #expect(seen.0 != seen.1)
            #expect(seen.2 == seen.0)
            let error = try await #require(throws: ServiceSupportError.self) {
                try await DedicatedThread.run(name: "ns-missing") {
                    try DedicatedThread.performInNetworkNamespace(network.directory + "/no-such-namespace") { 0 }
                }
            }
            #expect(error.code == .namespaceUnavailable)
        }
    }

    /// The inode of the calling thread's network namespace (`/proc/thread-self/ns/net`).
    static func networkNamespaceInode() -> UInt64 {
        var status = stat()
        return stat("/proc/thread-self/ns/net", &status) == 0 ? UInt64(status.st_ino) : 0
    }

    @Test func deleteKillsWhatRunsInside() async throws {
        let network = try await withTestNetwork { network -> (NetworkNamespace, Int32) in
            let namespace = try await network.namespace("busy")
            let process = try namespace.spawn(["sleep", "300"], logPath: network.directory + "/sleep.log")
            // `ip netns exec` enters the namespace a moment after the spawn returns.
            try await Readiness.wait(for: "sleep inside the namespace", timeoutSeconds: 10) {
                try await namespace.processIDs().contains(process.handle.pid)
            }
            try await namespace.delete()
            return (namespace, process.handle.pid)
        }
        #expect(!network.0.exists)
        #expect(ProcessHandle(pid: network.1) == nil)
    }

    @Test func overlongInterfaceNameIsRejectedBeforeTheKernelSeesIt() async throws {
        try await withTestNetwork { network in
            let a = try await network.namespace("a")
            let b = try await network.namespace("b")
            let error = try await #require(throws: LabKitError.self) {
                try await a.addVeth("a-name-far-too-long", peer: "x", in: b)
            }
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("IFNAMSIZ"))
        }
    }

    static func canBind(to address: String) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, address, &sin.sin_addr)
        return withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

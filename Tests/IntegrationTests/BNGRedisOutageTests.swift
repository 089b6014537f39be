import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import NetworkTypes
import Testing

/// Redis down for 60 s while sessions start and stop (issue "BNG", acceptance 8): the outbox keeps
/// every event and publishes it afterwards, in order, once.
@Suite("aether-bng while Redis is down", .serialized)
struct BNGRedisOutageTests {
    @Test func everyEventOfTheOutageArrivesAfterwardsInOrderOnce() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let redisNamespace = try await network.namespace("rds")
            let redis = LabRedis(directory: network.directory + "/redis")
            try FileManager.default.createDirectory(atPath: redis.directory, withIntermediateDirectories: true)
            var server = try await redis.start(network, in: redisNamespace, log: "redis-1")
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 2, redis: redis.endpoint)
            try await lab.waitForBNG()
            _ = try await lab.dhclient(0)
            let first = try await lab.address(of: 0)
            _ = try await lab.waitForAuthorizedSession(at: first)
            try await Readiness.wait(for: "h1's POLICY_APPLY in the stream", timeoutSeconds: 20) {
                try lab.events().contains { $0.eventType == .policyApply }
            }

            // Redis goes away (a clean shutdown: its AOF keeps what it acknowledged).
            _ = await server.stop(signal: SIGTERM, withinSeconds: 10)
            let outageEnds = ContinuousClock.now + .seconds(60)
            // Sessions start and stop meanwhile: h2 arrives, h1 leaves.
            _ = try await lab.dhclient(1)
            let second = try await lab.address(of: 1)
            let secondSession = try await lab.waitForAuthorizedSession(at: second)
            try await lab.release(0)
            try await Readiness.wait(for: "h1's session to end", timeoutSeconds: 20) {
                try await lab.sessions().allSatisfy { $0["address"] as? String != "\(first)" }
            }
            try await Readiness.wait(for: "events waiting in the outbox", timeoutSeconds: 20) {
                try await lab.metrics().value("aether_events_outbox_backlog") >= 3
            }
            #expect(try await lab.metrics().value("aether_events_publish_failures_total") > 0)

            try await Task.sleep(until: outageEnds)
            server = try await redis.start(network, in: redisNamespace, log: "redis-2")
            try await Readiness.wait(for: "the outbox to drain", timeoutSeconds: 60) {
                try await lab.metrics().value("aether_events_outbox_backlog") == 0
            }
            let events = try lab.events()
            #expect(events.map(\.seq) == Array(1...UInt64(events.count)), "gaps, repeats or disorder: \(events.map(\.seq))")
            // The BNG keeps publishing (counters, health), so compare the count of publishes with the
            // stream's entries at a moment they agree; a duplicate publish would keep them apart.
            try await Readiness.wait(for: "every publish to be one stream entry", timeoutSeconds: 20) {
                let published = try await lab.metrics().value("aether_events_published_total")
                return published == Double(try lab.events().count)
            }
            let types = events.map(\.eventType)
            #expect(types.filter { $0 == .sessionStart }.count == 2)
            #expect(types.filter { $0 == .sessionStop }.count == 1)
            #expect(types.filter { $0 == .policyApply }.count == 2)
            let secondID = try #require(secondSession["session_id"] as? String)
            let started = events.compactMap { event -> String? in
                if case .sessionStart(let payload) = event.payload { return payload.line.sessionID.uuidString.lowercased() }
                return nil
            }
            #expect(started.last == secondID)
            _ = server
        }
    }
}

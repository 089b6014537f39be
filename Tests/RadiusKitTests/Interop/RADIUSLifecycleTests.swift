import Foundation
import MetricsTestKit
import NetworkTypes
import RadiusKit
import ServiceSupport
import Synchronization
import Testing

/// The client and the CoA server as services: exact metrics after known traffic, bounded
/// handler concurrency, and teardown with requests in flight that leaves no task or thread.
/// Everything runs on 127.0.0.1 of the test process's namespace.
@Suite("RadiusKit services: metrics, concurrency, teardown")
struct RADIUSLifecycleTests {
    static let secret = exampleSecret

    /// A handler that holds every request until released, and records how many ran at once.
    final class GatedHandler: RADIUSDynamicAuthorizationHandler {
        private struct State {
            var running = 0
            var mostAtOnce = 0
            var handled = 0
            var released = false
            var waiters: [CheckedContinuation<Void, Never>] = []
        }
        private let state = Mutex(State())

        var running: Int { state.withLock { $0.running } }
        var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
        var handled: Int { state.withLock { $0.handled } }

        func release() {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.released = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        func handle(_ request: RADIUSDynamicAuthorizationRequest) async -> RADIUSDynamicAuthorizationResponse {
            state.withLock { state in
                state.running += 1
                state.mostAtOnce = max(state.mostAtOnce, state.running)
            }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.released { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            state.withLock { state in
                state.running -= 1
                state.handled += 1
            }
            return request.isDisconnect ? .nak(cause: .sessionContextNotFound) : .ack()
        }
    }

    static func server(handler: any RADIUSDynamicAuthorizationHandler, label: String, metrics: TestMetrics,
                       configuration: RADIUSDynamicAuthorizationServer.Configuration = .init()) throws -> RADIUSDynamicAuthorizationServer {
        try RADIUSDynamicAuthorizationServer(
            address: "127.0.0.1:0",
            clients: [RADIUSDynamicAuthorizationClient(name: "local", range: RADIUSAddressRange(IPv4Address.loopback), secret: secret)],
            configuration: configuration, handler: handler,
            metrics: RADIUSDynamicAuthorizationMetrics(server: label, factory: metrics))
    }

    static func client(to address: RADIUSSocketAddress, label: String, metrics: TestMetrics,
                       configuration: RADIUSClient.Configuration = .init(timeout: .seconds(2))) throws -> RADIUSClient {
        let servers = [RADIUSServer(name: "\(address)", secret: secret)]
        return try RADIUSClient(servers: servers, configuration: configuration, bindAddress: .loopback,
                                metrics: RADIUSClientMetrics(client: label, servers: servers, factory: metrics))
    }

    static func threads(named name: String) -> Int {
        DedicatedThread.processThreadNames().filter { $0 == name }.count
    }

    @Test func clientAndServerMetricsCountKnownTrafficExactly() async throws {
        let metrics = TestMetrics()
        let handler = GatedHandler()
        handler.release()
        let server = try Self.server(handler: handler, label: "m-srv", metrics: metrics)
        // A long timeout: on a loaded machine a retransmission would make the counts below vary.
        let client = try Self.client(to: server.localAddress, label: "m-cli", metrics: metrics, configuration: .init(timeout: .seconds(20)))
        // A silent server for the timeout: a CoA listener that allows no client drops everything.
        let silent = try RADIUSDynamicAuthorizationServer(address: "127.0.0.1:0", clients: [], handler: handler,
                                                          metrics: RADIUSDynamicAuthorizationMetrics(server: "m-silent", factory: metrics))
        let lonely = try Self.client(to: silent.localAddress, label: "m-lonely", metrics: metrics,
                                     configuration: .init(timeout: .milliseconds(200), maximumTimeout: .milliseconds(200), attemptsPerServer: 2))
        try await withRunningService(server) {
            try await withRunningService(silent) {
                try await withRunningService(client) {
                    try await withRunningService(lonely) {
                        for _ in 0..<3 {
                            let ack = try await client.changeAuthorization([.string(.acctSessionID, "s")])
                            #expect(ack.code == .coaACK)
                        }
                        let nak = try await client.disconnect([.string(.acctSessionID, "s")])
                        #expect(nak.code == .disconnectNAK)
                        await #expect(throws: RADIUSError.self) { try await lonely.disconnect([.string(.acctSessionID, "s")]) }
                    }
                }
            }
        }
        func count(_ label: String, _ dimensions: [(String, String)]) -> Int64 { metrics.counterTotal(label: label, dimensions: dimensions) }
        #expect(count("aether_radius_client_requests_total", [("client", "m-cli"), ("code", "CoA-Request")]) == 3)
        #expect(count("aether_radius_client_requests_total", [("client", "m-cli"), ("code", "Disconnect-Request")]) == 1)
        #expect(count("aether_radius_client_responses_total", [("client", "m-cli"), ("code", "CoA-ACK")]) == 3)
        #expect(count("aether_radius_client_responses_total", [("client", "m-cli"), ("code", "Disconnect-NAK")]) == 1)
        #expect(count("aether_radius_client_datagrams_sent_total", [("client", "m-cli"), ("purpose", "request")]) == 4)
        #expect(count("aether_radius_client_datagrams_sent_total", [("client", "m-cli"), ("purpose", "retransmission")]) == 0)
        #expect(count("aether_radius_client_replies_discarded_total", [("client", "m-cli")]) == 0)
        #expect(count("aether_radius_client_datagrams_sent_total", [("client", "m-lonely"), ("purpose", "request")]) == 1)
        #expect(count("aether_radius_client_datagrams_sent_total", [("client", "m-lonely"), ("purpose", "retransmission")]) == 1)
        #expect(count("aether_radius_client_failures_total", [("client", "m-lonely"), ("reason", "requestTimedOut")]) == 1)
        #expect(count("aether_radius_dae_requests_total", [("server", "m-srv"), ("code", "CoA-Request")]) == 3)
        #expect(count("aether_radius_dae_responses_total", [("server", "m-srv"), ("code", "CoA-ACK")]) == 3)
        #expect(count("aether_radius_dae_responses_total", [("server", "m-srv"), ("code", "Disconnect-NAK")]) == 1)
        #expect(count("aether_radius_dae_discarded_total", [("server", "m-silent"), ("reason", "unknownSource")]) == 2)
        #expect(try metrics.expectGauge("aether_radius_client_outstanding_requests", [("client", "m-cli")]).lastValue == 0)
        #expect(try metrics.expectTimer("aether_radius_client_response_seconds", [("client", "m-cli"), ("code", "CoA-Request")]).values.count == 3)
    }

    @Test func aForgedReplyIsDiscardedByReasonAndTheRequestTimesOut() async throws {
        let metrics = TestMetrics()
        let responder = try TestRADIUSResponder(address: "127.0.0.1", port: 0, secret: Self.secret)
        defer { responder.stop() }
        responder.mode = .acceptSignedWrongly
        let client = try Self.client(to: try RADIUSSocketAddress("127.0.0.1:\(responder.port)"), label: "forged", metrics: metrics,
                                     configuration: .init(timeout: .milliseconds(200), maximumTimeout: .milliseconds(200), attemptsPerServer: 2))
        let error = try await withRunningService(client) {
            await #expect(throws: RADIUSError.self) { try await client.authenticate(userName: "u", password: "p") }
        }
        #expect(error?.code == .requestTimedOut)
        #expect(metrics.counterTotal(label: "aether_radius_client_replies_discarded_total",
                                     dimensions: [("client", "forged"), ("reason", "badMessageAuthenticator")]) == 2)
        #expect(metrics.counterTotal(label: "aether_radius_client_failures_total",
                                     dimensions: [("client", "forged"), ("reason", "requestTimedOut")]) == 1)
    }

    @Test func theServerBoundsConcurrentHandlersAndQueuesTheRest() async throws {
        let metrics = TestMetrics()
        let handler = GatedHandler()
        let server = try Self.server(handler: handler, label: "bound", metrics: metrics,
                                     configuration: .init(maximumConcurrentHandlers: 4, maximumWaitingRequests: 100))
        let client = try Self.client(to: server.localAddress, label: "bound-cli", metrics: metrics,
                                     configuration: .init(timeout: .seconds(30)))
        try await withRunningService(server) {
            try await withRunningService(client) {
                try await withThrowingTaskGroup(of: RADIUSCode.self) { group in
                    for index in 0..<10 {
                        group.addTask { try await client.changeAuthorization([.string(.acctSessionID, "s\(index)")]).code }
                    }
                    do {
                        try await waitUntil("4 handlers running, 6 waiting") {
                            handler.running == 4
                                && (try? metrics.expectGauge("aether_radius_dae_requests_waiting", [("server", "bound")]).lastValue) == 6
                        }
                    } catch {
                        // Release the gate first: the server's shutdown waits for its handlers.
                        handler.release()
                        throw error
                    }
                    handler.release()
                    var codes: [RADIUSCode] = []
                    for try await code in group { codes.append(code) }
                    #expect(codes == Array(repeating: .coaACK, count: 10))
                }
            }
        }
        #expect(handler.mostAtOnce == 4)
        #expect(handler.handled == 10)
    }

    @Test func tearingDownTheServerWithHandlersInFlightLetsThemAnswerAndLeavesNothingRunning() async throws {
        let metrics = TestMetrics()
        let handler = GatedHandler()
        let server = try Self.server(handler: handler, label: "td-srv", metrics: metrics)
        let client = try Self.client(to: server.localAddress, label: "td-cli", metrics: metrics, configuration: .init(timeout: .seconds(30)))
        let serverTask = Task { try await server.run() }
        // Should a wait below fail, the gated handlers must still end and the server with them:
        // left running, they held the suite's next test up until the run's timeout.
        defer {
            handler.release()
            serverTask.cancel()
        }
        let answers = try await withRunningService(client) {
            try await withThrowingTaskGroup(of: RADIUSCode.self) { group in
                for index in 0..<5 {
                    group.addTask { try await client.changeAuthorization([.string(.acctSessionID, "s\(index)")]).code }
                }
                try await waitUntil("5 handlers running") { handler.running == 5 }
                serverTask.cancel()
                // The reading thread goes at once; run() waits for the handlers.
                try await waitUntil("the server's reading thread gone") { Self.threads(named: "coa-td-srv") == 0 }
                #expect(server.runningHandlers == 5)
                handler.release()
                var codes: [RADIUSCode] = []
                for try await code in group { codes.append(code) }
                return codes
            }
        }
        try await serverTask.value
        #expect(answers == Array(repeating: .coaACK, count: 5), "in-flight handlers answered after shutdown")
        #expect(server.runningHandlers == 0)
        #expect(Self.threads(named: "coa-td-srv") == 0)
        #expect(Self.threads(named: "rad-td-cli") == 0)
    }

    @Test func tearingDownTheClientWithRequestsInFlightFailsThemAllAndLeavesNoThread() async throws {
        let metrics = TestMetrics()
        let silent = try RADIUSDynamicAuthorizationServer(address: "127.0.0.1:0", clients: [], handler: GatedHandler(),
                                                          metrics: RADIUSDynamicAuthorizationMetrics(server: "td-silent", factory: metrics))
        let client = try Self.client(to: silent.localAddress, label: "td-flight", metrics: metrics, configuration: .init(timeout: .seconds(30)))
        try await withRunningService(silent) {
            let clientTask = Task { try await client.run() }
            let failures = await withTaskGroup(of: RADIUSError.Code?.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        do {
                            _ = try await client.changeAuthorization([.string(.acctSessionID, "s\(index)")])
                            return nil
                        } catch let error as RADIUSError {
                            return error.code
                        } catch {
                            return nil
                        }
                    }
                }
                try? await waitUntil("100 requests outstanding") { client.outstandingRequests == 100 }
                #expect(Self.threads(named: "rad-td-flight") == 1)
                clientTask.cancel()
                var codes: [RADIUSError.Code?] = []
                for await code in group { codes.append(code) }
                return codes
            }
            _ = try? await clientTask.value
            // Every request task has returned (the group is drained) with clientShutDown.
            #expect(failures.count == 100)
            #expect(failures.allSatisfy { $0 == .clientShutDown })
            #expect(client.outstandingRequests == 0)
            #expect(Self.threads(named: "rad-td-flight") == 0)
            #expect(metrics.counterTotal(label: "aether_radius_client_failures_total",
                                         dimensions: [("client", "td-flight"), ("reason", "clientShutDown")]) == 100)
        }
    }
}

/// Polls `condition` until it holds or `timeoutSeconds` pass (then throws): a deadline-bounded
/// wait on real state, not a fixed sleep.
func waitUntil(_ what: String, timeoutSeconds: Double = 10, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutSeconds * 1000))
    while !condition() {
        guard ContinuousClock.now < deadline else { throw RADIUSError(.requestTimedOut, "\(what): not reached within \(timeoutSeconds) s") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

import RadiusKit
import Testing

/// The pure client: identifiers, retransmission, failover, reply matching.
@Suite struct RADIUSClientStateMachineTests {
    typealias Client = RADIUSClientStateMachine<String, ContinuousClock.Instant>

    let start = ContinuousClock.now
    let secretA = exampleSecret
    let secretB: RADIUSSecret = {
        do { return try RADIUSSecret("second-server-secret") } catch { fatalError("constant secret is valid") }
    }()

    private func makeClient(attempts: Int = 2) -> Client {
        Client(
            servers: [RADIUSServer(name: "a:1812", secret: secretA), RADIUSServer(name: "b:1812", secret: secretB)],
            configuration: .init(timeout: .seconds(3), attemptsPerServer: attempts),
            makeAuthenticator: { [UInt8](repeating: 0x5A, count: 16) })
    }

    private func at(_ seconds: Int) -> ContinuousClock.Instant {
        start.advanced(by: .seconds(seconds))
    }

    /// What a server would answer to `bytes`.
    private func reply(to bytes: [UInt8], code: RADIUSCode = .accessAccept, secret: RADIUSSecret) throws -> [UInt8] {
        let request = try RADIUSPacket(bytes: bytes)
        return try RADIUSPacket(code: code, identifier: request.identifier)
            .encodedResponse(toRequestAuthenticator: request.authenticator, secret: secret)
    }

    private func sentBytes(_ actions: [Client.Action]) throws -> (server: Int, bytes: [UInt8]) {
        guard actions.count == 1, case let .send(_, server, bytes) = actions[0] else {
            Issue.record("expected one send, got \(actions)")
            throw RADIUSError(.invalidValue, "no send")
        }
        return (server, bytes)
    }

    private var accessRequest: RADIUSPacket {
        RADIUSPacket(code: .accessRequest, identifier: 0, attributes: [.string(.userName, "bng-01/an-01/1")])
    }

    @Test func submittedRequestIsSignedSentAndCompletedByAVerifiedReply() throws {
        var client = makeClient()
        let sent = try sentBytes(client.handle(.submit(token: "t1", request: accessRequest, userPassword: Array("pw".utf8), now: start)))
        #expect(sent.server == 0)
        let request = try RADIUSPacketVerifier.request(sent.bytes, secret: secretA)
        #expect(request.authenticator == [UInt8](repeating: 0x5A, count: 16))
        let password = try RADIUSUserPassword.unhide(
            try #require(request.firstValue(ofType: .userPassword)), secret: secretA, requestAuthenticator: request.authenticator)
        #expect(password == Array("pw".utf8))
        #expect(client.outstandingCount == 1)
        #expect(client.nextDeadline == at(3))

        let actions = client.handle(.received(bytes: try reply(to: sent.bytes, secret: secretA), server: 0, now: at(1)))
        guard case let .complete(token, response, server) = actions.first else {
            Issue.record("expected completion, got \(actions)")
            return
        }
        #expect(token == "t1")
        #expect(response.code == .accessAccept)
        #expect(server == 0)
        #expect(client.outstandingCount == 0)
        #expect(client.nextDeadline == nil)
    }

    @Test func retransmissionRepeatsTheSameBytesAfterTheTimeout() throws {
        var client = makeClient(attempts: 3)
        let first = try sentBytes(client.handle(.submit(token: "t", request: accessRequest, userPassword: nil, now: start)))
        #expect(client.handle(.tick(now: at(2))).isEmpty)
        let second = try sentBytes(client.handle(.tick(now: at(3))))
        #expect(second.bytes == first.bytes)
        #expect(second.server == 0)
        #expect(client.nextDeadline == at(6))
    }

    @Test func exhaustedAttemptsFailOverToTheNextServerWithItsSecret() throws {
        var client = makeClient(attempts: 2)
        let first = try sentBytes(client.handle(.submit(token: "t", request: accessRequest, userPassword: Array("pw".utf8), now: start)))
        _ = try sentBytes(client.handle(.tick(now: at(3))))
        let moved = try sentBytes(client.handle(.tick(now: at(6))))
        #expect(moved.server == 1)
        #expect(moved.bytes != first.bytes)
        let request = try RADIUSPacketVerifier.request(moved.bytes, secret: secretB)
        let password = try RADIUSUserPassword.unhide(
            try #require(request.firstValue(ofType: .userPassword)), secret: secretB, requestAuthenticator: request.authenticator)
        #expect(password == Array("pw".utf8))
        #expect(client.currentServer == 1)
        // A late reply from the first server no longer matches anything.
        let late = client.handle(.received(bytes: try reply(to: first.bytes, secret: secretA), server: 0, now: at(7)))
        guard case let .discard(_, error) = late.first else {
            Issue.record("expected a discard, got \(late)")
            return
        }
        #expect(error.code == .identifierMismatch)
        // New requests go straight to the server that is now current.
        let next = try sentBytes(client.handle(.submit(token: "u", request: accessRequest, userPassword: nil, now: at(7))))
        #expect(next.server == 1)
    }

    @Test func requestFailsWhenNoServerAnswers() throws {
        var client = makeClient(attempts: 1)
        _ = client.handle(.submit(token: "t", request: accessRequest, userPassword: nil, now: start))
        _ = try sentBytes(client.handle(.tick(now: at(3))))
        let actions = client.handle(.tick(now: at(6)))
        guard case let .fail(token, error) = actions.first else {
            Issue.record("expected failure, got \(actions)")
            return
        }
        #expect(token == "t")
        #expect(error.code == .requestTimedOut)
        #expect(client.outstandingCount == 0)
    }

    @Test func forgedReplyIsDiscardedAndTheRequestStaysPending() throws {
        var client = makeClient()
        let sent = try sentBytes(client.handle(.submit(token: "t", request: accessRequest, userPassword: nil, now: start)))
        let forged = try reply(to: sent.bytes, secret: secretB)
        let actions = client.handle(.received(bytes: forged, server: 0, now: at(1)))
        guard case let .discard(server, error) = actions.first else {
            Issue.record("expected a discard, got \(actions)")
            return
        }
        #expect(server == 0)
        #expect(error.code == .badMessageAuthenticator)
        #expect(client.outstandingCount == 1)
        let short = client.handle(.received(bytes: [2, 0], server: 0, now: at(1)))
        #expect(short.count == 1)
    }

    @Test func accountingRequestsGetComputedAuthenticatorsAndAccountingResponsesComplete() throws {
        var client = makeClient()
        let accounting = RADIUSPacket(code: .accountingRequest, identifier: 0, attributes: [.integer(.acctStatusType, 1)])
        let sent = try sentBytes(client.handle(.submit(token: "acct", request: accounting, userPassword: nil, now: start)))
        _ = try RADIUSPacketVerifier.request(sent.bytes, secret: secretA)
        let actions = client.handle(.received(bytes: try reply(to: sent.bytes, code: .accountingResponse, secret: secretA), server: 0, now: at(1)))
        guard case .complete = actions.first else {
            Issue.record("expected completion, got \(actions)")
            return
        }
    }

    @Test func identifiersAreAllocatedRoundRobinAndExhaustionFailsTheRequest() throws {
        var client = makeClient()
        var identifiers: [UInt8] = []
        for index in 0..<256 {
            let sent = try sentBytes(client.handle(.submit(token: "t\(index)", request: accessRequest, userPassword: nil, now: start)))
            identifiers.append(sent.bytes[1])
        }
        #expect(identifiers == Array(0...255))
        let actions = client.handle(.submit(token: "overflow", request: accessRequest, userPassword: nil, now: start))
        guard case let .fail(token, error) = actions.first else {
            Issue.record("expected failure, got \(actions)")
            return
        }
        #expect(token == "overflow")
        #expect(error.code == .identifiersExhausted)
        // Cancelling one frees its identifier for the next request.
        _ = client.handle(.cancel(token: "t7"))
        let reused = try sentBytes(client.handle(.submit(token: "again", request: accessRequest, userPassword: nil, now: start)))
        #expect(reused.bytes[1] == 7)
    }

    @Test func identifierPoolDoesNotReuseAFreedIdentifierAtOnce() throws {
        var pool = RADIUSIdentifierPool()
        let first = try pool.allocate()
        pool.release(first)
        #expect(try pool.allocate() == first &+ 1)
        #expect(pool.count == 1)
    }
}

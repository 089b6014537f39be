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

    private func makeClient(attempts: Int = 2, sourcePorts: Int = 1, maximumQueued: Int = 0) -> Client {
        Client(
            servers: [RADIUSServer(name: "a:1812", secret: secretA), RADIUSServer(name: "b:1812", secret: secretB)],
            configuration: .init(
                timeout: .seconds(3), maximumTimeout: .seconds(10), attemptsPerServer: attempts, sourcePorts: sourcePorts,
                statusServerInterval: .seconds(5), maximumQueued: maximumQueued),
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

    private func sentBytes(_ actions: [Client.Action]) throws -> (server: Int, bytes: [UInt8], socket: Int) {
        let sends = actions.compactMap { action -> (Int, [UInt8], Int)? in
            if case let .send(server, socket, bytes, _) = action { return (server, bytes, socket) }
            return nil
        }
        guard sends.count == 1 else {
            Issue.record("expected one send, got \(actions)")
            throw RADIUSError(.invalidValue, "no send")
        }
        return (sends[0].0, sends[0].1, sends[0].2)
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

        let actions = client.handle(.received(bytes: try reply(to: sent.bytes, secret: secretA), server: 0, socket: 0, now: at(1)))
        guard case let .complete(token, response, server) = actions.first else {
            Issue.record("expected completion, got \(actions)")
            return
        }
        #expect(token == "t1")
        #expect(response.code == .accessAccept)
        #expect(server == 0)
        #expect(client.outstandingCount == 0)
    }

    @Test func retransmissionsRepeatTheSameBytesWithDoublingWaitsUpToTheMaximum() throws {
        var client = makeClient(attempts: 4)
        let first = try sentBytes(client.handle(.submit(token: "t", request: accessRequest, userPassword: nil, now: start)))
        #expect(client.handle(.tick(now: at(2))).isEmpty)
        let second = try sentBytes(client.handle(.tick(now: at(3))))
        #expect(second.bytes == first.bytes)
        #expect(second.server == 0)
        #expect(client.nextDeadline == at(9))
        #expect(client.handle(.tick(now: at(8))).isEmpty)
        _ = try sentBytes(client.handle(.tick(now: at(9))))
        // 12 s would exceed the 10 s maximum.
        #expect(client.nextDeadline == at(19))
    }

    @Test func silentServerIsMarkedDeadNewRequestsFailOverAndAStatusServerAnswerRevivesIt() throws {
        var client = makeClient(attempts: 2)
        let first = try sentBytes(client.handle(.submit(token: "t", request: accessRequest, userPassword: Array("pw".utf8), now: start)))
        _ = try sentBytes(client.handle(.tick(now: at(3))))
        let failover = client.handle(.tick(now: at(9)))
        #expect(failover.contains(.serverDown(server: 0)))
        #expect(!client.isAlive(0))
        #expect(client.preferredServer == 1)
        let sends = failover.compactMap { action -> (Int, [UInt8])? in
            if case let .send(server, _, bytes, _) = action { return (server, bytes) }
            return nil
        }
        // The request moves to server 1 with its secret; server 0 gets a Status-Server probe.
        let moved = try #require(sends.first { $0.0 == 1 })
        let request = try RADIUSPacketVerifier.request(moved.1, secret: secretB)
        let password = try RADIUSUserPassword.unhide(
            try #require(request.firstValue(ofType: .userPassword)), secret: secretB, requestAuthenticator: request.authenticator)
        #expect(password == Array("pw".utf8))
        let probeBytes = try #require(sends.first { $0.0 == 0 }).1
        let probe = try RADIUSPacketVerifier.request(probeBytes, secret: secretA)
        #expect(probe.code == .statusServer)
        // A late reply to the first request no longer matches anything.
        let late = client.handle(.received(bytes: try reply(to: first.bytes, secret: secretA), server: 0, socket: 0, now: at(10)))
        guard case let .discard(_, error) = late.first else {
            Issue.record("expected a discard, got \(late)")
            return
        }
        #expect(error.code == .identifierMismatch)
        // While server 0 is dead, new requests go to server 1, which answers them.
        let other = try sentBytes(client.handle(.submit(token: "u", request: accessRequest, userPassword: nil, now: at(10))))
        #expect(other.server == 1)
        for bytes in [moved.1, other.bytes] {
            let done = client.handle(.received(bytes: try reply(to: bytes, secret: secretB), server: 1, socket: 0, now: at(10)))
            #expect(done.count == 1)
        }
        // The probe goes unanswered: another one after the interval.
        #expect(client.handle(.tick(now: at(12))).isEmpty)
        let again = try sentBytes(client.handle(.tick(now: at(17))))
        #expect(again.server == 0)
        #expect(try RADIUSPacket(bytes: again.bytes).code == .statusServer)
        // Its answer revives server 0, which is preferred again.
        let revived = client.handle(.received(bytes: try reply(to: again.bytes, secret: secretA), server: 0, socket: again.socket, now: at(18)))
        #expect(revived == [.serverUp(server: 0)])
        #expect(client.preferredServer == 0)
        #expect(try sentBytes(client.handle(.submit(token: "v", request: accessRequest, userPassword: nil, now: at(18)))).server == 0)
    }

    @Test func unsignedStatusServerAnswerDoesNotReviveAServer() throws {
        var client = makeClient(attempts: 1)
        _ = client.handle(.submit(token: "t", request: accessRequest, userPassword: nil, now: start))
        let actions = client.handle(.tick(now: at(3)))
        let probeBytes = try #require(actions.compactMap { action -> [UInt8]? in
            if case let .send(0, _, bytes, _) = action { return bytes }
            return nil
        }.first)
        let probe = try RADIUSPacket(bytes: probeBytes)
        let unsigned = try RADIUSPacket(code: .accessAccept, identifier: probe.identifier)
            .encodedResponse(toRequestAuthenticator: probe.authenticator, secret: secretA, addingMessageAuthenticator: false)
        let result = client.handle(.received(bytes: unsigned, server: 0, socket: 0, now: at(4)))
        guard case let .discard(_, error) = result.first else {
            Issue.record("expected a discard, got \(result)")
            return
        }
        #expect(error.code == .missingMessageAuthenticator)
        #expect(!client.isAlive(0))
    }

    @Test func serverThatAnsweredOtherRequestsMeanwhileIsNotMarkedDead() throws {
        var client = makeClient(attempts: 1)
        _ = client.handle(.submit(token: "lost", request: accessRequest, userPassword: nil, now: start))
        let other = try sentBytes(client.handle(.submit(token: "ok", request: accessRequest, userPassword: nil, now: at(1))))
        _ = client.handle(.received(bytes: try reply(to: other.bytes, secret: secretA), server: 0, socket: 0, now: at(2)))
        let actions = client.handle(.tick(now: at(3)))
        #expect(!actions.contains(.serverDown(server: 0)))
        #expect(client.isAlive(0))
        #expect(try sentBytes(actions).server == 1)
    }

    @Test func requestFailsWhenNoServerAnswers() throws {
        var client = makeClient(attempts: 1)
        _ = client.handle(.submit(token: "t", request: accessRequest, userPassword: nil, now: start))
        _ = client.handle(.tick(now: at(3)))
        let actions = client.handle(.tick(now: at(6)))
        guard let failure = actions.first(where: { if case .fail = $0 { true } else { false } }),
            case let .fail(token, error) = failure
        else {
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
        let actions = client.handle(.received(bytes: forged, server: 0, socket: 0, now: at(1)))
        guard case let .discard(server, error) = actions.first else {
            Issue.record("expected a discard, got \(actions)")
            return
        }
        #expect(server == 0)
        #expect(error.code == .badMessageAuthenticator)
        #expect(client.outstandingCount == 1)
        // The right identifier on another source port is someone else's.
        let elsewhere = client.handle(.received(bytes: try reply(to: sent.bytes, secret: secretA), server: 0, socket: 1, now: at(1)))
        #expect(elsewhere.count == 1)
        #expect(client.outstandingCount == 1)
        let short = client.handle(.received(bytes: [2, 0], server: 0, socket: 0, now: at(1)))
        #expect(short.count == 1)
    }

    @Test func accountingRequestsGetComputedAuthenticatorsAndAccountingResponsesComplete() throws {
        var client = makeClient()
        let accounting = RADIUSPacket(code: .accountingRequest, identifier: 0, attributes: [.integer(.acctStatusType, 1)])
        let sent = try sentBytes(client.handle(.submit(token: "acct", request: accounting, userPassword: nil, now: start)))
        _ = try RADIUSPacketVerifier.request(sent.bytes, secret: secretA)
        let actions = client.handle(.received(
            bytes: try reply(to: sent.bytes, code: .accountingResponse, secret: secretA), server: 0, socket: 0, now: at(1)))
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

    @Test func severalSourcePortsCarryMoreThan256RequestsAndExtraOnesQueueInOrder() throws {
        var client = makeClient(sourcePorts: 3, maximumQueued: 10)
        var sent: [(server: Int, bytes: [UInt8], socket: Int)] = []
        for index in 0..<(3 * 256) {
            sent.append(try sentBytes(client.handle(.submit(token: "t\(index)", request: accessRequest, userPassword: nil, now: start))))
        }
        #expect(client.outstandingCount == 768)
        #expect(Set(sent.map(\.socket)) == [0, 1, 2])
        #expect(Set(sent.map { "\($0.socket)/\($0.bytes[1])" }).count == 768)
        // The next two wait for an identifier rather than failing.
        #expect(client.handle(.submit(token: "q1", request: accessRequest, userPassword: nil, now: start)).isEmpty)
        #expect(client.handle(.submit(token: "q2", request: accessRequest, userPassword: nil, now: start)).isEmpty)
        #expect(client.queuedCount == 2)
        // A reply frees an identifier: the first queued request goes out on that socket.
        let answered = sent[5]
        let actions = client.handle(.received(
            bytes: try reply(to: answered.bytes, secret: secretA), server: 0, socket: answered.socket, now: at(1)))
        #expect(actions.count == 2)
        let next = try sentBytes(Array(actions.dropFirst()))
        #expect(next.socket == answered.socket)
        #expect(next.bytes[1] == answered.bytes[1])
        #expect(client.queuedCount == 1)
        _ = client.handle(.cancel(token: "q2"))
        #expect(client.queuedCount == 0)
    }

    @Test func identifierPoolDoesNotReuseAFreedIdentifierAtOnce() throws {
        var pool = RADIUSIdentifierPool()
        let first = try pool.allocate()
        pool.release(first)
        #expect(try pool.allocate() == first &+ 1)
        #expect(pool.count == 1)
    }
}

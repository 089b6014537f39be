import CHiredis
import Glibc

/// One blocking hiredis connection (hiredis 0.14, RESP2).
///
/// Calls block the calling thread until Redis answers: use a thread of your own, not Swift's
/// cooperative pool, for sustained traffic. Error replies are thrown as `redisCommandFailed`
/// so a caller never mistakes `ERR …` for data.
///
/// hiredis writes with plain `write(2)`, so a Redis that went away would kill the process with
/// SIGPIPE; the first connection therefore sets SIGPIPE to ignored when it is still at its
/// default action (a handler the application installed is left alone). Writes then fail with
/// EPIPE, reported as `redisIOFailed`.
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    /// Where this connection points.
    public let endpoint: RedisEndpoint

    /// Connects and, when the endpoint has a password, authenticates. `commandTimeoutMilliseconds`
    /// bounds every later read and write (hiredis `redisSetTimeout`); keep it above any
    /// `BLOCK` time you pass to Redis. `nil` waits forever.
    public init(_ endpoint: RedisEndpoint, commandTimeoutMilliseconds: Int? = nil) throws {
        _ = Self.ignoreBrokenPipes
        self.endpoint = endpoint
        let timeout = timeval(tv_sec: endpoint.connectTimeoutMilliseconds / 1000,
                              tv_usec: (endpoint.connectTimeoutMilliseconds % 1000) * 1000)
        let maybeContext: UnsafeMutablePointer<redisContext>? = switch endpoint.address {
        case let .tcp(host, port): redisConnectWithTimeout(host, Int32(port), timeout)
        case let .unixSocket(path): redisConnectUnixWithTimeout(path, timeout)
        }
        guard let context = maybeContext else {
            throw EventSourcingError(.redisConnectionFailed, "hiredis could not allocate a context for \(endpoint)")
        }
        if context.pointee.err != 0 {
            let reason = Self.errorText(context)
            redisFree(context)
            throw EventSourcingError(.redisConnectionFailed, "cannot connect to \(endpoint): \(reason)")
        }
        self.context = context
        if let commandTimeoutMilliseconds {
            let limit = timeval(tv_sec: commandTimeoutMilliseconds / 1000, tv_usec: (commandTimeoutMilliseconds % 1000) * 1000)
            guard redisSetTimeout(context, limit) == REDIS_OK else {
                throw EventSourcingError(.redisConnectionFailed, "cannot set the command timeout on \(endpoint): \(Self.errorText(context))")
            }
        }
        if let password = endpoint.password {
            do {
                _ = try command(["AUTH", password])
            } catch let error as EventSourcingError {
                // The reply text never contains the password, but say plainly what failed.
                throw EventSourcingError(.redisConnectionFailed, "AUTH to \(endpoint) refused: \(error.message)")
            }
        }
    }

    deinit { redisFree(context) }

    /// Runs once: SIG_DFL → SIG_IGN for SIGPIPE (see the type's description).
    private static let ignoreBrokenPipes: Void = {
        var current = sigaction()
        guard sigaction(SIGPIPE, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { return }
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignore.sa_mask)
        _ = sigaction(SIGPIPE, &ignore, nil)
    }()

    /// Sends one command (binary-safe arguments) and waits for its reply.
    @discardableResult
    public func command(_ arguments: [String]) throws -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    /// Sends one command whose arguments are raw bytes and waits for its reply.
    @discardableResult
    public func command(_ arguments: [[UInt8]]) throws -> RedisReply {
        let raw = withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else {
            throw EventSourcingError(.redisIOFailed, "connection to \(endpoint) failed: \(Self.errorText(context))")
        }
        defer { freeReplyObject(raw) }
        let reply = Self.convert(raw.assumingMemoryBound(to: redisReply.self))
        if case let .error(text) = reply {
            throw EventSourcingError(.redisCommandFailed, "\(arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "?"): \(text)")
        }
        return reply
    }

    /// True once hiredis has recorded an I/O or protocol error: the connection is unusable.
    public var isBroken: Bool { context.pointee.err != 0 }

    /// Sends every command before reading any reply (one round trip for the lot) and returns
    /// the replies in order. Error replies come back as `.error` values, not thrown, so the
    /// caller sees which commands Redis refused; a broken connection throws `redisIOFailed`
    /// (some commands may have been executed: treat the whole pipeline as unknown).
    public func pipeline(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        for command in commands {
            let status = withArgv(command) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            guard status == REDIS_OK else {
                throw EventSourcingError(.redisIOFailed, "cannot queue a pipelined command to \(endpoint): \(Self.errorText(context))")
            }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                throw EventSourcingError(.redisIOFailed,
                                         "connection to \(endpoint) failed after \(replies.count) of \(commands.count) pipelined replies: \(Self.errorText(context))")
            }
            replies.append(Self.convert(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    private func withArgv<R>(_ arguments: [[UInt8]],
                              _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        let buffers = arguments.map { bytes -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count)
            }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var pointers = buffers.map { UnsafePointer<CChar>?($0) }
        let lengths = arguments.map(\.count)
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { lens in
                body(Int32(arguments.count), argv.baseAddress!, lens.baseAddress!)
            }
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STATUS:
            return .status(r.str.map { String(cString: $0) } ?? "")
        case REDIS_REPLY_ERROR:
            return .error(r.str.map { String(cString: $0) } ?? "")
        case REDIS_REPLY_INTEGER:
            return .integer(r.integer)
        case REDIS_REPLY_STRING:
            guard let str = r.str else { return .bulk([]) }
            return .bulk(Array(UnsafeRawBufferPointer(start: str, count: Int(r.len))))
        case REDIS_REPLY_ARRAY:
            guard let elements = r.element else { return .array([]) }
            return .array((0..<Int(r.elements)).compactMap { index in elements[index].map(convert) })
        default:
            return .null
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

import EventSourcing
import Foundation
import Hummingbird
import Logging
import Metrics
import OSSKit
import RadiusKit

/// How the API behaves, defaults applied and secrets read.
public struct APISettings: Sendable {
    /// The bearer token every mutation must carry.
    public var token: String
    /// A BNG or access node silent for longer is shown offline (default 30 s).
    public var heartbeatTimeoutSeconds: Int
    /// How the BNGs build User-Name (shown on services, used by provisioning).
    public var userNameFormat: RADIUSUserNameFormat
    /// Prefix of plan groups in RADIUS.
    public var groupPrefix: String
    /// Where the dashboard's files are (nil: the copy bundled with OSSAPI).
    public var dashboardDirectory: String?
    /// Debian's libjs-chart.js folder, served at `/vendor/chart.js/` (nil: not served).
    public var chartJSDirectory: String?
    /// List totals and `/api/stats` may be this old (default 1 s; zero: always fresh).
    public var cacheTTL: Duration

    public init(token: String, heartbeatTimeoutSeconds: Int = 30, userNameFormat: RADIUSUserNameFormat = .standard,
                groupPrefix: String = "aether-plan-", dashboardDirectory: String? = nil,
                chartJSDirectory: String? = "/usr/share/javascript/chart.js", cacheTTL: Duration = .seconds(1)) {
        self.token = token
        self.heartbeatTimeoutSeconds = heartbeatTimeoutSeconds
        self.userNameFormat = userNameFormat
        self.groupPrefix = groupPrefix
        self.dashboardDirectory = dashboardDirectory
        self.chartJSDirectory = chartJSDirectory
        self.cacheTTL = cacheTTL
    }
}

/// The OSS's REST API: the route table, its handlers over the `oss` database, the change feed
/// at `/api/stream`, the OpenAPI document and the dashboard's files.
public final class APIServer: Sendable {
    public let settings: APISettings
    let database: PostgresExecutor
    let provisioning: RADIUSProvisioning?
    let coa: DynamicAuthorizationSender?
    let feed: ChangeFeed
    let logger: Logger
    let requests: Counter
    let failures: Counter
    let latency: Timer
    let totals: ResultCache<Int64>
    let statsCache: ResultCache<Stats>
    let lab: LabDirectory?

    public init(settings: APISettings, database: PostgresExecutor, provisioning: RADIUSProvisioning?, coa: DynamicAuthorizationSender?,
                feed: ChangeFeed, lab: LabDirectory? = nil, logger: Logger = Logger(label: "aether.api")) {
        self.settings = settings
        self.lab = lab
        self.database = database
        self.provisioning = provisioning
        self.coa = coa
        self.feed = feed
        self.logger = logger
        requests = Counter(label: "aether_api_requests_total")
        failures = Counter(label: "aether_api_request_errors_total")
        latency = Timer(label: "aether_api_request_duration_seconds")
        totals = ResultCache(ttl: settings.cacheTTL)
        statsCache = ResultCache(ttl: settings.cacheTTL)
        attachFeed()
    }

    /// Every operation, in documentation order.
    public var routes: [APIRoute] {
        sessionRoutes() + eventRoutes() + routerRoutes() + bngRoutes() + planRoutes() + customerRoutes() + serviceRoutes()
            + statsRoutes() + labRoutes() + systemRoutes()
    }

    /// The router: every table route, the stream, the document, the dashboard.
    public func router(metrics: (@Sendable () async -> String)? = nil) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(APIErrorMiddleware(logger: logger))
        router.middlewares.add(APIMetricsMiddleware(requests: requests, failures: failures, latency: latency))
        // The table and its document are built once per router, not per request.
        let table = routes
        for route in table {
            router.on(RouterPath(route.routerPath), method: route.method) { [self] request, context in
                try await serve(route, request: request, context: context)
            }
        }
        router.get("/api/stream") { [feed] request, _ in feed.response(for: request) }
        let document = Self.openAPIDocument(for: table)
        router.get("/api/openapi.json") { _, _ in APIJSON.response(document) }
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                         body: ResponseBody(byteBuffer: ByteBuffer(string: await metrics())))
            }
        }
        Dashboard(directory: settings.dashboardDirectory, chartJS: settings.chartJSDirectory).register(on: router)
        return router
    }

    /// The largest request body accepted (64 KiB).
    public static let maximumBodyBytes = 64 * 1024

    /// Checks the token, parameters and body of `route`, then runs it.
    func serve(_ route: APIRoute, request: Request, context: BasicRequestContext) async throws -> Response {
        if route.requiresToken { try authorize(request) }
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        var path: [String: String] = [:]
        for parameter in route.parameters where parameter.location == .path {
            if let value = context.parameters.get(parameter.name) { path[parameter.name] = value.removingPercentEncoding ?? value }
        }
        let parameters = try APIParameters(query: query, path: path, declared: route.parameters)
        var body: JSONValue?
        var bodyData: Data?
        if let schema = route.body {
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: Self.maximumBodyBytes)
            } catch {
                throw APIError(.contentTooLarge, "payload_too_large", "the body is larger than \(Self.maximumBodyBytes / 1024) KiB")
            }
            let data = Data(buffer.readableBytesView)
            guard !data.isEmpty else { throw APIError.invalidBody("a JSON body is required") }
            let value: JSONValue
            do {
                value = try JSONValue.parse(data)
            } catch {
                throw APIError.invalidBody("the body is not valid JSON")
            }
            let problems = schema.problems(of: value, components: Self.components)
            guard problems.isEmpty else { throw APIError.invalidBody(problems.prefix(10).joined(separator: "; ")) }
            body = value
            bodyData = data
        }
        return try await route.handler(APICall(parameters: parameters, body: body, bodyData: bodyData)).response
    }

    /// `Authorization: Bearer <token>`, compared in constant time.
    func authorize(_ request: Request) throws {
        let header = request.headers[.authorization] ?? ""
        let given = Array((header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : "").utf8)
        let expected = Array(settings.token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        guard difference == 0, !expected.isEmpty else {
            var response = APIError(.unauthorized, "unauthorized", header.isEmpty
                ? "this operation needs an Authorization: Bearer <token> header"
                : "the bearer token is not valid").response
            response.headers[.wwwAuthenticate] = "Bearer realm=\"aether\""
            throw ResponseError(response: response)
        }
    }

    /// Runs blocking database work on the executor.
    func query<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await database.run(body)
    }

    /// A page of rows: one count and one select with the same filter, both prepared statements.
    /// With `joins`, `from` is one aliased table that the filter and order use alone: the page is
    /// cut from it first and only its rows are joined.
    func page<T: Encodable & Sendable>(_ parameters: APIParameters, select columns: String, from: String, joins: String? = nil,
                                       filter: SQLFilter, orderBy: String,
                                       decode: @escaping @Sendable (PostgresRow) throws -> T) async throws -> APIPage<T> {
        let (limit, offset) = parameters.page
        let window = "ORDER BY \(orderBy) LIMIT $\(filter.next) OFFSET $\(filter.next + 1)"
        let sql: String
        if let joins, let alias = from.split(separator: " ").last {
            sql = "SELECT \(columns) FROM (SELECT \(alias).* FROM \(from)\(filter.sql) \(window)) \(alias) \(joins) ORDER BY \(orderBy)"
        } else {
            sql = "SELECT \(columns) FROM \(from)\(filter.sql) \(window)"
        }
        let count = "SELECT count(*) AS n FROM \(from)\(filter.sql)"
        let key = count + "\u{0}" + filter.bindings.map { $0?.postgresText ?? "\u{1}" }.joined(separator: "\u{0}")
        let total = try await totals.value(for: key) { [database] in
            try await database.run { try $0.preparedQuery(count, bindings: filter.bindings).decode("n") }
        }
        let rows = total > offset ? try await query { connection in
            try connection.preparedQuery(sql, bindings: filter.bindings + [limit, offset]).typedRows.map(decode)
        } : []
        return APIPage(data: rows, total: total, limit: limit, offset: offset)
    }

    /// One row or 404.
    func one<T: Sendable>(_ what: String, select columns: String, from: String, filter: SQLFilter,
                          decode: @escaping @Sendable (PostgresRow) throws -> T) async throws -> T {
        let found = try await query { connection in
            try connection.preparedQuery("SELECT \(columns) FROM \(from)\(filter.sql) LIMIT 1", bindings: filter.bindings).typedRows.first.map(decode)
        }
        guard let found else { throw APIError.notFound(what) }
        return found
    }

    /// After a provisioning change: wakes the feed and waits briefly for RADIUS to follow.
    func provisioned() async {
        feed.poke()
        guard let provisioning else { return }
        if case .failure(let error)? = await provisioning.sync(timeout: .seconds(5)) {
            logger.warning("RADIUS sync after a change failed; the periodic pass retries", metadata: ["error": "\(error)"])
        }
    }
}

/// An error that carries a ready response (401 with its challenge header).
struct ResponseError: Error, HTTPResponseError {
    let response: Response
    var status: HTTPResponse.Status { response.status }
    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

/// Counts requests and their latency for `/metrics`.
struct APIMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let requests: Counter
    let failures: Counter
    let latency: Timer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        defer { latency.recordInterval(since: start) }
        requests.increment()
        do {
            let response = try await next(request, context)
            if response.status.code >= 400 { failures.increment() }
            return response
        } catch {
            failures.increment()
            throw error
        }
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

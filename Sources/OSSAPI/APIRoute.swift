import EventSourcing
import Foundation
import Hummingbird

/// One operation of the API. The table of these is the single source of both the router and
/// `/api/openapi.json`, and declares what is validated before the handler runs: parameters,
/// the request body's schema, the bearer token (every mutation needs it).
public struct APIRoute: Sendable {
    public var method: HTTPRequest.Method
    /// OpenAPI form: `/api/plans/{plan_id}`.
    public var path: String
    public var operationID: String
    public var summary: String
    public var tag: String
    public var parameters: [APIParameter]
    /// Schema of the JSON body; nil for none.
    public var body: JSONSchema?
    /// The success status and its body's schema (nil for 204).
    public var status: HTTPResponse.Status
    public var response: JSONSchema?
    /// Other statuses this operation answers with, besides 400, 401 and the ones every body route has (413).
    public var errors: [HTTPResponse.Status]
    /// Statuses among `errors` whose body has the success schema (a BNG that did not answer).
    public var resultStatuses: [HTTPResponse.Status] = []
    let handler: @Sendable (APICall) async throws -> APIReply

    init(_ method: HTTPRequest.Method, _ path: String, _ operationID: String, _ summary: String, tag: String,
         parameters: [APIParameter] = [], body: JSONSchema? = nil, status: HTTPResponse.Status = .ok, response: JSONSchema?,
         errors: [HTTPResponse.Status] = [], handler: @escaping @Sendable (APICall) async throws -> APIReply) {
        self.method = method
        self.path = path
        self.operationID = operationID
        self.summary = summary
        self.tag = tag
        self.parameters = parameters
        self.body = body
        self.status = status
        self.response = response
        self.errors = errors
        self.resultStatuses = errors.filter { $0 == .badGateway || $0 == .gatewayTimeout }
        self.handler = handler
    }

    /// Mutations need the bearer token.
    public var requiresToken: Bool { method != .get && method != .head }

    /// The path in Hummingbird's syntax (`/api/plans/:plan_id`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }
}

/// What a handler gets: validated parameters and body.
struct APICall: Sendable {
    let parameters: APIParameters
    /// The body as parsed JSON, already valid against the route's schema.
    let body: JSONValue?
    let bodyData: Data?

    /// The body decoded as `T` (after schema validation, so failures here are rare: a value
    /// the schema cannot express, like an address that does not parse).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard let bodyData else { throw APIError.invalidBody("a JSON body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: bodyData)
        } catch let error as DecodingError {
            throw APIError.invalidBody(error.configurationProblem.reason)
        }
    }
}

/// A handler's answer.
struct APIReply: Sendable {
    var status: HTTPResponse.Status
    var response: Response

    /// `{"data": value}`.
    static func data(_ value: some Encodable & Sendable, status: HTTPResponse.Status = .ok) -> APIReply {
        APIReply(status: status, response: APIJSON.response(Envelope(data: value), status: status))
    }
    /// `{"data": value, "actions": […]}`: a change and what it caused on live sessions.
    static func data(_ value: some Encodable & Sendable, actions: [DynamicAuthorizationResult], status: HTTPResponse.Status = .ok) -> APIReply {
        APIReply(status: status, response: APIJSON.response(ActionEnvelope(data: value, actions: actions), status: status))
    }
    /// A page: `{"data": […], "total": N, "limit": L, "offset": O}`.
    static func page<T: Encodable & Sendable>(_ page: APIPage<T>) -> APIReply {
        APIReply(status: .ok, response: APIJSON.response(page))
    }
    static let noContent = APIReply(status: .noContent, response: Response(status: .noContent))

    struct Envelope<T: Encodable>: Encodable { let data: T }
    struct ActionEnvelope<T: Encodable>: Encodable { let data: T; let actions: [DynamicAuthorizationResult] }
}

/// One page of a list.
public struct APIPage<T: Encodable & Sendable>: Encodable, Sendable {
    public var data: [T]
    public var total: Int64
    public var limit: Int64
    public var offset: Int64

    /// The schema of a page of `item`.
    static func schema(of item: String) -> JSONSchema {
        .object("A page of \(item) rows.", [
            "data": .array(.ref(item)),
            "total": .integer("Rows matching the filters, over all pages.", minimum: 0),
            "limit": .integer(minimum: 1),
            "offset": .integer(minimum: 0),
        ])
    }
}

extension JSONSchema {
    /// `{"data": <ref>}`.
    static func single(_ name: String) -> JSONSchema { .object(nil, ["data": .ref(name)]) }
    /// `{"data": <ref>, "actions": [DynamicAuthorizationResult]}`.
    static func withActions(_ name: String) -> JSONSchema {
        .object(nil, ["data": .ref(name), "actions": .array(.ref("DynamicAuthorizationResult"))])
    }
}

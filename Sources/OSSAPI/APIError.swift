import EventSourcing
import Foundation
import Hummingbird
import Logging

/// A failure as an API client sees it: an HTTP status, a stable machine-readable `code` and a
/// reason for humans, sent as `{"error": {"status": 404, "code": "not_found", "reason": "…"}}`.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// Stable identifier: `invalid_parameter`, `unknown_parameter`, `invalid_body`, `payload_too_large`,
    /// `unauthorized`, `not_found`, `conflict`, `radius_timeout`, `radius_unreachable`, `unavailable`, `internal`.
    public var code: String
    public var reason: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ reason: String) {
        self.status = status
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(status.code) \(code): \(reason)" }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", "\(what) does not exist") }
    static func invalidParameter(_ reason: String) -> APIError { APIError(.badRequest, "invalid_parameter", reason) }
    static func invalidBody(_ reason: String) -> APIError { APIError(.badRequest, "invalid_body", reason) }
    static func conflict(_ reason: String) -> APIError { APIError(.conflict, "conflict", reason) }

    /// The error's JSON body.
    var body: JSONValue {
        .object(["error": .object(["status": .integer(Int64(status.code)), "code": .string(code), "reason": .string(reason)])])
    }

    /// The error as a response.
    var response: Response { APIJSON.response(body, status: status) }

    /// The schema of every error body.
    static let schema = JSONSchema.object("An error.", [
        "error": .object([
            "status": .integer("The HTTP status."),
            "code": .string("Stable identifier of the kind of error."),
            "reason": .string("What was wrong, for humans.", maxLength: nil),
        ]),
    ])

    /// Maps a database error to what the client did wrong (constraint violations) or to 503
    /// (the database is away); anything else is a 500 that the caller logs.
    static func from(database error: EventSourcingError, conflict: String = "the change conflicts with existing data") -> APIError {
        switch error.sqlState {
        case "23505": return .conflict(conflict)
        case "23503": return .conflict("the change refers to, or is referred to by, other rows: \(conflict)")
        case "23514", "22001", "22003", "22P02", "22007", "22008": return .invalidBody("a value is out of range or malformed")
        default: break
        }
        if error.isConnectionLoss || error.code == .postgresConnectionFailed || error.code == .poolExhausted {
            return APIError(.serviceUnavailable, "unavailable", "the OSS database is not reachable; try again")
        }
        return APIError(.internalServerError, "internal", "the request failed inside the API; its log has the details")
    }
}

/// Turns every error a handler or Hummingbird throws into an ``APIError`` JSON response.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.status.code >= 500 { logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"]) }
            return error.response
        } catch let error as ResponseError {
            return error.response
        } catch let error as HTTPError {
            let code = switch error.status {
            case .notFound: "not_found"
            case .contentTooLarge: "payload_too_large"
            case .methodNotAllowed: "method_not_allowed"
            case .badRequest: "invalid_body"
            default: "http_\(error.status.code)"
            }
            let reason = error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : (error.body ?? error.status.reasonPhrase)
            return APIError(error.status, code, reason).response
        } catch let error as EventSourcingError {
            let mapped = APIError.from(database: error)
            if mapped.status.code >= 500 { logger.error("database error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"]) }
            return mapped.response
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIError(.internalServerError, "internal", "the request failed inside the API; its log has the details").response
        }
    }
}

/// JSON encoding for every response: snake_case keys, numbers as numbers, times as ISO 8601.
enum APIJSON {
    /// Keys come from each type's CodingKeys (snake_case), so no key strategy runs per key.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    /// `value` as JSON.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = (try? JSONStreamEncoder().encode(value)) ?? (try? Array(encoder().encode(value))) ?? Array("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

import Foundation
import Hummingbird

extension APIServer {
    /// Every named schema the routes refer to.
    public static let components: [String: JSONSchema] = [
        "ActiveSession": ActiveSession.schema, "HistorySession": HistorySession.schema, "SessionEvent": SessionEventRecord.schema,
        "AccessRouter": AccessRouter.schema, "RouterPorts": RouterPorts.schema, "BNG": BNGRecord.schema, "HealthSample": HealthSample.schema,
        "Plan": Plan.schema, "Customer": Customer.schema, "CustomerListing": CustomerListing.schema, "Service": ServiceRecord.schema,
        "Stats": Stats.schema, "RollingAverage": RollingAverage.schema, "TrafficSeries": TrafficSeries.schema,
        "DynamicAuthorizationResult": DynamicAuthorizationResult.schema, "Health": Health.schema, "Error": APIError.schema,
        "Lab": LabView.schema, "LabDemoResult": LabDemoResult.schema,
    ]

    /// The OpenAPI 3.1 document, built from ``routes`` and ``components``.
    public var openAPIDocument: JSONValue { Self.openAPIDocument(for: routes) }

    static func openAPIDocument(for routes: [APIRoute]) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for route in routes {
            var operation: [String: JSONValue] = [
                "operationId": .string(route.operationID), "summary": .string(route.summary), "tags": .array([.string(route.tag)]),
            ]
            if !route.parameters.isEmpty {
                operation["parameters"] = .array(route.parameters.map { parameter in
                    .object(["name": .string(parameter.name), "in": .string(parameter.location.rawValue), "required": .bool(parameter.required),
                             "description": .string(parameter.description), "schema": parameter.schema.document])
                })
            }
            if let body = route.body {
                operation["requestBody"] = .object(["required": .bool(true),
                                                    "content": .object(["application/json": .object(["schema": body.document])])])
            }
            var responses: [String: JSONValue] = [:]
            var success: [String: JSONValue] = ["description": .string(route.status.reasonPhrase)]
            if let response = route.response {
                success["content"] = .object(["application/json": .object(["schema": response.document])])
            }
            responses[String(route.status.code)] = .object(success)
            let error = JSONValue.object(["application/json": .object(["schema": JSONSchema.ref("Error").document])])
            var statuses: [HTTPResponse.Status] = [.badRequest] + route.errors + (route.body == nil ? [] : [.contentTooLarge])
            if route.requiresToken { statuses.append(.unauthorized) }
            for status in route.resultStatuses {
                responses[String(status.code)] = .object(["description": .string(status.reasonPhrase + ": the request's outcome"),
                                                          "content": success["content"] ?? error])
            }
            for status in statuses where responses[String(status.code)] == nil {
                responses[String(status.code)] = .object(["description": .string(status.reasonPhrase), "content": error])
            }
            responses["default"] = .object(["description": .string("Unexpected error"), "content": error])
            operation["responses"] = .object(responses)
            if route.requiresToken { operation["security"] = .array([.object(["bearer": .array([])])]) }
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = .object(operation)
        }
        paths["/api/stream"] = ["get": .object([
            "operationId": .string("streamChanges"), "tags": .array([.string("Stream")]),
            "summary": .string("Server-Sent Events: stats, bngs, routers, sessions (started, stopped, and updated for watched ids), reset."),
            "parameters": .array([
                .object(["name": "watch", "in": "query", "required": .bool(false),
                         "description": "Comma-separated session ids whose counter updates to send.", "schema": JSONSchema.string(maxLength: 20_000).document]),
                .object(["name": "last_event_id", "in": "query", "required": .bool(false),
                         "description": "Resume after this event id (as the Last-Event-ID header).", "schema": JSONSchema.string().document]),
            ]),
            "responses": .object(["200": .object(["description": "An endless event stream.",
                                                  "content": .object(["text/event-stream": .object(["schema": .object(["type": "string"])])])])]),
        ])]
        paths["/api/openapi.json"] = ["get": .object([
            "operationId": "getOpenAPIDocument", "tags": .array(["System"]), "summary": "This document.",
            "responses": .object(["200": .object(["description": "OpenAPI 3.1", "content": .object(["application/json": .object([:])])])]),
        ])]
        paths["/metrics"] = ["get": .object([
            "operationId": "getMetrics", "tags": .array(["System"]), "summary": "Prometheus metrics of the API process.",
            "responses": .object(["200": .object(["description": "Prometheus text format",
                                                  "content": .object(["text/plain": .object(["schema": .object(["type": "string"])])])])]),
        ])]
        return .object([
            "openapi": "3.1.0",
            "info": .object(["title": "Aether OSS API", "version": "1.0.0",
                             "description": "Sessions, events, BNGs, access nodes and provisioning of an Aether ISP. Lists answer {data, total, limit, offset}; errors {error: {status, code, reason}}; mutations need a bearer token."]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "schemas": .object(Self.components.mapValues(\.document)),
                "securitySchemes": .object(["bearer": .object(["type": "http", "scheme": "bearer"])]),
            ]),
        ])
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

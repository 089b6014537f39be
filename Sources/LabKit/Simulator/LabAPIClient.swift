import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The few aether-api calls the simulator makes, over HTTP with the operator's token.
public struct LabAPIClient: Sendable {
    public let baseURL: String
    let token: String?

    public init(baseURL: String, token: String?) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
    }

    /// Sends one request; returns the decoded JSON body, throwing with the API's reason on a 4xx/5xx.
    @discardableResult
    public func request(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> Any {
        guard let url = URL(string: baseURL + path) else { throw LabKitError(.invalidConfiguration, "bad API URL \(baseURL + path)") }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSONSerialization.jsonObject(with: data)) ?? [:]
        guard (200..<300).contains(status) else {
            let reason = ((json as? [String: Any])?["error"] as? [String: Any])?["reason"] as? String ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw LabKitError(.controlRequestFailed, "\(method) \(path): HTTP \(status): \(reason)")
        }
        return json
    }

    /// The `data` array of a list.
    public func list(_ path: String) async throws -> [[String: Any]] {
        let separator = path.contains("?") ? "&" : "?"
        return ((try await request("GET", path + separator + "limit=1000") as? [String: Any])?["data"] as? [[String: Any]]) ?? []
    }

    /// Waits until `/health` answers 200.
    public func waitForHealth(timeoutSeconds: Double = 60) async throws {
        try await Readiness.wait(for: "aether-api at \(baseURL)", timeoutSeconds: timeoutSeconds) {
            (try? await request("GET", "/health")) != nil
        }
    }
}

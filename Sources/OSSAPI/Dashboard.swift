import Foundation
import Hummingbird

/// The dashboard's static files: the bundled HTML/CSS/JS modules at `/`, and Debian's
/// libjs-chart.js from its installed folder at `/vendor/chart.js/` (no CDN; works offline).
/// No page embeds the API token: the operator types it, and the browser keeps it in
/// `sessionStorage`.
struct Dashboard {
    let directory: String?
    let chartJS: String?

    /// The bundled files' folder.
    static var bundledDirectory: String? { Bundle.module.resourceURL?.appendingPathComponent("Dashboard").path }

    func register(on router: Router<BasicRequestContext>) {
        guard let root = directory ?? Self.bundledDirectory else { return }
        let files = Self.files(in: root)
        let vendor = chartJS.map(Self.files(in:)) ?? [:]
        let serve: @Sendable ([String: String], String) -> Response? = { table, name in
            guard let path = table[name], let data = FileManager.default.contents(atPath: path) else { return nil }
            return Response(status: .ok, headers: [.contentType: Self.contentType(of: name), .cacheControl: "no-cache"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/") { _, _ in serve(files, "index.html") ?? Response(status: .notFound) }
        router.get("/ui/**") { request, _ in
            let name = String(request.uri.path.dropFirst("/ui/".count))
            guard let response = serve(files, name) else { throw APIError.notFound("file \(JSONSchema.clip(name))") }
            return response
        }
        router.get("/vendor/chart.js/**") { request, _ in
            let name = String(request.uri.path.dropFirst("/vendor/chart.js/".count))
            guard let response = serve(vendor, name) else { throw APIError.notFound("file \(JSONSchema.clip(name))") }
            return response
        }
    }

    /// Regular files under `root` by relative path (a fixed table, so no request can leave it).
    static func files(in root: String) -> [String: String] {
        var table: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return table }
        while let relative = walker.nextObject() as? String {
            let full = root + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue { table[relative] = full }
        }
        return table
    }

    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}

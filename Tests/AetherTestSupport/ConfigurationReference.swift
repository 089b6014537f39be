import Foundation

/// What the configuration-reference tests share: the documented YAML and a walk over a decoded
/// configuration that lists the optional keys the document leaves unset.
public enum ConfigurationReference {
    /// `Docs/<name>` in this checkout.
    public static func documentPath(_ name: String, file: String = #filePath) -> String {
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("Docs/\(name)").path
    }

    /// The first ```yaml block of `Docs/<name>`.
    public static func yaml(in name: String, file: String = #filePath) throws -> String {
        let text = try String(contentsOfFile: documentPath(name, file: file), encoding: .utf8)
        guard let block = MarkdownBlocks.fenced("yaml", in: text).first else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "Docs/\(name) has no yaml block"])
        }
        return block
    }

    /// Paths of the optional properties that are nil in `value`, recursively.
    public static func unsetOptionals(_ value: Any, path: String = "") -> [String] {
        var result: [String] = []
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            let childPath = path.isEmpty ? label : path + "." + label
            let mirror = Mirror(reflecting: child.value)
            if mirror.displayStyle == .optional {
                guard let wrapped = mirror.children.first?.value else { result.append(childPath); continue }
                result += unsetOptionals(wrapped, path: childPath)
            } else if mirror.displayStyle == .struct {
                result += unsetOptionals(child.value, path: childPath)
            } else if mirror.displayStyle == .collection, let first = mirror.children.first?.value,
                      Mirror(reflecting: first).displayStyle == .struct {
                result += unsetOptionals(first, path: childPath + ".0")
            } else if mirror.displayStyle == .dictionary, let first = mirror.children.first?.value,
                      let entry = Mirror(reflecting: first).children.dropFirst().first?.value {
                result += unsetOptionals(entry, path: childPath + ".*")
            }
        }
        return result
    }
}

/// Prometheus text exposition, read back for exact assertions.
public struct PrometheusText: Sendable {
    public let text: String
    public init(_ text: String) { self.text = text }

    /// The value of the sample `name{labels…}` whose labels include all of `labels`; 0 when absent.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        var total = 0.0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let metric = series.prefix { $0 != "{" }
            guard metric == name else { continue }
            let labelText = series.drop { $0 != "{" }
            let present = labels.allSatisfy { labelText.contains("\($0.key)=\"\($0.value)\"") }
            if present, let value = Double(line[line.index(after: space)...]) { total += value }
        }
        return total
    }
}

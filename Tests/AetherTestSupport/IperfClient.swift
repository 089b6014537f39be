import LabKit

extension NetworkNamespace {
    /// Runs one `iperf3 -c …` client (`arguments` start with `iperf3`) and returns its output.
    ///
    /// iperf3's server tears a test down after its client already has the result, so a run
    /// straight after another can be refused with "the server is busy"; that answer (and only
    /// that one) is retried until the server takes the test. Any other failure is thrown.
    public func iperfClient(_ arguments: [String], timeoutSeconds: Double = 90) async throws -> CommandOutput {
        var output: CommandOutput?
        try await Readiness.wait(for: "an iperf3 server to take a test from \(name)", timeoutSeconds: 20) {
            output = try await run(arguments, timeoutSeconds: timeoutSeconds)
            return output.map { !$0.standardOutput.contains("the server is busy") && !$0.standardError.contains("the server is busy") } ?? false
        }
        guard let output, output.succeeded else {
            throw LabKitError(.commandFailed, "\(arguments.joined(separator: " ")) in \(name): \(output?.standardOutput.suffix(400) ?? "")\(output?.standardError ?? "")")
        }
        return output
    }
}

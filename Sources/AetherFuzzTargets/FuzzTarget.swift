/// One parser of untrusted input, wrapped so that any bytes can be thrown at it.
///
/// A target's body either returns (the input parsed, or was refused with the kit's own error)
/// or throws a ``FuzzFinding``: a property that must hold did not (a parse that does not
/// re-encode to its input, two decoders that disagree, an error that does not name its source).
/// A crash, a hang or a sanitizer report is a finding too. The libFuzzer harness in `Fuzz/`
/// and the short campaign `make test` runs (``FuzzCampaign``) call the same bodies.
public struct FuzzTarget: Sendable {
    /// Short name (`dhcp-message`), also the corpus folder `Fuzz/Corpus/<name>/`.
    public let name: String
    /// What it feeds, for `Fuzz/run.sh --list` and the docs.
    public let summary: String
    /// Inputs built in code that reach deep into the parser (valid events, Kea answers, netlink
    /// messages as the kernel sends them); libFuzzer starts from these plus the committed corpus.
    public let seeds: @Sendable () -> [[UInt8]]
    /// Files of the repository (paths from its root) that are seeds too: the shipped examples.
    public let seedFiles: [String]
    /// Runs one input.
    public let run: @Sendable ([UInt8]) throws(FuzzFinding) -> Void

    public init(name: String, summary: String, seeds: @escaping @Sendable () -> [[UInt8]] = { [] }, seedFiles: [String] = [],
                run: @escaping @Sendable ([UInt8]) throws(FuzzFinding) -> Void) {
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.seedFiles = seedFiles
        self.run = run
    }

    /// Every target, in the order `Fuzz/run.sh all` runs them.
    public static let all: [FuzzTarget] = [
        .dhcpMessage, .dhcpFrame, .radiusPacket, .radiusDictionary,
        .eventCodec, .streamEntries, .keaAnswer, .netlink,
        .topology, .bngConfiguration, .ossConfiguration, .relayConfiguration, .simulatorConfiguration,
    ]

    /// The target called `name`, if any.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// A property a target checks did not hold for an input.
public struct FuzzFinding: Error, CustomStringConvertible, Sendable {
    public let target: String
    public let property: String

    public init(_ target: String, _ property: String) {
        self.target = target
        self.property = property
    }

    public var description: String { "\(target): \(property)" }
}

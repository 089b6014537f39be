import BNGKit
import DHCPKit
import Foundation
import LabKit
import OSSKit

extension FuzzTarget {
    /// The lab's topology file.
    public static let topology = configuration(
        "topology", "LabTopology.decode: YAML topology files, validation included",
        files: ["Examples/lab/topology.yaml", "Examples/lab/small.yaml"]
    ) { text, source in _ = try LabTopology.decode(text, source: source) }

    /// aether-bng's configuration file.
    public static let bngConfiguration = configuration(
        "bng-configuration", "BNGConfiguration.decode: aether-bng's YAML configuration",
        files: ["Examples/containerlab/configs/bng-01/bng.yaml", "Examples/containerlab/configs/bng-02/bng.yaml"]
    ) { text, source in _ = try BNGConfiguration.decode(text, source: source) }

    /// The OSS configuration file (aether-ingestor, aether-api).
    public static let ossConfiguration = configuration(
        "oss-configuration", "OSSConfiguration.decode: the ingestor's and API's YAML configuration",
        files: ["Examples/containerlab/configs/services/oss.yaml"]
    ) { text, source in _ = try OSSConfiguration.decode(text, source: source) }

    /// aether-relay's configuration file.
    public static let relayConfiguration = configuration(
        "relay-configuration", "AccessNodeRelayFile.decode: aether-relay's JSON configuration",
        files: ["Examples/containerlab/configs/an-01/relay.json"]
    ) { text, source in _ = try AccessNodeRelayFile.decode(Data(text.utf8), source: source) }

    /// aether-sim's configuration file.
    public static let simulatorConfiguration = configuration(
        "simulator-configuration", "SimulatorConfiguration.decode: aether-sim's JSON configuration",
        files: ["Examples/lab/simulator.json"]
    ) { text, source in _ = try SimulatorConfiguration.decode(Data(text.utf8), source: source) }

    /// A configuration loader: any text either loads or is refused with an error that names the
    /// file, so an operator can find the mistake ("bad config names the file and key").
    static func configuration(_ name: String, _ summary: String, files: [String],
                              decode: @escaping @Sendable (String, String) throws -> Void) -> FuzzTarget {
        FuzzTarget(name: name, summary: summary, seedFiles: files) { bytes throws(FuzzFinding) in
            let source = "fuzz-\(name).conf"
            do {
                try decode(String(decoding: bytes, as: UTF8.self), source)
            } catch {
                guard String(describing: error).contains(source) else {
                    throw FuzzFinding(name, "the error does not name the file: \(String(describing: error).prefix(300))")
                }
            }
        }
    }
}

import AetherFuzzTargets
import AetherTestSupport
import Foundation
import ServiceSupport
import Testing

/// The short fuzz `make test` (and so CI) runs: every target on its seeds, the shipped files it
/// names and the committed corpus, then on seeded mutants of them. Coverage-guided runs of the
/// same targets are `Fuzz/run.sh <target|all> <seconds>` (Fuzz/README.md).
@Suite("Every parser of untrusted input survives a short fuzz", .serialized)
struct FuzzCampaignTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    /// Mutants per target; `AETHER_FUZZ_ITERATIONS` raises it for a longer local run.
    static let iterations = ProcessInfo.processInfo.environment["AETHER_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 4000

    @Test(arguments: FuzzTarget.all.map(\.name))
    func targetHoldsItsPropertiesOnItsCorpusAndMutants(_ name: String) async throws {
        let target = try #require(FuzzTarget.named(name))
        let inputs = FuzzCorpus.inputs(of: target, repositoryRoot: Self.repositoryRoot)
        #expect(!inputs.isEmpty, "\(name) has no seeds, seed files or corpus")
        let seed = UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 << 5) &+ $0 &+ Int($1) })
        // Seconds of CPU, one target at a time (the suite is serialized) on a thread of its own:
        // 13 in parallel, on the cooperative pool or not, starved the async tests beside them
        // on two cores (a RADIUS test's 10 s wait for five local handlers ran out).
        let report = try await MeasurementLock.exclusive {
            try await DedicatedThread.run(name: "fuzz-\(name)") {
                FuzzCampaign.run(target, inputs: inputs, iterations: Self.iterations, seed: seed)
            }
        }
        for (finding, input) in report.findings {
            Issue.record("\(finding) — input (\(input.count) bytes, seed \(seed)): \(input.prefix(96).map { String(format: "%02x", $0) }.joined())")
        }
        print("fuzz \(name): \(report.startingInputs) starting inputs, \(report.executions) executions, \(report.findings.count) findings")
    }

    @Test func everyTargetHasAUniqueNameAndItsCorpusFolderBelongsToATarget() throws {
        let names = FuzzTarget.all.map(\.name)
        #expect(Set(names).count == names.count)
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.repositoryRoot + "/Fuzz/Corpus")
        for folder in folders where !folder.hasPrefix(".") {
            #expect(names.contains(folder), "Fuzz/Corpus/\(folder) belongs to no target")
        }
        for target in FuzzTarget.all {
            for file in target.seedFiles {
                #expect(FileManager.default.fileExists(atPath: Self.repositoryRoot + "/" + file), "\(target.name) names missing \(file)")
            }
        }
    }

    /// The campaign finds what it is meant to find: a target that refuses one byte pattern is
    /// caught from a corpus that lacks it (so a green run is not a campaign that ran nothing).
    @Test func theCampaignReachesAPropertyViolationItsSeedsDoNotContain() {
        let trap = FuzzTarget(name: "trap", summary: "fails on a 0xff after a 0x00") { bytes throws(FuzzFinding) in
            if zip(bytes, bytes.dropFirst()).contains(where: { $0 == 0 && $1 == 0xff }) { throw FuzzFinding("trap", "0x00 0xff") }
        }
        let report = FuzzCampaign.run(trap, inputs: [Array("hello, world".utf8)], iterations: 20_000, seed: 1)
        #expect(!report.findings.isEmpty)
        #expect(report.executions == 20_001)
    }
}

import Foundation
import ServiceSupport

/// The inputs a target starts from: its code-built seeds, the shipped files it names, and the
/// committed corpus `Fuzz/Corpus/<name>/` that libFuzzer runs grow and minimize.
public enum FuzzCorpus {
    /// Every starting input of `target`, read below `repositoryRoot`.
    public static func inputs(of target: FuzzTarget, repositoryRoot: String) -> [[UInt8]] {
        var inputs = target.seeds()
        for file in target.seedFiles {
            if let data = FileManager.default.contents(atPath: repositoryRoot + "/" + file) { inputs.append(Array(data)) }
        }
        let folder = repositoryRoot + "/Fuzz/Corpus/" + target.name
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names.sorted() {
            if let data = FileManager.default.contents(atPath: folder + "/" + name) { inputs.append(Array(data)) }
        }
        return inputs
    }
}

/// A short, repeatable fuzz run without libFuzzer: every starting input, then `iterations`
/// mutants of them (bit flips, interesting bytes, inserts, deletes, duplicated ranges, splices),
/// drawn from a seeded generator so a finding reproduces from its seed.
///
/// It has no coverage feedback, so it is the smoke test CI can afford; the corpus it mutates is
/// the one coverage-guided libFuzzer runs (`Fuzz/run.sh`) built.
public struct FuzzCampaign {
    /// What one campaign did.
    public struct Report: Sendable {
        public var target: String
        public var startingInputs = 0
        public var executions = 0
        /// The first few findings with the input that produced each.
        public var findings: [(finding: FuzzFinding, input: [UInt8])] = []
    }

    public static let maximumInputLength = 64 * 1024

    /// Runs `target` on `inputs` and on `iterations` mutants of them.
    public static func run(_ target: FuzzTarget, inputs: [[UInt8]], iterations: Int, seed: UInt64) -> Report {
        var report = Report(target: target.name, startingInputs: inputs.count)
        var random = SeededGenerator(seed: seed)
        func execute(_ input: [UInt8]) {
            report.executions += 1
            do {
                try target.run(input)
            } catch {
                if report.findings.count < 5 { report.findings.append((error, input)) }
            }
        }
        inputs.forEach(execute)
        let pool = inputs.isEmpty ? [[]] : inputs
        for _ in 0..<iterations {
            var input = pool[random.below(pool.count)]
            for _ in 0...random.below(4) {
                mutate(&input, splicingFrom: pool, random: &random)
            }
            execute(input)
        }
        return report
    }

    /// Bytes that sit on parser boundaries: lengths, signs, terminators.
    static let interestingBytes: [UInt8] = [0, 1, 2, 0x7f, 0x80, 0xff, 0xfe, 0x20, 0x0a, 0x22, 0x3a, 0x2c, 0x7b, 0x5b]

    static func mutate(_ input: inout [UInt8], splicingFrom pool: [[UInt8]], random: inout SeededGenerator) {
        switch random.below(8) {
        case 0 where !input.isEmpty:
            input[random.below(input.count)] ^= 1 << UInt8(random.below(8))
        case 1 where !input.isEmpty:
            input[random.below(input.count)] = interestingBytes[random.below(interestingBytes.count)]
        case 2 where !input.isEmpty:
            input[random.below(input.count)] = UInt8(truncatingIfNeeded: random.next())
        case 3 where input.count < maximumInputLength:
            let bytes = (0...random.below(8)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            input.insert(contentsOf: bytes, at: random.below(input.count + 1))
        case 4 where !input.isEmpty:
            let start = random.below(input.count)
            input.removeSubrange(start..<min(input.count, start + 1 + random.below(16)))
        case 5 where !input.isEmpty && input.count < maximumInputLength:
            let start = random.below(input.count)
            let range = start..<min(input.count, start + 1 + random.below(32))
            input.insert(contentsOf: input[range], at: random.below(input.count + 1))
        case 6:
            let other = pool[random.below(pool.count)]
            guard !other.isEmpty else { return }
            let cut = random.below(input.count + 1)
            let from = random.below(other.count)
            input = Array(input[..<cut]) + other[from...].prefix(maximumInputLength - cut)
        default:
            if !input.isEmpty { input.removeLast(random.below(input.count) + 1) }
        }
    }
}

extension SeededGenerator {
    /// A value in `0..<bound` (`bound` > 0).
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}

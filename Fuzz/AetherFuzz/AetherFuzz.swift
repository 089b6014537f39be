import AetherFuzzTargets
import Foundation

// One libFuzzer binary for every target; AETHER_FUZZ_TARGET picks it (Fuzz/run.sh sets it).
// A finding (a property that did not hold) is a crash, so libFuzzer saves the input.

let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["AETHER_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.named(name) else {
        fatalError("AETHER_FUZZ_TARGET=\"\(name)\" is no target; one of: \(FuzzTarget.all.map(\.name).joined(separator: " "))")
    }
    return target
}()

/// Writes the target's code-built seeds and shipped seed files into `AETHER_FUZZ_SEED_DIR`
/// (run.sh's working corpus) before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let environment = ProcessInfo.processInfo.environment
    if environment["AETHER_FUZZ_TARGET"] == "--list" {
        for target in FuzzTarget.all { print("\(target.name)\t\(target.summary)") }
        exit(0)
    }
    guard let folder = environment["AETHER_FUZZ_SEED_DIR"], let root = environment["AETHER_FUZZ_REPOSITORY"] else { return 0 }
    for (index, input) in FuzzCorpus.inputs(of: selected, repositoryRoot: root).enumerated() {
        FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(input))
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try selected.run(Array(UnsafeBufferPointer(start: data, count: size)))
    } catch {
        fatalError("finding: \(error)")
    }
    return 0
}

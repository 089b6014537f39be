import AetherTestSupport
import Foundation
@testable import LabKit
import Testing

/// `aether-lab export containerlab`: the committed example is the export of the default
/// topology, valid for containerlab, complete, and its images' binaries need no Swift toolchain.
@Suite("containerlab export")
struct ContainerlabExportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let example = repository + "/Examples/containerlab"

    static func export() throws -> ContainerlabExport {
        ContainerlabExport(topology: try LabTopology.load(path: repository + "/Examples/lab/topology.yaml"), sourceName: "topology.yaml")
    }

    /// No drift: every file of a fresh export equals the committed one, and nothing else is there.
    @Test func theCommittedExampleIsTheExportOfTheDefaultTopology() throws {
        let files = try Self.export().files()
        for file in files {
            let committed = try? String(contentsOfFile: Self.example + "/" + file.path, encoding: .utf8)
            #expect(committed == file.text, "Examples/containerlab/\(file.path) differs from the export; run `.build/debug/aether-lab export containerlab --out Examples/containerlab`")
            if file.executable {
                #expect(FileManager.default.isExecutableFile(atPath: Self.example + "/" + file.path), "\(file.path) is not executable")
            }
        }
        let enumerator = FileManager.default.enumerator(atPath: Self.example)
        var present: Set<String> = []
        while let path = enumerator?.nextObject() as? String {
            var directory: ObjCBool = false
            if FileManager.default.fileExists(atPath: Self.example + "/" + path, isDirectory: &directory), !directory.boolValue { present.insert(path) }
        }
        #expect(present.subtracting(files.map(\.path) + [".gitignore"]).isEmpty, "stale files: \(present.subtracting(files.map(\.path)))")
        #expect(files.count > 50)
    }

    @Test func theTopologyIsValidForContainerlabAndEveryFileItNamesExists() async throws {
        let topology = Self.example + "/topology.clab.yml"
        let validator = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            document = yaml.safe_load(open(sys.argv[2]))
            # The schema's own patterns use \\p{…} classes Python's re lacks, so the schema is not
            # checked against its metaschema; the document is checked against the schema.
            validator = jsonschema.validators.validator_for(schema)(schema)
            errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
            for error in errors[:10]:
                print("invalid at", "/".join(map(str, error.path)) or "(document)", ":", error.message[:300], file=sys.stderr)
            if errors:
                sys.exit(1)
            nodes = document["topology"]["nodes"]
            print("valid:", len(nodes), "nodes,", len(document["topology"]["links"]), "links")
            for name, node in nodes.items():
                for bind in node.get("binds", []):
                    print("bind", bind.split(":")[0])
            """
        let result = try await CommandRunner.run(["/var/lib/aether/python/bin/python", "-c", validator,
                                                  Self.repository + "/Tests/Fixtures/containerlab/clab.schema.json", topology])
        #expect(result.succeeded, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        // services, mgmt, wan, upstream; per BNG itself and its aggregation; every access node and host.
        // Links: three per BNG, one uplink per access node, one per host, upstream and services.
        let lab = try Self.export().topology
        let nodes = 4 + 2 * lab.bngs.count + lab.accessNodes.count + lab.hosts.count
        let links = 3 * lab.bngs.count + lab.accessNodes.count + lab.hosts.count + 2
        #expect(lines.first.map(String.init) == "valid: \(nodes) nodes, \(links) links", "\(lines.first ?? "")")
        // Every bound path exists; secrets/ is written at deploy time by generate-secrets.sh.
        for bind in Set(lines.filter { $0.hasPrefix("bind ") }.map { String($0.dropFirst(5)) }) where bind != "secrets" {
            #expect(FileManager.default.fileExists(atPath: Self.example + "/" + bind), "the topology binds \(bind), which the export lacks")
        }
        let secrets = try String(contentsOfFile: Self.example + "/generate-secrets.sh", encoding: .utf8)
        #expect(secrets.contains("mkdir -p secrets"))
        // Every secret a configuration reads is one generate-secrets.sh writes.
        let written = Set(secrets.components(separatedBy: "for name in ").last?.components(separatedBy: ";").first?.split(separator: " ").map(String.init) ?? [])
        for file in try Self.export().files() {
            for match in file.text.components(separatedBy: "/etc/aether/secrets/").dropFirst() {
                let name = String(match.prefix { $0.isLetter || $0.isNumber || $0 == "-" })
                #expect(written.contains(name), "\(file.path) reads secret \(name), which generate-secrets.sh does not write")
            }
            for match in file.text.components(separatedBy: "$S/").dropFirst() {
                let name = String(match.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "$" })
                #expect(written.contains(name) || name == "$db-db", "\(file.path) reads secret \(name), which generate-secrets.sh does not write")
            }
        }
        // Every Dockerfile copies only binaries build-images.sh puts in bin/.
        let build = try String(contentsOfFile: Self.example + "/build-images.sh", encoding: .utf8)
        for image in ContainerlabExport.images {
            let dockerfile = try String(contentsOfFile: Self.example + "/images/\(image)/Dockerfile", encoding: .utf8)
            for line in dockerfile.split(separator: "\n") where line.hasPrefix("COPY ") {
                let source = String(line.split(separator: " ")[1])
                #expect(source.hasPrefix("bin/") && build.contains("--product \(source.dropFirst(4))"), "images/\(image) copies \(source)")
            }
            #expect(build.contains("-f images/\(image)/Dockerfile"))
        }
    }

    /// Every start script and helper is valid shell.
    @Test func everyScriptParses() async throws {
        for file in try Self.export().files() where file.path.hasSuffix(".sh") {
            let result = try await CommandRunner.run(["sh", "-n", Self.example + "/" + file.path])
            #expect(result.succeeded, "\(file.path): \(result.standardError)")
        }
    }

    /// The images carry our binaries built with the static Swift standard library: they start
    /// with no toolchain on `PATH` or `LD_LIBRARY_PATH` and link no Swift runtime library.
    @Test(.timeLimit(.minutes(30)))
    func theImagesBinariesRunWithoutTheSwiftToolchain() async throws {
        let products = Array(Set(ContainerlabExport.binaries.values.flatMap { $0 })).sorted()
        // `make test` builds these before the tests start (Makefile STATIC_PRODUCTS); here it is a no-op then.
        let makefile = try String(contentsOfFile: Self.repository + "/Makefile", encoding: .utf8)
        let listed = makefile.split(separator: "\n").first { $0.hasPrefix("STATIC_PRODUCTS :=") }?
            .split(separator: " ").dropFirst(2).map(String.init).sorted() ?? []
        #expect(listed == products, "the Makefile's STATIC_PRODUCTS \(listed) are not the images' binaries \(products)")
        let scratch = Self.repository + "/.build-static"
        for product in products {
            let build = try await CommandRunner.run(["nice", "-n", "10", "swift", "build", "--static-swift-stdlib", "--scratch-path", scratch,
                                                     "--product", product], timeoutSeconds: 1500)
            try #require(build.succeeded, "static build of \(product) failed:\n\(build.standardOutput.suffix(3000))\n\(build.standardError.suffix(2000))")
        }
        let folder = scratch + "/debug"
        for product in products {
            let binary = folder + "/" + product
            let libraries = try await CommandRunner.check(["ldd", binary]).standardOutput
            for runtime in ["libswiftCore", "libFoundation", "libdispatch", "libswift_Concurrency"] {
                #expect(!libraries.contains(runtime), "\(product) links \(runtime):\n\(libraries)")
            }
            let run = try await CommandRunner.run(["env", "-i", "PATH=/usr/bin:/bin", binary, "--help"])
            #expect(run.succeeded && run.standardOutput.contains("USAGE"), "\(product) --help without the toolchain: \(run.standardError)")
        }
    }
}

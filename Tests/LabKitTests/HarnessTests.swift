import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import Testing

@Suite("Service harness")
struct HarnessTests {
    @Test func startingAgainIsHarmlessAndEveryServiceAnswers() async throws {
        let first = try await TestServices.endpoints()
        let harness = ServiceHarness(configuration: TestServices.configuration)
        let second = try await harness.start()
        #expect(first == second)
        let status = await harness.status()
        #expect(status.count == 5)
        for row in status {
            #expect(row.running, "\(row.service) is not answering")
        }
    }

    @Test func keaControlAgentAnswersForDHCP4() async throws {
        let endpoints = try await TestServices.endpoints()
        let agent = endpoints.kea.controlAgent
        let status = try await agent.status()
        #expect(status.pid > 0)
        // lease_cmds is loaded: the command is known (0 = leases, 3 = none yet).
        let leases = try await agent.send("lease4-get-all")
        #expect(leases.result == 0 || leases.result == 3)
    }

    @Test(arguments: [
        ("relative/state", "stateDirectory"),
        ("/var/lib/with space", "stateDirectory"),
        ("/" + String(repeating: "x", count: 120), "too long"),
    ])
    func badStateDirectoryIsNamed(path: String, fragment: String) throws {
        let error = try #require(throws: LabKitError.self) { try HarnessConfiguration.test(stateDirectory: path).validate() }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains(fragment))
    }

    @Test func unknownProfileIsRejected() throws {
        let error = try #require(throws: LabKitError.self) { try HarnessConfiguration.named("staging") }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("staging"))
    }

    @Test func profilesNeverShareAPortOrANamespace() {
        let test = HarnessConfiguration.test(), lab = HarnessConfiguration.lab()
        let testPorts: Set = [test.postgresPort, test.redisPort, test.keaControlAgentPort]
        let labPorts: Set = [lab.postgresPort, lab.redisPort, lab.keaControlAgentPort]
        #expect(testPorts.isDisjoint(with: labPorts))
        #expect(testPorts.isDisjoint(with: [5432, 6379, 8000]))
        #expect(test.servicesNamespace != lab.servicesNamespace)
    }
}

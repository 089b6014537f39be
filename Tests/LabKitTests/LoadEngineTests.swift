import LabKit
import NetworkTypes
import Testing

/// The pure parts of the load generator: its timer wheel and its subscriber numbering.
@Suite("Load generator: timer wheel and subscriber identities")
struct LoadEngineTests {
    @Test func timersFireInDeadlineOrderOncePerArmingAndReArmingSupersedes() {
        var wheel = TimerWheel<Int>(tick: .milliseconds(10), slotCount: 8)
        wheel.schedule(1, at: .milliseconds(35))
        wheel.schedule(2, at: .milliseconds(31))
        wheel.schedule(3, at: .milliseconds(500))   // several turns of an 80 ms wheel away
        wheel.schedule(4, at: .milliseconds(20))
        wheel.schedule(4, at: .milliseconds(90))    // re-armed: the 20 ms entry must not fire
        wheel.schedule(5, at: .milliseconds(40))
        wheel.cancel(5)
        #expect(wheel.count == 4)

        var fired: [Int] = []
        wheel.advance(to: .milliseconds(30)) { fired.append($0.key) }
        #expect(fired.isEmpty)
        wheel.advance(to: .milliseconds(36)) { fired.append($0.key) }
        #expect(fired == [2, 1])
        wheel.advance(to: .milliseconds(100)) { fired.append($0.key) }
        #expect(fired == [2, 1, 4])
        #expect(wheel.nextDeadline(lookahead: 8) == nil)  // 3 is further out than the lookahead
        wheel.advance(to: .milliseconds(499)) { fired.append($0.key) }
        #expect(fired == [2, 1, 4])
        wheel.advance(to: .milliseconds(500)) { fired.append($0.key) }
        #expect(fired == [2, 1, 4, 3])
        #expect(wheel.count == 0)
        #expect(!wheel.isArmed(3))
    }

    @Test func aDeadlineInThePastFiresOnTheNextAdvanceAndTheNextDeadlineIsReported() {
        var wheel = TimerWheel<Int>(tick: .milliseconds(5), slotCount: 64, start: .seconds(10))
        wheel.schedule(7, at: .seconds(9))
        wheel.schedule(8, at: .seconds(10) + .milliseconds(12))
        #expect(wheel.nextDeadline() == .seconds(9))
        var fired: [Int] = []
        wheel.advance(to: .seconds(10)) { fired.append($0.key) }
        #expect(fired == [7])
        #expect(wheel.nextDeadline() == .seconds(10) + .milliseconds(12))
    }

    @Test func tenThousandClientsReArmingTheirTimersFireExactlyOnceEach() {
        var wheel = TimerWheel<Int>(tick: .milliseconds(5), slotCount: 1024)
        for n in 0..<10_000 { wheel.schedule(n, at: .milliseconds(n % 3000)) }
        for n in stride(from: 0, to: 10_000, by: 2) { wheel.schedule(n, at: .milliseconds(4000 + n % 7)) }
        var counts = [Int](repeating: 0, count: 10_000)
        var last = Duration.zero
        var ordered = true
        var now = Duration.zero
        while now <= .seconds(5) {
            wheel.advance(to: now) { entry in
                counts[entry.key] += 1
                if entry.deadline < last { ordered = false }
                last = entry.deadline
            }
            now += .milliseconds(3)
        }
        #expect(counts.allSatisfy { $0 == 1 })
        #expect(ordered)
        #expect(wheel.count == 0)
    }

    @Test func everySubscriberHasItsOwnMACAndCircuitAndIsFoundAgainByItsMAC() throws {
        let configuration = SubscriberLoadConfiguration(interface: "eth0", sessions: 50_000, arrivalRate: 1000, remoteID: "ld-01",
                                                        macPrefix: 0x5a, firstIndex: 70_000)
        try configuration.validate()
        #expect(configuration.macAddress(0) == MACAddress(0x02, 0x5a, 0, 1, 0x11, 0x70))
        #expect(configuration.circuitID(0) == "ld-01/70001")
        let macs = Set((0..<50_000).map(configuration.macAddress))
        #expect(macs.count == 50_000)
        for n in [0, 1, 49_999] { #expect(configuration.subscriber(of: configuration.macAddress(n)) == n) }
        #expect(configuration.subscriber(of: MACAddress(0x02, 0x5b, 0, 1, 0x11, 0x70)) == nil)
        #expect(configuration.subscriber(of: MACAddress(0x02, 0x5a, 0, 0, 0, 1)) == nil)
    }

    @Test func badLoadSettingsAreRefusedWithTheOptionNamed() {
        func refusal(_ configure: (inout SubscriberLoadConfiguration) -> Void) -> String {
            var configuration = SubscriberLoadConfiguration(interface: "eth0", sessions: 10, arrivalRate: 10, remoteID: "ld")
            configure(&configuration)
            do { try configuration.validate() } catch { return "\(error)" }
            return ""
        }
        #expect(refusal { $0.sessions = 0 }.contains("sessions"))
        #expect(refusal { $0.arrivalRate = 0 }.contains("rate"))
        #expect(refusal { $0.remoteID = "" }.contains("remote-id"))
        #expect(refusal { $0.rejoinAfter = 5 }.contains("needs --hold"))
        #expect(refusal { $0.hold = 5; $0.rejoinAfter = 5 }.contains("duration"))
        #expect(refusal { _ in }.isEmpty)
    }
}

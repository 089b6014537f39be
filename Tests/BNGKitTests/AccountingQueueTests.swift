import AetherTestSupport
@testable import BNGKit
import EventSourcing
import Foundation
import RadiusKit
import Testing

/// The store's accounting queue as the sender reads it: only rows after the last one read, and
/// answers settled in one transaction.
@Suite("The BNG store's accounting queue")
struct AccountingQueueTests {
    @Test func rowsAfterTheLastReadComeInOrderAndSettlingDeletesAndCountsInOneGo() throws {
        let directory = try ScratchDirectory("acct-queue")
        defer { directory.remove() }
        let store = try BNGStore(path: directory.path + "/bng.sqlite", bngID: "bng-test")
        var batch = StoreBatch()
        batch.accounting = (1...5).map { RADIUSAccountingRecord(statusType: .interimUpdate, sessionID: "s\($0)", inputOctets: UInt64($0)) }
        try store.commit(batch)

        let all = try store.queuedAccounting(limit: 10)
        #expect(all.map(\.record.sessionID) == ["s1", "s2", "s3", "s4", "s5"])
        #expect(all.map(\.id) == all.map(\.id).sorted())
        let later = try store.queuedAccounting(after: all[1].id, limit: 2)
        #expect(later.map(\.record.sessionID) == ["s3", "s4"])

        try store.settleAccounting(answered: [all[0].id, all[2].id], unanswered: [all[1].id, all[1].id])
        let left = try store.queuedAccounting(limit: 10)
        #expect(left.map(\.record.sessionID) == ["s2", "s4", "s5"])
        #expect(left.map(\.attempts) == [2, 0, 0])
        #expect(try store.accountingBacklog() == 3)
        try store.settleAccounting(answered: [], unanswered: [])
        #expect(try store.accountingBacklog() == 3)
    }

    @Test func theSenderFindsARequestInItsSortedQueue() {
        let queue = [3, 5, 9, 12].map {
            QueuedAccounting(id: Int64($0), record: RADIUSAccountingRecord(statusType: .start, sessionID: "s\($0)"), queuedAt: .now, attempts: 0)
        }
        #expect(AccountingSender.position(of: 9, in: queue) == 2)
        #expect(AccountingSender.position(of: 3, in: queue) == 0)
        #expect(AccountingSender.position(of: 12, in: queue) == 3)
        #expect(AccountingSender.position(of: 4, in: queue) == nil)
        #expect(AccountingSender.position(of: 13, in: queue) == nil)
        #expect(AccountingSender.position(of: 1, in: [QueuedAccounting]()) == nil)
    }
}

/// Bytes in the store's JSON: base64 strings now, arrays of numbers as stores written before kept
/// them — both read back to the same values.
@Suite("The BNG store's byte encoding")
struct StoredBytesTests {
    @Test func attributesAndClassesAreBase64AndTheOlderArraysStillRead() throws {
        let attribute = RADIUSAttribute(type: .class, value: [0, 1, 2, 250, 255])
        let policy = SessionPolicy(interimInterval: 300, classes: [[0xde, 0xad], []], filterID: "gold")
        let encoder = JSONEncoder()
        let attributeJSON = String(decoding: try encoder.encode(attribute), as: UTF8.self)
        #expect(attributeJSON.contains("\"AAEC+v8=\""), "\(attributeJSON)")
        let policyJSON = String(decoding: try encoder.encode(policy), as: UTF8.self)
        #expect(policyJSON.contains("[\"3q0=\",\"\"]"), "\(policyJSON)")
        #expect(try JSONDecoder().decode(RADIUSAttribute.self, from: Data(attributeJSON.utf8)) == attribute)
        #expect(try JSONDecoder().decode(SessionPolicy.self, from: Data(policyJSON.utf8)) == policy)

        let olderAttribute = #"{"type":25,"value":[0,1,2,250,255]}"#
        #expect(try JSONDecoder().decode(RADIUSAttribute.self, from: Data(olderAttribute.utf8)) == attribute)
        let olderPolicy = String(decoding: try encoder.encode(policy), as: UTF8.self).replacingOccurrences(of: "[\"3q0=\",\"\"]", with: "[[222,173],[]]")
        #expect(try JSONDecoder().decode(SessionPolicy.self, from: Data(olderPolicy.utf8)) == policy)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RADIUSAttribute.self, from: Data(#"{"type":25,"value":"%%"}"#.utf8)) }
    }
}

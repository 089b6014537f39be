import EventSourcing
import Foundation
import Synchronization

extension APIServer {
    /// Connects the change feed to this server's queries: per tick one stats read, one BNG and
    /// one access-node page, one scan of session sequence numbers, and the full rows of sessions
    /// that started or that a viewer watches.
    func attachFeed() {
        let previous = Mutex<[String: Int64]?>(nil)
        let lastJSON = Mutex<[String: String]>([:])
        feed.setProducer { [weak self] watched, membership in
            guard let self else { return [] }
            var messages: [(event: String, data: String?, sessions: ChangeFeed.SessionsChange?)] = []
            func changed(_ event: String, _ value: some Encodable) {
                let data = String(decoding: (try? APIJSON.encoder().encode(value)) ?? Data(), as: UTF8.self)
                let isNew = lastJSON.withLock { last in
                    defer { last[event] = data }
                    return last[event] != data
                }
                if isNew || event == "stats" { messages.append((event, data, nil)) }
            }
            let current = try await stats()
            statsCache.store(current, for: "stats")
            changed("stats", current)
            let everything = try APIParameters(query: [("limit", "1000")], path: [:], declared: [.limit, .offset])
            let bngColumns = BNGRecord.columns(timeout: settings.heartbeatTimeoutSeconds)
            changed("bngs", try await page(everything, select: bngColumns, from: "bng_registry b", filter: SQLFilter(), orderBy: "b.bng_id",
                                           decode: BNGRecord.init(row:)))
            changed("routers", try await page(everything, select: AccessRouter.columns(timeout: settings.heartbeatTimeoutSeconds),
                                              from: "access_routers r", filter: SQLFilter(), orderBy: "r.router_name", decode: AccessRouter.init(row:)))
            // Sessions came or went: read every sequence number. Only counters moved: read the
            // watched sessions' alone (the rest of the map stays as it was).
            let known = previous.withLock { $0 }
            let watchedIDs = Array(watched)
            let sequences: [String: Int64] = try await query { connection in
                func read(_ rows: [[String?]]) -> [String: Int64] {
                    var read: [String: Int64] = [:]
                    for row in rows {
                        if let id = row[0], let seq = row[1].flatMap(Int64.init) { read[id] = seq }
                    }
                    return read
                }
                func everything() throws -> [String: Int64] {
                    read(try connection.preparedQuery("SELECT session_id, last_seq FROM sessions_active", bindings: []).rows)
                }
                guard !membership, let known else { return try everything() }
                let watchedNow = watchedIDs.isEmpty ? [:] : read(try connection.preparedQuery(
                    "SELECT session_id, last_seq FROM sessions_active WHERE session_id = ANY($1::uuid[])",
                    bindings: [PostgresArray(texts: watchedIDs)]).rows)
                // A watched session that came or went although no NOTIFY said so yet (the tick ran
                // between a commit and its notification): membership changed, so read it all.
                if watchedNow.keys.contains(where: { known[$0] == nil }) || watchedIDs.contains(where: { known[$0] != nil && watchedNow[$0] == nil }) {
                    return try everything()
                }
                return known.merging(watchedNow) { $1 }
            }
            let before = previous.withLock { stored in
                defer { stored = sequences }
                return stored
            }
            if let before {
                let started = sequences.keys.filter { before[$0] == nil }
                let stopped = before.keys.filter { sequences[$0] == nil }
                let updated = sequences.keys.filter { before[$0] != nil && before[$0] != sequences[$0] }
                if !started.isEmpty || !stopped.isEmpty || !updated.isEmpty {
                    let fetch = Array(started.prefix(200)) + updated.filter { watched.contains($0) }
                    let rows = fetch.isEmpty ? [] : try await query { connection in
                        try connection.query("SELECT \(ActiveSession.columns) FROM \(ActiveSession.from) WHERE s.session_id = ANY($1::uuid[])",
                                             bindings: [PostgresArray(texts: fetch)]).typedRows.map(ActiveSession.init(row:))
                    }
                    let startedSet = Set(started)
                    let change = ChangeFeed.SessionsChange(
                        started: rows.filter { startedSet.contains($0.sessionID) }.sorted { $0.startedAt > $1.startedAt },
                        stopped: stopped.sorted(),
                        updated: Dictionary(rows.filter { !startedSet.contains($0.sessionID) }.map { ($0.sessionID, $0) },
                                            uniquingKeysWith: { first, _ in first }),
                        updatedCount: updated.count)
                    messages.append(("sessions", nil, change))
                }
            }
            return messages
        }
    }
}

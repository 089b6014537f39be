import CLibPQ
import Glibc
import ServiceSupport

/// One `NOTIFY` received by a connection that `LISTEN`s.
public struct PostgresNotification: Hashable, Sendable {
    /// The channel it was sent on.
    public var channel: String
    /// The payload (empty when none was given).
    public var payload: String
    /// The sending backend's process id.
    public var senderPID: Int32
}

extension PostgresConnection {
    /// Subscribes this connection to `channel` (`LISTEN`, identifier quoted).
    public func listen(_ channel: String) throws {
        try execute(script: "LISTEN \"\(channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
    }

    /// Waits up to `timeoutMilliseconds` (−1 = no limit) for notifications, or until `wakeup`
    /// is signalled, and returns what arrived (possibly nothing). Blocking: call it from a
    /// dedicated thread.
    ///
    /// - Throws: `postgresConnectionFailed` when the connection is gone (the caller reconnects).
    public func waitForNotifications(timeoutMilliseconds: Int32, wakeup: PollWakeup? = nil) throws -> [PostgresNotification] {
        var received = drainNotifications()
        guard received.isEmpty else { return received }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw EventSourcingError(.postgresConnectionFailed, "the connection to \(info) has no socket") }
        var descriptors = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
        if let wakeup { descriptors.append(pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)) }
        var ready: Int32
        repeat {
            ready = poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds)
        } while ready < 0 && errno == EINTR
        if descriptors.count > 1 && descriptors[1].revents != 0 { wakeup?.drain() }
        if descriptors[0].revents != 0 {
            guard PQconsumeInput(handle) == 1 else {
                let reason = String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace()
                throw EventSourcingError(.postgresConnectionFailed, "lost the connection to \(info) while listening: \(reason)")
            }
            received = drainNotifications()
        }
        return received
    }

    private func drainNotifications() -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notification = PQnotifies(handle) {
            received.append(PostgresNotification(channel: String(cString: notification.pointee.relname),
                                                 payload: String(cString: notification.pointee.extra),
                                                 senderPID: notification.pointee.be_pid))
            PQfreemem(notification)
        }
        return received
    }
}

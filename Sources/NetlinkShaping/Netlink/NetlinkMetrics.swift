import CLinuxNet
import Glibc
import Metrics

/// The swift-metrics a `NetlinkSocket` reports, created once per socket:
///
/// | Metric | Kind | Dimensions |
/// |---|---|---|
/// | `aether_netlink_requests_total` | counter | `family` (`route`, `netfilter`), `operation` |
/// | `aether_netlink_failures_total` | counter | `family`, `operation`, `errno` (`EEXIST`, `ENOENT`, …): requests the kernel refused |
/// | `aether_netlink_socket_errors_total` | counter | `family`, `errno`: `sendmsg`/`recv` failures and timeouts |
/// | `aether_netlink_datagrams_sent_total` | counter | `family`: one per `sendmsg` (a batch may need several) |
/// | `aether_netlink_batch_duration_seconds` | timer | `family`: one `perform` call, send to last acknowledgement |
/// | `aether_netlink_dump_duration_seconds` | timer | `family`, `operation`: one dump, request to `NLMSG_DONE` |
/// | `aether_netlink_dump_messages_total` | counter | `family`, `operation`: objects a dump returned |
///
/// Not thread-safe by itself: the socket touches it only while holding its lock.
final class NetlinkMetrics {
    private let factory: any MetricsFactory
    private let family: String
    private let requests: [NetlinkOperation: Counter]
    private let dumpDurations: [NetlinkOperation: Metrics.Timer]
    private let dumpMessages: [NetlinkOperation: Counter]
    /// Created on a failure's first occurrence (errno is an open set) and reused after.
    private var failures: [Failure: Counter] = [:]
    private var socketErrors: [Int32: Counter] = [:]
    let datagramsSent: Counter
    let batchDuration: Metrics.Timer

    private struct Failure: Hashable {
        let operation: NetlinkOperation
        let errno: Int32
    }

    init(protocol netlinkProtocol: Int32, factory: any MetricsFactory) {
        self.factory = factory
        family = netlinkProtocol == NETLINK_NETFILTER ? "netfilter" : netlinkProtocol == NETLINK_ROUTE ? "route" : "other"
        let operations = NetlinkOperation.all(protocol: netlinkProtocol)
        let family = family
        func byOperation<M>(_ make: (NetlinkOperation) -> M) -> [NetlinkOperation: M] {
            Dictionary(uniqueKeysWithValues: operations.map { ($0, make($0)) })
        }
        requests = byOperation {
            Counter(label: "aether_netlink_requests_total", dimensions: [("family", family), ("operation", $0.rawValue)], factory: factory)
        }
        dumpDurations = byOperation {
            Metrics.Timer(label: "aether_netlink_dump_duration_seconds", dimensions: [("family", family), ("operation", $0.rawValue)],
                          preferredDisplayUnit: .seconds, factory: factory)
        }
        dumpMessages = byOperation {
            Counter(label: "aether_netlink_dump_messages_total", dimensions: [("family", family), ("operation", $0.rawValue)], factory: factory)
        }
        datagramsSent = Counter(label: "aether_netlink_datagrams_sent_total", dimensions: [("family", family)], factory: factory)
        batchDuration = Metrics.Timer(label: "aether_netlink_batch_duration_seconds", dimensions: [("family", family)],
                                      preferredDisplayUnit: .seconds, factory: factory)
    }

    func sent(_ operation: NetlinkOperation) {
        requests[operation]?.increment()
    }

    func refused(_ operation: NetlinkOperation, errno: Int32) {
        let key = Failure(operation: operation, errno: errno)
        if let counter = failures[key] { return counter.increment() }
        let counter = Counter(label: "aether_netlink_failures_total",
                              dimensions: [("family", family), ("operation", operation.rawValue), ("errno", Self.name(errno: errno))],
                              factory: factory)
        failures[key] = counter
        counter.increment()
    }

    func socketFailed(errno: Int32) {
        if let counter = socketErrors[errno] { return counter.increment() }
        let counter = Counter(label: "aether_netlink_socket_errors_total", dimensions: [("family", family), ("errno", Self.name(errno: errno))],
                              factory: factory)
        socketErrors[errno] = counter
        counter.increment()
    }

    func dumped(_ operation: NetlinkOperation, messages: Int, duration: Duration) {
        dumpMessages[operation]?.increment(by: Int64(messages))
        dumpDurations[operation]?.record(duration: duration)
    }

    /// The symbolic name of the errnos netlink hands out (`EEXIST`), else the number.
    static func name(errno: Int32) -> String {
        switch errno {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case E2BIG: "E2BIG"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EBUSY: "EBUSY"
        case EEXIST: "EEXIST"
        case ENODEV: "ENODEV"
        case EINVAL: "EINVAL"
        case ENOSPC: "ENOSPC"
        case ERANGE: "ERANGE"
        case EMSGSIZE: "EMSGSIZE"
        case EPROTONOSUPPORT: "EPROTONOSUPPORT"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case EAFNOSUPPORT: "EAFNOSUPPORT"
        case ENOBUFS: "ENOBUFS"
        case ETIMEDOUT: "ETIMEDOUT"
        default: String(errno)
        }
    }
}

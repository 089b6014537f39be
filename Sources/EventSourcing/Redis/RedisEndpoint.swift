/// Where a Redis server listens and how to authenticate to it.
///
/// A Unix socket path is how processes in other network namespaces reach a Redis in the
/// root namespace (pathname sockets cross namespaces; loopback does not).
public struct RedisEndpoint: Hashable, Sendable, Codable, CustomStringConvertible {
    /// How to reach the server.
    public enum Address: Hashable, Sendable, Codable {
        /// Host (name or IP) and TCP port.
        case tcp(host: String, port: Int)
        /// Absolute path of a Unix socket.
        case unixSocket(path: String)
    }

    /// How to reach the server.
    public var address: Address
    /// Sent with `AUTH` right after connecting; never printed.
    public var password: String?
    /// Connect timeout in milliseconds.
    public var connectTimeoutMilliseconds: Int

    /// An endpoint; the connect timeout is in milliseconds.
    public init(address: Address, password: String? = nil, connectTimeoutMilliseconds: Int = 2000) {
        self.address = address
        self.password = password
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
    }

    /// `redis://host:port` or `redis+unix://path`, without the password.
    public var description: String {
        switch address {
        case let .tcp(host, port): "redis://\(host):\(port)"
        case let .unixSocket(path): "redis+unix://\(path)"
        }
    }
}

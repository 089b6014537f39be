/// Where and how to reach a PostgreSQL server, in libpq's terms.
///
/// `host` is either a hostname/IP address or an absolute Unix socket *directory*
/// (libpq's convention); Unix sockets are how processes in other network namespaces
/// reach a server listening in the root namespace. The password never appears in `description`.
public struct PostgresConnectionInfo: Hashable, Sendable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String?
    /// Seconds libpq waits for a connection before giving up (libpq `connect_timeout`).
    public var connectTimeout: Int
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String

    public init(host: String, port: Int = 5432, database: String, user: String,
                password: String? = nil, connectTimeout: Int = 5, applicationName: String = "aether") {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
    }

    /// libpq keyword/value pairs; passed as arrays so no value ever needs quoting.
    var keywordValues: [(String, String)] {
        var pairs = [("host", host), ("port", String(port)), ("dbname", database), ("user", user),
                     ("connect_timeout", String(connectTimeout)), ("application_name", applicationName)]
        if let password { pairs.append(("password", password)) }
        return pairs
    }

    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)"
    }
}

/// Where and how to reach a PostgreSQL server, in libpq's terms.
///
/// `host` is either a hostname/IP address or an absolute Unix socket *directory*
/// (libpq's convention); Unix sockets are how processes in other network namespaces
/// reach a server listening in the root namespace. The password never appears in `description`.
public struct PostgresConnectionInfo: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Hostname, IP address, or absolute Unix socket directory.
    public var host: String
    /// TCP port, or the number in the socket file name `.s.PGSQL.<port>`.
    public var port: Int
    /// Database name.
    public var database: String
    /// Role to log in as.
    public var user: String
    /// Password; never printed.
    public var password: String?
    /// Server options sent at connect (libpq `options`), e.g. `-c search_path=tenant_a`.
    public var options: String?
    /// Seconds libpq waits for a connection before giving up (libpq `connect_timeout`).
    public var connectTimeout: Int
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String

    /// Connection parameters; `connectTimeout` is in seconds.
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
        if let options { pairs.append(("options", options)) }
        return pairs
    }

    /// `postgres://user@host:port/database`, without the password.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)"
    }
}

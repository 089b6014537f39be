import EventSourcing

/// A WHERE clause built from validated filters, values always bound as parameters.
struct SQLFilter: Sendable {
    private(set) var clauses: [String] = []
    private(set) var bindings: [(any PostgresBindable & Sendable)?] = []

    /// Adds `clause`, where `$?` stands for the value's parameter; nothing when `value` is nil.
    mutating func add(_ clause: String, _ value: (any PostgresBindable & Sendable)?) {
        guard let value else { return }
        bindings.append(value)
        clauses.append(clause.replacingOccurrences(of: "$?", with: "$\(bindings.count)"))
    }

    /// Adds "any of `expressions` contains `text`" (case-insensitive), one parameter for all;
    /// `alternatives` are further conditions in which `$?` stands for the same pattern.
    mutating func addSearch(_ expressions: [String], _ text: String?, or alternatives: [String] = []) {
        guard let text else { return }
        bindings.append(likePattern(text))
        let number = bindings.count
        let conditions = expressions.map { "\($0) ILIKE $\(number)" } + alternatives.map { $0.replacingOccurrences(of: "$?", with: "$\(number)") }
        clauses.append("(" + conditions.joined(separator: " OR ") + ")")
    }

    /// Adds a clause without a value.
    mutating func add(_ clause: String) { clauses.append(clause) }

    /// ` WHERE a AND b`, or nothing.
    var sql: String { clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ") }

    /// The next parameter number.
    var next: Int { bindings.count + 1 }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern that matches `text` anywhere.
func likePattern(_ text: String) -> String {
    "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
        .replacingOccurrences(of: "_", with: "\\_") + "%"
}

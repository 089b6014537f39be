import EventSourcing

/// Demo data for a lab: the original's four plan tiers and a set of customers. Loaded on request
/// (a command), never as a side effect; loading twice changes nothing.
public enum OSSSeed {
    /// A plan tier.
    public struct Plan: Hashable, Sendable {
        public var name: String
        public var downloadKbps: Int64
        public var uploadKbps: Int64
        public var downloadBurstKbit: Int64
        public var uploadBurstKbit: Int64
        public var priceCents: Int64
        public var active: Bool
    }

    /// A customer.
    public struct Customer: Hashable, Sendable {
        public var name: String
        public var email: String
        public var phone: String
        public var street: String
        public var city: String
        public var zipCode: String
        public var state: String
    }

    /// Bronze, Silver, Gold and the inactive Legacy tier, with the original's rates and prices.
    public static let plans: [Plan] = [
        Plan(name: "Bronze 25/10", downloadKbps: 25_000, uploadKbps: 10_000, downloadBurstKbit: 1_000, uploadBurstKbit: 500, priceCents: 2_999, active: true),
        Plan(name: "Silver 100/30", downloadKbps: 100_000, uploadKbps: 30_000, downloadBurstKbit: 3_000, uploadBurstKbit: 1_200, priceCents: 4_999, active: true),
        Plan(name: "Gold 300/100", downloadKbps: 300_000, uploadKbps: 100_000, downloadBurstKbit: 8_000, uploadBurstKbit: 3_000, priceCents: 7_999, active: true),
        Plan(name: "Legacy 10/5", downloadKbps: 10_000, uploadKbps: 5_000, downloadBurstKbit: 500, uploadBurstKbit: 250, priceCents: 1_999, active: false),
    ]

    /// 24 customers with made-up names and addresses (example.net mail, 555 phone numbers).
    public static let customers: [Customer] = {
        let given = ["Ada", "Brook", "Cyrus", "Dana", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kiri", "Luca"]
        let family = ["Moreau", "Okafor"]
        let cities = [("Riverton", "RV", "10"), ("Lakeside", "LK", "20"), ("Hillcrest", "HC", "30")]
        var result: [Customer] = []
        for (f, last) in family.enumerated() {
            for (g, first) in given.enumerated() {
                let number = f * given.count + g + 1
                let (city, state, zip) = cities[number % cities.count]
                result.append(Customer(name: "\(first) \(last)", email: "\(first.lowercased()).\(last.lowercased())@example.net",
                                       phone: "+1-555-01\(number < 10 ? "0" : "")\(number)", street: "\(number * 7) Fiber Lane",
                                       city: city, zipCode: "\(zip)\(100 + number)", state: state))
            }
        }
        return result
    }()

    /// Inserts what is missing of ``plans`` (by name) and ``customers`` (by email) in one
    /// transaction; returns how many rows were new.
    @discardableResult
    public static func load(into connection: PostgresConnection) throws -> (plans: Int, customers: Int) {
        try connection.transaction { connection in
            var newPlans = 0
            for plan in plans {
                newPlans += try connection.query("""
                    INSERT INTO plans (name, download_kbps, upload_kbps, download_burst_kbit, upload_burst_kbit, price_cents, active)
                    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING
                    """, bindings: [plan.name, plan.downloadKbps, plan.uploadKbps, plan.downloadBurstKbit, plan.uploadBurstKbit,
                                    plan.priceCents, plan.active]).affectedRows
            }
            var newCustomers = 0
            for customer in customers {
                newCustomers += try connection.query("""
                    INSERT INTO customers (name, email, phone, street, city, zip_code, state)
                    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email) DO NOTHING
                    """, bindings: [customer.name, customer.email, customer.phone, customer.street, customer.city, customer.zipCode,
                                    customer.state]).affectedRows
            }
            return (newPlans, newCustomers)
        }
    }
}

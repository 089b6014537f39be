/// A UTC instant with microsecond resolution: microseconds since 1970-01-01T00:00:00Z.
///
/// Events carry this as the integer `ts`; PostgreSQL receives it as `timestamptz` text.
public struct EventTimestamp: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since the Unix epoch (negative before 1970).
    public let rawValue: Int64
    /// Wraps microseconds since the Unix epoch.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Wraps microseconds since the Unix epoch.
    public init(microsecondsSinceEpoch: Int64) { self.rawValue = microsecondsSinceEpoch }

    /// Decodes a bare integer.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes a bare integer.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Microseconds since the Unix epoch.
    public var microsecondsSinceEpoch: Int64 { rawValue }

    /// Orders instants.
    public static func < (lhs: EventTimestamp, rhs: EventTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `1970-01-01 00:00:00.000000+00` form that PostgreSQL's `timestamptz` input accepts exactly.
    public var postgresText: String {
        let (seconds, micros) = rawValue.floorDividedBy(1_000_000)
        let (days, secondOfDay) = seconds.floorDividedBy(86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        guard (0...9999).contains(year) else {
            // Outside four-digit years (PostgreSQL reads these too, with a wider year field).
            let hour = secondOfDay / 3600, minute = (secondOfDay % 3600) / 60, second = secondOfDay % 60
            return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2)) "
                + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(micros, 6))+00"
        }
        // The common case without intermediate strings: it runs for every event stored.
        var text = [UInt8](repeating: 0, count: 29)
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var rest = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(year, 4, at: 0); text[4] = UInt8(ascii: "-"); put(month, 2, at: 5); text[7] = UInt8(ascii: "-"); put(day, 2, at: 8)
        text[10] = UInt8(ascii: " ")
        put(secondOfDay / 3600, 2, at: 11); text[13] = UInt8(ascii: ":"); put((secondOfDay % 3600) / 60, 2, at: 14)
        text[16] = UInt8(ascii: ":"); put(secondOfDay % 60, 2, at: 17); text[19] = UInt8(ascii: "."); put(micros, 6, at: 20)
        text[26] = UInt8(ascii: "+"); text[27] = UInt8(ascii: "0"); text[28] = UInt8(ascii: "0")
        return String(decoding: text, as: UTF8.self)
    }

    /// `postgresText`.
    public var description: String { postgresText }

    // Howard Hinnant's days_from_civil inverse (proleptic Gregorian), exact for every Int64 day we can hold.
    static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    /// Quotient and non-negative remainder (floor division), so times before 1970 format correctly.
    func floorDividedBy(_ divisor: Int64) -> (Int64, Int64) {
        let quotient = self / divisor, remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}

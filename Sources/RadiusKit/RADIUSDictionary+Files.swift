import Foundation

extension RADIUSDictionary {
    /// Loads a FreeRADIUS dictionary file and everything it `$INCLUDE`s, on top of `base`
    /// (``standard`` by default), such as Debian's `/usr/share/freeradius/dictionary`.
    ///
    /// Files are read as UTF-8, with invalid bytes replaced rather than refused, since some
    /// vendor dictionaries carry Latin-1 comments.
    ///
    /// - Throws: the errors of ``RADIUSDictionaryParser/parse(_:fileName:)`` with the file and
    ///   line; `dictionaryFileUnreadable` if `path` cannot be read.
    public static func load(contentsOf path: String, adding base: RADIUSDictionary = .standard) throws(RADIUSError) -> RADIUSDictionary {
        var parser = RADIUSDictionaryParser(adding: base) { file in
            FileManager.default.contents(atPath: file).map { String(decoding: $0, as: UTF8.self) }
        }
        try parser.parseFile(path)
        return parser.dictionary
    }
}

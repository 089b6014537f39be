/// The fenced code blocks of a Markdown document, for tests that run a guide as written.
public enum MarkdownBlocks {
    /// The bodies of the ```` ```language ```` blocks of `text`, in document order.
    public static func fenced(_ language: String, in text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```\(language)" {
                current = []
            } else if let body = current, line == "```" {
                blocks.append(body.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current?.append(line)
            }
        }
        return blocks
    }
}

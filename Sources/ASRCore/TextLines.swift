/// The lines of a text file, as every reader of the toolkit splits them: at LF or
/// CRLF (a Windows editor's file reads like a Unix one — note that Swift keeps
/// "\r\n" as one Character, so splitting a String at "\n" alone never splits a
/// CRLF file), with a UTF-8 byte-order mark at the start dropped. Like
/// `split(separator: "\n", omittingEmptySubsequences: false)`: a file ending in a
/// newline gives a last empty line, so line numbers are the file's (1-based = index + 1).
public enum TextLines {
    public static func split(_ text: String) -> [Substring] {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        return body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }
}

import ASRCore
import Foundation

/// The token inventory: id ↔ string. Id 0 is `<blank>`. Tokens are Unicode
/// grapheme clusters (characters) by default, so Mandarin needs no special
/// case; the space is a token for languages that write spaces.
///
/// File format (`tokens.txt`): one token per line, the line index is the id,
/// `<blank>` first. A space is written `<space>`.
public struct TokenTable: Equatable, Sendable {
    public static let blankSymbol = "<blank>"
    public static let spaceSymbol = "<space>"

    /// Token strings by id (a space is stored as " ").
    public private(set) var tokens: [String]
    private var index: [String: Int]

    public init(tokens: [String]) {
        self.tokens = tokens
        index = Dictionary(tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The inventory of a training text: `<blank>`, then every character seen,
    /// sorted by Unicode scalar order (deterministic).
    public init(buildingFrom texts: [String]) {
        var seen = Set<String>()
        for t in texts { for c in t { seen.insert(String(c)) } }
        self.init(tokens: [Self.blankSymbol] + seen.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
    }

    public var count: Int { tokens.count }
    public var blank: Int { 0 }
    /// Id of the space token, if the inventory has one.
    public var space: Int? { index[" "] }

    public subscript(id: Int) -> String { tokens[id] }
    public func id(of token: String) -> Int? { index[token] }

    /// Ids of `text`'s characters; nil with the first unknown character.
    public func encode(_ text: String) -> Result<[Int], UnknownCharacter> {
        var ids: [Int] = []
        for (i, c) in text.enumerated() {
            guard let id = index[String(c)] else { return .failure(UnknownCharacter(character: String(c), offset: i)) }
            ids.append(id)
        }
        return .success(ids)
    }

    /// Text of token ids (blanks skipped).
    public func decode(_ ids: [Int]) -> String {
        ids.filter { $0 != blank }.map { $0 < tokens.count ? tokens[$0] : "" }.joined()
    }

    // MARK: Files

    public static func load(_ path: String) throws -> TokenTable {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
        guard let data = fileContents(path), let text = String(data: data, encoding: .utf8) else {
            throw FileError.cannotRead(path: path, reason: "not readable UTF-8 text")
        }
        var lines = TextLines.split(text)
        if lines.last == "" { lines.removeLast() }
        var tokens: [String] = []
        var seen: [String: Int] = [:]
        for (i, raw) in lines.enumerated() {
            var line = String(raw)
            // Also accept "token id" pairs (Kaldi/icefall tokens.txt); the id must match the line.
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            if parts.count == 2, let id = Int(parts[1]), !parts[0].isEmpty {
                guard id == i else {
                    throw FileError.malformed(path: path, reason: "line \(i + 1): id \(id) does not match its line (expected \(i))")
                }
                line = String(parts[0])
            }
            if line == spaceSymbol { line = " " }
            guard !line.isEmpty else {
                throw FileError.malformed(path: path, reason: "line \(i + 1): empty token (write a space as \(spaceSymbol))")
            }
            if i == 0 && line != blankSymbol {
                throw FileError.malformed(path: path, reason: "line 1: expected \(blankSymbol) (id 0), found '\(line)'")
            }
            if let prev = seen[line] {
                throw FileError.malformed(path: path, reason: "line \(i + 1): token '\(line)' already on line \(prev + 1)")
            }
            seen[line] = i
            tokens.append(line)
        }
        guard tokens.count >= 2 else { throw FileError.malformed(path: path, reason: "needs <blank> and at least one token") }
        return TokenTable(tokens: tokens)
    }

    public func text() -> String {
        tokens.map { $0 == " " ? Self.spaceSymbol : $0 }.joined(separator: "\n") + "\n"
    }

    public func save(_ path: String) throws { try AtomicFile.write(text(), to: path) }
}

/// A character of a text that the token inventory lacks.
public struct UnknownCharacter: Error, Equatable, Sendable {
    public var character: String
    /// Position in the text, in characters.
    public var offset: Int
}

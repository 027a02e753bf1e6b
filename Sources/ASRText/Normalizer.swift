import ASRCore
import Foundation

/// Text normalisation applied to transcripts (training text and both sides of
/// scoring). All off by default: a recipe says what it wants.
public struct TextNormalization: Codable, Equatable, Sendable, DefaultConstructible {
    /// Lower-case letters (Unicode-aware).
    public var lowercase = false
    /// Remove punctuation characters (Unicode category P), keeping apostrophes inside words.
    public var stripPunctuation = false
    /// Collapse runs of whitespace into one space and trim the ends.
    public var collapseWhitespace = true
    /// Remove all whitespace: for scripts written without spaces, or tone-numbered
    /// pinyin, whose tone digits already end every syllable (`hao3 bang4` → `hao3bang4`).
    public var removeWhitespace = false
    /// Spell tone-numbered pinyin in zhuyin with tone marks (`Zhuyin`): one to three
    /// outputs a syllable instead of two to seven. Words that are not syllables stay
    /// as they are here; a training transcript with one is an error (`DataSet.checkZhuyin`).
    public var pinyinToZhuyin = false

    public init() {}

    public init(lowercase: Bool, stripPunctuation: Bool, collapseWhitespace: Bool) {
        self.lowercase = lowercase
        self.stripPunctuation = stripPunctuation
        self.collapseWhitespace = collapseWhitespace
    }

    public func apply(_ text: String) -> String {
        var s = text
        if lowercase { s = s.lowercased() }
        if stripPunctuation {
            let chars = Array(s)
            var out = ""
            for (i, c) in chars.enumerated() {
                let isPunct = c.unicodeScalars.allSatisfy { CharacterSet.punctuationCharacters.contains($0) }
                if isPunct {
                    // Keep an apostrophe between letters (don't, l'eau).
                    if c == "'" || c == "’", i > 0, i + 1 < chars.count, chars[i - 1].isLetter, chars[i + 1].isLetter {
                        out.append(c)
                    }
                    continue
                }
                out.append(c)
            }
            s = out
        }
        if collapseWhitespace {
            s = s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        if pinyinToZhuyin {
            s = s.split(whereSeparator: \.isWhitespace).map { w in Zhuyin.syllable(w) ?? String(w) }.joined(separator: " ")
        }
        if removeWhitespace { s.removeAll(where: \.isWhitespace) }
        return s
    }
}

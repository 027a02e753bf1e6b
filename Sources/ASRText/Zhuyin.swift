/// Tone-numbered pinyin syllables spelt in zhuyin (bopomofo), with the tone as a
/// combining mark on the syllable's last letter, so that a syllable is one to three
/// characters (grapheme clusters) instead of two to seven: `zhuang4` → `ㄓㄨㄤ̀`,
/// `shi4` → `ㄕ̀`, `lv3` → `ㄌㄩ̌`. A model over these hears fewer outputs per
/// syllable, which matters when a fast voice leaves only a few frames for one.
///
/// Every tone is marked, the neutral one too (tone 1 U+0304 macron, 2 U+0301 acute,
/// 3 U+030C caron, 4 U+0300 grave, 5 U+0307 dot above), so a marked letter ends a
/// syllable wherever it appears: `ReadingLexicon` splits a model's output at those.
/// Rules: the standard zhuyin table (y/w spellings and j/q/x + u read as ü; the empty
/// rhyme of zhi chi shi ri zi ci si; `wong` read as weng), ü written `v`, `ü` or `u:`.
public enum Zhuyin {
    /// The combining mark of each tone, 1…5.
    public static let toneMarks: [Character] = ["\u{0304}", "\u{0301}", "\u{030C}", "\u{0300}", "\u{0307}"]

    static let initials: [(String, String)] = [
        ("zh", "ㄓ"), ("ch", "ㄔ"), ("sh", "ㄕ"), ("b", "ㄅ"), ("p", "ㄆ"), ("m", "ㄇ"), ("f", "ㄈ"), ("d", "ㄉ"),
        ("t", "ㄊ"), ("n", "ㄋ"), ("l", "ㄌ"), ("g", "ㄍ"), ("k", "ㄎ"), ("h", "ㄏ"), ("j", "ㄐ"), ("q", "ㄑ"),
        ("x", "ㄒ"), ("r", "ㄖ"), ("z", "ㄗ"), ("c", "ㄘ"), ("s", "ㄙ"),
    ]

    /// Finals as written after an initial (ü as "ü").
    static let finals: [String: String] = [
        "a": "ㄚ", "o": "ㄛ", "e": "ㄜ", "ê": "ㄝ", "ai": "ㄞ", "ei": "ㄟ", "ao": "ㄠ", "ou": "ㄡ",
        "an": "ㄢ", "en": "ㄣ", "ang": "ㄤ", "eng": "ㄥ", "er": "ㄦ", "ong": "ㄨㄥ",
        "i": "ㄧ", "ia": "ㄧㄚ", "io": "ㄧㄛ", "ie": "ㄧㄝ", "iai": "ㄧㄞ", "iao": "ㄧㄠ", "iu": "ㄧㄡ",
        "ian": "ㄧㄢ", "in": "ㄧㄣ", "iang": "ㄧㄤ", "ing": "ㄧㄥ", "iong": "ㄩㄥ",
        "u": "ㄨ", "ua": "ㄨㄚ", "uo": "ㄨㄛ", "uai": "ㄨㄞ", "ui": "ㄨㄟ", "uan": "ㄨㄢ", "un": "ㄨㄣ",
        "uang": "ㄨㄤ", "ueng": "ㄨㄥ",
        "ü": "ㄩ", "üe": "ㄩㄝ", "üan": "ㄩㄢ", "ün": "ㄩㄣ",
    ]

    /// Syllables without an initial, as the final they spell.
    static let zeroInitial: [String: String] = [
        "yi": "i", "ya": "ia", "yo": "io", "ye": "ie", "yai": "iai", "yao": "iao", "you": "iu", "yan": "ian",
        "yin": "in", "yang": "iang", "ying": "ing", "yong": "iong",
        "yu": "ü", "yue": "üe", "yuan": "üan", "yun": "ün",
        "wu": "u", "wa": "ua", "wo": "uo", "wai": "uai", "wei": "ui", "wan": "uan", "wen": "un",
        "wang": "uang", "weng": "ueng", "wong": "ueng",
        "a": "a", "o": "o", "e": "e", "ê": "ê", "ai": "ai", "ei": "ei", "ao": "ao", "ou": "ou",
        "an": "an", "en": "en", "ang": "ang", "eng": "eng", "er": "er",
    ]

    /// One tone-numbered syllable (`bang4`, `lv3`, case ignored) in zhuyin with its
    /// tone mark; nil if it is not a Mandarin syllable with a tone digit 1–5.
    public static func syllable(_ pinyin: some StringProtocol) -> String? {
        var s = pinyin.lowercased()
        guard let last = s.last, let tone = last.wholeNumberValue, (1...5).contains(tone) else { return nil }
        s.removeLast()
        s = s.replacingOccurrences(of: "u:", with: "ü").replacingOccurrences(of: "v", with: "ü")
        guard !s.isEmpty else { return nil }
        var letters: String
        if let final = zeroInitial[s] {
            guard let z = finals[final] else { return nil }
            letters = z
        } else {
            guard let (latin, zhuyin) = initials.first(where: { s.hasPrefix($0.0) }) else { return nil }
            var rest = String(s.dropFirst(latin.count))
            switch latin {
            case "j", "q", "x":
                // j, q, x take ü, written u.
                if rest.hasPrefix("u") { rest = "ü" + rest.dropFirst() }
            case "zh", "ch", "sh", "r", "z", "c", "s":
                // zhi, ci, …: the empty rhyme is the initial alone.
                if rest == "i" { rest = "" }
            case "l", "n":
                if rest == "ue" { rest = "üe" }
            default: break
            }
            if rest.isEmpty {
                guard ["zh", "ch", "sh", "r", "z", "c", "s"].contains(latin) else { return nil }
                letters = zhuyin
            } else {
                guard let f = finals[rest] else { return nil }
                // ü after anything but j q x l n (and the zero initial) is not Mandarin.
                if rest.hasPrefix("ü"), !["j", "q", "x", "l", "n"].contains(latin) { return nil }
                letters = zhuyin + f
            }
        }
        letters.unicodeScalars.append(contentsOf: toneMarks[tone - 1].unicodeScalars)
        return letters
    }

    /// Whitespace-separated syllables → their zhuyin, separated by single spaces; the
    /// first word that is not a syllable is returned instead, as `.failure`.
    public static func convert(_ text: String) -> Result<String, NotASyllable> {
        var out: [String] = []
        for w in text.split(whereSeparator: \.isWhitespace) {
            guard let z = syllable(w) else { return .failure(NotASyllable(word: String(w))) }
            out.append(z)
        }
        return .success(out.joined(separator: " "))
    }

    /// The first run of characters in a converted text that is not zhuyin (a word that
    /// was not a syllable and stayed as it was), or nil when every character is.
    public static func firstUnconverted(in converted: String) -> String? {
        var run = ""
        for c in converted {
            let isZhuyin = c.unicodeScalars.first.map { (0x3100...0x312F).contains($0.value) } ?? false
            if isZhuyin || c.isWhitespace {
                if !run.isEmpty { return run }
            } else {
                run.append(c)
            }
        }
        return run.isEmpty ? nil : run
    }

    /// A word that is not a tone-numbered pinyin syllable.
    public struct NotASyllable: Error, Equatable, CustomStringConvertible {
        public let word: String
        public var description: String { "'\(word)' is not a tone-numbered pinyin syllable (e.g. 'bang4', 'lv3')" }
    }
}

import Foundation
import Testing
@testable import ASRText
import _TestSupport

/// scripts/fixtures/zhuyin/make_fixtures.py: every syllable pypinyin knows, spelt
/// by pypinyin's Style.BOPOMOFO (letters) with asr's tone mark; empty = refused.
@Suite struct ZhuyinTests {
    static let fixture: [(pinyin: String, zhuyin: String)] = {
        let url = TestPaths.repoRoot.appendingPathComponent("Tests/ASRTextTests/Fixtures/zhuyin.tsv")
        let text = try! String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }()

    /// Exactly pypinyin's letters (string equality, all scalars), the tone mark on the last.
    @Test func everySyllableAsPypinyinSpellsIt() {
        #expect(Self.fixture.count > 2_000)
        #expect(Self.fixture.filter { $0.zhuyin.isEmpty }.count < 40)   // m, n, ng, hm, ê …
        for (p, z) in Self.fixture {
            #expect(Zhuyin.syllable(p) == (z.isEmpty ? nil : z), "\(p)")
            if !z.isEmpty { #expect(Zhuyin.syllable(p.uppercased()) == z) }
        }
    }

    /// One to three characters a syllable, the last one carrying the tone mark; ü spellings agree.
    @Test func shapeAndSpellings() {
        #expect(Zhuyin.syllable("zhuang4") == "ㄓㄨㄤ\u{0300}")
        #expect(Zhuyin.syllable("zhuang4")!.count == 3)
        #expect(Zhuyin.syllable("shi4")!.count == 1)
        #expect(Zhuyin.syllable("de5") == "ㄉㄜ\u{0307}")
        #expect(Zhuyin.syllable("lv3") == "ㄌㄩ\u{030C}")
        #expect(Zhuyin.syllable("lü3") == "ㄌㄩ\u{030C}")
        #expect(Zhuyin.syllable("lu:3") == "ㄌㄩ\u{030C}")
        #expect(Zhuyin.syllable("lu3") == "ㄌㄨ\u{030C}")
        #expect(Zhuyin.syllable("ju4") == "ㄐㄩ\u{0300}")
        #expect(Zhuyin.syllable("yong3") == "ㄩㄥ\u{030C}")
        for bad in ["hao", "bang6", "bang0", "4", "", "bü3", "ng2", "xyz1", "zhuang", "ho3a"] {
            #expect(Zhuyin.syllable(bad) == nil, "\(bad)")
        }
        #expect(Zhuyin.convert("hao3 bang4 bang4") == .success("ㄏㄠ\u{030C} ㄅㄤ\u{0300} ㄅㄤ\u{0300}"))
        #expect(Zhuyin.convert("hao3 bang bang4") == .failure(Zhuyin.NotASyllable(word: "bang")))
    }

    /// The normaliser: syllables converted, other words left for the trainer to report;
    /// 好棒棒's doubled syllable stays two, with a character of its own apart (no repeat merges them).
    @Test func normaliserAndUnconvertedWords() {
        var n = TextNormalization()
        n.pinyinToZhuyin = true
        n.removeWhitespace = true
        let s = n.apply("  hao3  bang4 bang4 ")
        #expect(s == "ㄏㄠ\u{030C}ㄅㄤ\u{0300}ㄅㄤ\u{0300}")
        #expect(Array(s).map(String.init) == ["ㄏ", "ㄠ\u{030C}", "ㄅ", "ㄤ\u{0300}", "ㄅ", "ㄤ\u{0300}"])
        #expect(Zhuyin.firstUnconverted(in: s) == nil)
        #expect(n.apply(s) == s)                                   // idempotent: zhuyin is not pinyin
        #expect(Zhuyin.firstUnconverted(in: n.apply("hao3 bang bang4")) == "bang")
        #expect(n.apply("好棒棒") == "好棒棒")                      // characters (a written reference) untouched
    }
}

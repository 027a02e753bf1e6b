#!/usr/bin/env bash
# Regenerates words.tsv and characters.txt, the vocabulary of the Mandarin corpus,
# from two PyPI packages: jieba 0.42.1's word-frequency dictionary (dict.txt, 349k
# words with counts and parts of speech) and pypinyin 0.55.0 (readings in context,
# with 一/不 and third-tone sandhi, neutral tone as 5). The corpus generator reads
# only the committed files: no Python when the corpus is made.
#
# words.tsv: word <TAB> pinyin <TAB> weight <TAB> use, one line a word:
#  - the 4,000 most frequent words of 1–4 characters (no names, no foreign
#    words, no bound morphemes), plus, for each of the 1,000 most frequent
#    characters the 4,000 words miss, the most frequent usable word containing it;
#  - weight: an integer ∝ frequency^0.3 (flattened, so rare words are drawn too);
#  - use: "train", or "heldout" for 8% of the words of two or more characters
#    whose characters all occur in other training words: they appear only in dev
#    and test sentences, so those contain words training never saw.
# characters.txt: the character inventory, one a line with its frequency rank in
# jieba's dictionary (frequency-weighted over all its words).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../../.venv-py"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q jieba==0.42.1 pypinyin==0.55.0
"$venv/bin/python" - "$here" <<'PY'
import collections, os, random, re, sys
import jieba
from pypinyin import lazy_pinyin, Style

out = sys.argv[1]
cjk = re.compile(r"^[\u4e00-\u9fff]+$")
syllable = re.compile(r"^[a-z]+[1-5]$")
# Parts of speech left out: person names, other proper nouns, non-morphemes, foreign
# words and bound morphemes (jieba's ICTCLAS tags).
excluded = {"nr", "nrt", "nrfg", "nz", "x", "eng", "ng", "tg", "vg", "ag", "dg", "zg", "rg", "mg", "yg", "ug"}
dictionary = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
entries, charfreq = [], collections.Counter()
for line in open(dictionary, encoding="utf-8"):
    w, f, pos = line.split()
    if not cjk.match(w):
        continue
    for c in w:
        charfreq[c] += int(f)
    entries.append((int(f), w, pos))
entries.sort(key=lambda e: (-e[0], e[1]))
usable = [(f, w) for f, w, pos in entries if 1 <= len(w) <= 4 and pos not in excluded]
chosen = dict((w, f) for f, w in usable[:4000])
ranked = [c for c, _ in sorted(charfreq.items(), key=lambda kv: (-kv[1], kv[0]))]
for c in ranked[:1000]:  # usable is sorted by frequency: the first word with c is its most frequent
    if not any(c in w for w in chosen):
        found = next(((f, w) for f, w in usable if c in w), None)
        if found:
            chosen[found[1]] = found[0]

def reading(w):
    syl = lazy_pinyin(w, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)
    if len(syl) != len(w) or not all(syllable.match(s) for s in syl):
        return None
    return " ".join(syl)

rows = []
for w, f in chosen.items():
    p = reading(w)
    if p is not None:
        rows.append([w, p, max(1, round((f / 100) ** 0.3)), "train"])
rows.sort(key=lambda r: (-r[2], r[0]))
# Held-out words: multi-character words whose characters all occur in other words.
rng = random.Random(1)
multi = [r for r in rows if len(r[0]) >= 2]
rng.shuffle(multi)
held = set()
for r in multi:
    if len(held) >= len(multi) * 8 // 100:
        break
    others = "".join(x[0] for x in rows if x[0] != r[0] and x[0] not in held)
    if all(c in others for c in r[0]):
        held.add(r[0])
for r in rows:
    if r[0] in held:
        r[3] = "heldout"
with open(os.path.join(out, "words.tsv"), "w", encoding="utf-8") as f:
    for r in rows:
        f.write(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\n")
chars = sorted(set("".join(r[0] for r in rows)), key=lambda c: ranked.index(c))
with open(os.path.join(out, "characters.txt"), "w", encoding="utf-8") as f:
    f.write("# character <TAB> rank by frequency in jieba 0.42.1's dict.txt (see make_words.sh)\n")
    for c in chars:
        f.write(f"{c}\t{ranked.index(c) + 1}\n")
top = set(ranked[:1000])
print(f"{len(rows)} words ({len(held)} held out), {len(chars)} characters; "
      f"{len(top & set(chars))} of the 1,000 most frequent")
PY

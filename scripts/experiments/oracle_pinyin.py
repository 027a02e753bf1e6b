#!/usr/bin/env python3
"""The language model's floor for Mandarin: the CER a decoder would reach if the
acoustic model heard every syllable and tone right. Each test clause's pinyin
(data/mandarin/sentences.tsv.gz) is turned back into characters by a beam search
(width 64) over the characters that have that reading in the training clauses,
scored by the character n-gram LM alone. What remains is homophones the LM cannot
tell apart: a bound on what beam + LM can do, whatever the acoustics.

  scripts/experiments/oracle_pinyin.py exp/mandarin/chars.arpa [test|dev]
"""
import collections
import gzip
import os
import sys


def load_arpa(path):
    lm, order, section = {}, 0, 0
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("\\") and line.endswith("-grams:"):
            section = int(line[1:line.index("-")])
            order = max(order, section)
            continue
        if not section or not line or line.startswith("\\"):
            continue
        f = line.split("\t")
        lm[tuple(f[1].split(" "))] = (float(f[0]), float(f[2]) if len(f) > 2 else 0.0)
    return lm, order


def score(lm, order, context, w):
    context = context[-(order - 1):] if order > 1 else ()
    backoff = 0.0
    while True:
        if context + (w,) in lm:
            return backoff + lm[context + (w,)][0]
        if not context:
            return backoff + lm.get(("<unk>",), (-10.0, 0.0))[0]
        backoff += lm.get(context, (0.0, 0.0))[1]
        context = context[1:]


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def main(arpa, split="test"):
    here = os.path.dirname(os.path.abspath(__file__))
    with gzip.open(os.path.join(here, "../../data/mandarin/sentences.tsv.gz"), "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    candidates = collections.defaultdict(set)
    for s, _, text, pinyin in rows:
        if s == "train":
            for ch, syl in zip(text, pinyin.split()):
                candidates[syl].add(ch)
    lm, order = load_arpa(arpa)
    errors, chars = collections.Counter(), collections.Counter()
    for s, kind, text, pinyin in rows:
        if s != split:
            continue
        beam = [(0.0, ("<s>",), "")]
        for syl in pinyin.split():
            grown = [(sc + score(lm, order, ctx, ch), ctx + (ch,), out + ch)
                     for sc, ctx, out in beam for ch in candidates.get(syl, {"?"})]
            grown.sort(key=lambda b: -b[0])
            beam = grown[:64]
        best = max(beam, key=lambda b: b[0] + score(lm, order, b[1], "</s>"))
        for k in (kind, "all"):
            errors[k] += distance(text, best[2])
            chars[k] += len(text)
    for k in sorted(chars):
        print(f"{split} {k}: CER {100 * errors[k] / chars[k]:.2f}% with perfect tonal pinyin ({chars[k]} characters)")


if __name__ == "__main__":
    main(*sys.argv[1:])

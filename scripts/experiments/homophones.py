#!/usr/bin/env python3
"""How much of a Mandarin CER is homophones: rescore an evaluation after mapping
every character of reference and hypothesis to its pinyin with tone (each
character's most frequent reading in the training clauses of
data/mandarin/sentences.tsv.gz). A syllable error rate far below the CER means the model hears the
syllables and picks the wrong character of the same sound: a job for context
(the LM, natural text), not for acoustics.

  scripts/experiments/homophones.py exp/mandarin/eval.json
"""
import collections
import gzip
import json
import os
import sys


def readings(sentences):
    votes = collections.defaultdict(collections.Counter)
    with gzip.open(sentences, "rt", encoding="utf-8") as f:
        for line in f:
            split, _, text, pinyin = line.rstrip("\n").split("\t")
            if split == "train":
                for ch, syl in zip(text, pinyin.split()):
                    votes[ch][syl] += 1
    return {ch: c.most_common(1)[0][0] for ch, c in votes.items()}


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def main(path):
    here = os.path.dirname(os.path.abspath(__file__))
    read = readings(os.path.join(here, "../../data/mandarin/sentences.tsv.gz"))
    utts = json.load(open(path, encoding="utf-8"))["per_utterance"]
    chars = syls = toneless = n = 0
    for u in utts:
        r, h = u["reference"].replace(" ", ""), u["hypothesis"].replace(" ", "")
        rs, hs = [read.get(c, c) for c in r], [read.get(c, c) for c in h]
        chars += distance(r, h)
        syls += distance(rs, hs)
        toneless += distance([s.rstrip("12345") for s in rs], [s.rstrip("12345") for s in hs])
        n += len(r)
    print(f"{path}: CER {100 * chars / n:.2f}%, tonal syllable error rate {100 * syls / n:.2f}%, "
          f"toneless {100 * toneless / n:.2f}% ({n} reference characters)")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Syllables and tones of a Mandarin pinyin model: its greedy pinyin output
(`asr eval --readings ""`, letters and tone digits without spaces) split into
syllables after every tone digit, against the reference pinyin. Prints the
syllable error rate with tones, without tones (digits removed: initials and
finals only) and the share of syllables whose only error is the tone.
Reads the eval.json `asr eval --report X.txt` writes beside it (X.json).

  scripts/experiments/syllables.py exp/mandarin/eval-pinyin.json
"""
import json
import re
import sys


ZHUYIN = "\u3100-\u312f"
MARKS = "\u0300\u0301\u0304\u0307\u030c"


def syllables(text):
    text = text.replace(" ", "")
    if re.search(f"[{ZHUYIN}]", text):
        return re.findall(f"[{ZHUYIN}]*?[{ZHUYIN}][{MARKS}]|[{ZHUYIN}]+$", text)
    return re.findall(r"[a-z]+[1-5]|[a-z]+$|[1-5]", text)


def toneless(s):
    return re.sub(f"[1-5{MARKS}]", "", s)


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def main(path):
    utts = json.load(open(path, encoding="utf-8"))["per_utterance"]
    n = tonal = bare = 0
    for u in utts:
        ref, hyp = syllables(u["reference"]), syllables(u["hypothesis"])
        n += len(ref)
        tonal += distance(ref, hyp)
        bare += distance([toneless(s) for s in ref], [toneless(s) for s in hyp])
    print(f"{path}: {n} syllables; syllable error rate {100 * tonal / n:.2f}% with tones, "
          f"{100 * bare / n:.2f}% without (tone-only errors {100 * (tonal - bare) / n:.2f}%)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

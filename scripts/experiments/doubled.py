#!/usr/bin/env python3
"""Doubled characters in a Mandarin evaluation: of the test sentences whose
reference has a doubled character (好棒棒, 谢谢, 妈妈 …), how many hypotheses keep
every doubling, and how many sentences with 好棒棒 come out with both 棒.
Reads the eval.json `asr eval --report X.txt` writes beside it (X.json).

  scripts/experiments/doubled.py exp/mandarin/eval.json
"""
import json
import sys


def doublings(text):
    return [text[i:i + 2] for i in range(len(text) - 1) if text[i] == text[i + 1]]


def main(path):
    utts = json.load(open(path, encoding="utf-8"))["per_utterance"]
    with_double = [u for u in utts if doublings(u["reference"])]
    kept = [u for u in with_double if all(d in u["hypothesis"] for d in doublings(u["reference"]))]
    hbb = [u for u in utts if "好棒棒" in u["reference"]]
    hbb_kept = [u for u in hbb if "棒棒" in u["hypothesis"]]
    print(f"{path}: {len(kept)} of {len(with_double)} sentences with a doubled character keep every doubling; "
          f"{len(hbb_kept)} of {len(hbb)} with 好棒棒 keep both 棒")
    for u in hbb:
        if u not in hbb_kept:
            print(f"  {u['id']}: REF {u['reference']}  HYP {u['hypothesis']}")


if __name__ == "__main__":
    main(sys.argv[1])

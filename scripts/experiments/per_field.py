#!/usr/bin/env python3
"""CER of an `asr eval` JSON summary grouped by any manifest field (text_kind,
speaker, engine …), from its per-utterance character errors: one evaluation
answers every grouping.

  scripts/experiments/per_field.py exp/X/eval.json data/generated/mandarin/test.jsonl text_kind [speaker …]
"""
import collections
import json
import sys


def main(summary, manifest, *fields):
    if not fields:
        sys.exit(__doc__)
    rows = {}
    for n, line in enumerate(open(manifest, encoding="utf-8"), 1):
        if line.strip():
            d = json.loads(line)
            rows[d.get("id") or d["audio_filepath"].rsplit("/", 1)[-1].rsplit(".", 1)[0]] = d
    per = json.load(open(summary, encoding="utf-8"))["per_utterance"]
    for field in fields:
        errors, chars, utts = collections.Counter(), collections.Counter(), collections.Counter()
        for u in per:
            key = rows[u["id"]].get(field, "?") if u["id"] in rows else "?"
            errors[key] += u["char_errors"]
            chars[key] += u["reference_chars"]
            utts[key] += 1
        print(f"{field:<40} {'utts':>6} {'chars':>7} {'%CER':>7}")
        for key in sorted(chars):
            print(f"{str(key):<40} {utts[key]:>6} {chars[key]:>7} {100 * errors[key] / max(chars[key], 1):>7.2f}")
        print()


if __name__ == "__main__":
    main(*sys.argv[1:])

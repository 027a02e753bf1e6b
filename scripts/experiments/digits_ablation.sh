#!/usr/bin/env bash
# Trains variants of a digits recipe on the multi-engine corpus and scores each
# on the test split per engine (held-out espeak-ng variants; the held-out flite
# voice awb), greedy and beam 8 + word 3-gram LM + lexicon. One line a variant
# goes into exp/ablation/results.tsv (appended; a variant already there is
# skipped, so the script can be re-run after an interruption).
#
#   scripts/experiments/digits_ablation.sh [--recipe R] VARIANT…
#
# A variant is NAME or 'NAME:key=value;key=value' (recipe overrides, as for
# `asr train --set`); NAME alone means the recipe as it is. Every variant has
# the same seed and epochs unless it overrides them. Example:
#   scripts/experiments/digits_ablation.sh base no-vtln:augment.vtln_warp=[1,1]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
recipe=recipes/digits.json
if [ "${1:-}" = --recipe ]; then recipe=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: digits_ablation.sh [--recipe R] NAME[:key=value,…]…" >&2; exit 2; }
asr=${ASR:-.build/release/asr}  # ASR=/path/to/a/copy keeps a rebuild from changing the binary mid-run
corpus=data/generated/digits
out=exp/ablation
mkdir -p "$out"
[ -x "$asr" ] || { echo "build first: make build" >&2; exit 1; }
[ -f "$corpus/test.jsonl" ] || { echo "make the corpus first: data/make_corpus.sh digits $corpus --count 9000 --seed 1" >&2; exit 1; }
# The LM and the word list, from the training text (made once; several runs of
# this script may share the folder).
if [ ! -f "$out/words.arpa" ] || [ ! -f "$out/digits.lex" ]; then
  tmp=$(mktemp -d "$out/.lm-XXXXXX")
  sed -n 's/.*"text": "\([^"]*\)".*/\1/p' "$corpus/train.jsonl" > "$tmp/train-text.txt"
  "$asr" lm build "$tmp/train-text.txt" --order 3 --out "$tmp/words.arpa" >/dev/null
  tr ' ' '\n' < "$tmp/train-text.txt" | sort -u > "$tmp/digits.lex"
  mv "$tmp/train-text.txt" "$tmp/words.arpa" "$tmp/digits.lex" "$out/" && rmdir "$tmp"
fi
results=$out/results.tsv
[ -f "$results" ] || printf 'variant\tovers\tepochs\ttrain_s\tgreedy_espeak\tgreedy_heldout_engine\tlm_lex_espeak\tlm_lex_heldout_engine\tdev_wer\n' > "$results"
for v in "$@"; do
  model=""
  if [[ "$v" == *=* && "$v" != *:* ]]; then name=${v%%=*}; model=${v#*=}; spec="(trained before: $model)"
  else name=${v%%:*}; spec=""; [ "$v" != "$name" ] && spec=${v#*:}; fi
  if cut -f1 "$results" | grep -qx "$name"; then echo "$name: already in $results"; continue; fi
  if [ -n "$model" ]; then
    secs=—
  else
    model=$out/$name
    sets=(--set "name=$name" --set "output.dir=$out")
    if [ -n "$spec" ]; then IFS=';' read -r -a kv <<< "$spec"; for s in "${kv[@]}"; do sets+=(--set "$s"); done; fi
    echo "=== $name: $recipe ${sets[*]}"
    start=$(date +%s)
    "$asr" train "$recipe" "${sets[@]}" $( [ -f "$model/train.jsonl" ] && echo --resume ) | tee -a "$out/$name.log"
    secs=$(( $(date +%s) - start ))
  fi
  score() {  # prints the %WER of espeak-ng and flite lines of `asr eval --per engine`
    "$asr" eval --model "$model" --manifest "$corpus/test.jsonl" --per engine "$@" > "$out/$name.eval.txt"
    awk '$1 == "espeak-ng" { e = $4 } $1 == "flite" { f = $4 } END { printf "%s\t%s", e, f }' "$out/$name.eval.txt"
  }
  greedy=$(score)
  lmlex=$(score --beam 8 --lm "$out/words.arpa" --alpha 0.3 --beta 1.0 --lexicon "$out/digits.lex")
  epochs=$(wc -l < "$model/train.jsonl")
  dev=$(sed -n 's/.*"dev_wer" *: *\([0-9.e-]*\).*/\1/p' "$model/model.json" | head -1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${spec:-—}" "$epochs" "$secs" "$greedy" "$lmlex" "$dev" >> "$results"
  tail -1 "$results"
done
column -t -s $'\t' "$results"

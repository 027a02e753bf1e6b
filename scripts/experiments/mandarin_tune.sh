#!/usr/bin/env bash
# Chooses the character LM's weight α and length bonus β for the Mandarin model on
# the dev split (held-out voice variants, held-out words), never on test: prints
# dev %CER for each pair of the grid, beam 16, and the best pair.
#   scripts/experiments/mandarin_tune.sh [MODEL=exp/mandarin] [LM=exp/mandarin/chars.arpa]
set -euo pipefail
model=${1:-exp/mandarin}
lm=${2:-exp/mandarin/chars.arpa}
asr=${ASR:-.build/release/asr}
dev=data/generated/mandarin/dev.jsonl
best=""; bestcer=1000
for alpha in 0.3 0.5 0.8; do
  for beta in 0 0.5 1.0; do
    cer=$("$asr" eval --model "$model" --manifest "$dev" --beam 16 --lm "$lm" --alpha "$alpha" --beta "$beta" \
          | sed -n 's/^%CER \([0-9.]*\).*/\1/p')
    echo "alpha $alpha beta $beta dev %CER $cer"
    if awk -v a="$cer" -v b="$bestcer" 'BEGIN { exit !(a < b) }'; then best="$alpha $beta"; bestcer=$cer; fi
  done
done
echo "best on dev: alpha beta = $best (%CER $bestcer)"

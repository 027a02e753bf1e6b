#!/usr/bin/env bash
# Chooses the decoding of the Mandarin model on the dev split (held-out voice
# variants, held-out words), never on test: the character LM's weight α and the
# bonus β per written character, greedy and with a beam (whose n-best are all
# written). Prints dev %CER for each setting and the best.
#   scripts/experiments/mandarin_tune.sh [MODEL=exp/mandarin] [DEV=data/generated/mandarin/dev.jsonl]
# (the model's decode section names the readings and the LM.)
set -euo pipefail
model=${1:-exp/mandarin}
dev=${2:-data/generated/mandarin/dev.jsonl}
asr=${ASR:-.build/release/asr}
best=""; bestcer=1000
for beam in 0 8; do
  for alpha in 0.5 0.8 1.0 1.5; do
    for beta in 0 1.0; do
      [ "$beam" = 0 ] && [ "$beta" != 0 ] && continue   # greedy writes one hypothesis: β cannot change it
      cer=$("$asr" eval --model "$model" --manifest "$dev" --beam "$beam" --alpha "$alpha" --beta "$beta" \
            | sed -n 's/^%CER \([0-9.]*\).*/\1/p')
      echo "beam $beam alpha $alpha beta $beta dev %CER $cer"
      if awk -v a="$cer" -v b="$bestcer" 'BEGIN { exit !(a < b) }'; then best="beam $beam alpha $alpha beta $beta"; bestcer=$cer; fi
    done
  done
done
echo "best on dev: $best (%CER $bestcer)"

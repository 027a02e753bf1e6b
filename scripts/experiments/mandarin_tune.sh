#!/usr/bin/env bash
# Chooses the decoding of the Mandarin model on the dev split (held-out voice
# variants, held-out words), never on test: the character LM's weight α and the
# bonus β per written character, greedy and with a beam (whose n-best are all
# written). Prints dev %CER for each setting and the best.
#   scripts/experiments/mandarin_tune.sh [MODEL=exp/mandarin] [DEV=data/generated/mandarin/dev.jsonl]
# The grid: BEAMS, ALPHAS, BETAS in the environment (defaults below).
# (the model's decode section names the readings and the LM.)
set -euo pipefail
model=${1:-exp/mandarin}
dev=${2:-data/generated/mandarin/dev.jsonl}
asr=${ASR:-.build/release/asr}
best=""; bestcer=1000
betas=${BETAS:-1.0 2.0}; first_beta=${betas%% *}
for beam in ${BEAMS:-0 16 32}; do
  for alpha in ${ALPHAS:-0.3 0.5 0.8 1.0}; do
    for beta in $betas; do
      [ "$beam" = 0 ] && [ "$beta" != "$first_beta" ] && continue   # greedy writes one hypothesis: β cannot change it
      cer=$("$asr" eval --model "$model" --manifest "$dev" --beam "$beam" --alpha "$alpha" --beta "$beta" \
            | sed -n 's/^%CER \([0-9.]*\).*/\1/p')
      echo "beam $beam alpha $alpha beta $beta dev %CER $cer"
      if awk -v a="$cer" -v b="$bestcer" 'BEGIN { exit !(a < b) }'; then best="beam $beam alpha $alpha beta $beta"; bestcer=$cer; fi
    done
  done
done
echo "best on dev: $best (%CER $bestcer)"

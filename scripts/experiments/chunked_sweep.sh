#!/usr/bin/env bash
# Latency-controlled decoding: WER of a model run chunk by chunk (decode.chunk)
# against whole utterances, per engine of a test manifest, over chunk sizes and
# right contexts (model frames: 30 ms each with frame stacking 3).
#
#   scripts/experiments/chunked_sweep.sh [--model exp/digits-chunked] [--manifest data/generated/digits/test.jsonl]
#                                        [--chunks "4 8 16"] [--contexts "0 4 8 16"] [--out exp/chunked] [-- decoding flags]
#
# Results: OUT/results.tsv (model, flags, chunk, right context, WER all / per engine).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
model=exp/digits-chunked
manifest=data/generated/digits/test.jsonl
chunks="4 8 16"
contexts="0 4 8 16"
out=exp/chunked
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --manifest) manifest=$2; shift 2 ;;
    --chunks) chunks=$2; shift 2 ;;
    --contexts) contexts=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: chunked_sweep.sh [--model M] [--manifest F] [--chunks \"4 8\"] [--contexts \"0 8\"] [--out DIR] [-- decoding flags]" >&2; exit 2 ;;
  esac
done
asr=${ASR:-.build/release/asr}
[ -x "$asr" ] || { echo "build first: make build" >&2; exit 1; }
[ -f "$model/model.json" ] || { echo "$model: no trained model" >&2; exit 1; }
mkdir -p "$out"
results=$out/results.tsv
[ -f "$results" ] || printf 'model\tflags\tchunk\tright_context\twer\tper_engine\n' > "$results"
run() {  # chunk, right context
  "$asr" eval --model "$model" --manifest "$manifest" --per engine --chunk-frames "$1" --right-context "$2" "${@:3}" > "$out/eval.txt" 2>&1
  wer=$(grep -m1 '^%WER' "$out/eval.txt" | awk '{print $2}')
  per=$(awk '/^Per engine:/{on=1; next} on && NF>=6 && $1!="engine"{printf "%s %s  ", $1, $4} on && NF<6{on=0}' "$out/eval.txt")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$model" "${*:3}" "$1" "$2" "$wer" "$per" | tee -a "$results"
}
run 0 0 "$@"
for c in $chunks; do for r in $contexts; do run "$c" "$r" "$@"; done; done

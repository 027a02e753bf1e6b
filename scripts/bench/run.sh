#!/usr/bin/env bash
# make bench: build release binaries, make (or reuse) the reference-tool
# virtualenv (scripts/python/venv.sh), synthesize the benchmark audio, and run every case of ours and
# its peer alternately in the same run. Report: bench-out/BENCHMARKS.md, copied
# to docs/BENCHMARKS.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$root/bench-out"
mkdir -p "$out"
python="$("$root/scripts/python/venv.sh")"

swift build -c release --product asr-bench >/dev/null
swift build -c release --product asr >/dev/null

# 60 s of English speech at 16 kHz (espeak-ng, deterministic), for the feature cases.
if [ ! -f "$out/speech60s.wav" ]; then
  text=""
  for i in $(seq 1 14); do
    text+="The quick brown fox jumps over the lazy dog while seven zebras quietly graze near the river bank. "
  done
  espeak-ng -v en-us -s 150 -w "$out/speech-raw.wav" "$text"
  sox "$out/speech-raw.wav" -r 16000 -b 16 -c 1 "$out/speech60s.wav" trim 0 60
  rm -f "$out/speech-raw.wav"
fi

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
"$python" scripts/bench/bench.py --bin "$root/.build/release/asr-bench" --out "$out" "$@"
if [ "$#" -eq 0 ]; then  # a full run (no --only) refreshes the committed report
  cp "$out/BENCHMARKS.md" "$root/docs/BENCHMARKS.md"
  cp "$out/benchmarks.svg" "$root/docs/benchmarks.svg"
  echo "report: docs/BENCHMARKS.md"
fi

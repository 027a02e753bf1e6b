#!/usr/bin/env bash
# make bench: build release binaries, make (or reuse) the reference-tool
# virtualenv, synthesize the benchmark audio, and run every case of ours and
# its peer alternately in the same run. Report: bench-out/BENCHMARKS.md, copied
# to docs/BENCHMARKS.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$root/.venv-bench"
out="$root/bench-out"
mkdir -p "$out"

python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" 2>/dev/null || { echo "python3 -m venv failed: install python3-venv" >&2; exit 1; }
fi
stamp="$venv/.requirements.sha"
want="$(sha256sum scripts/bench/requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r scripts/bench/requirements.txt
  echo "$want" > "$stamp"
fi

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
"$venv/bin/python" scripts/bench/bench.py --bin "$root/.build/release/asr-bench" --out "$out" "$@"
cp "$out/BENCHMARKS.md" "$root/docs/BENCHMARKS.md"
echo "report: docs/BENCHMARKS.md"

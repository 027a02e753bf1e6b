#!/usr/bin/env bash
# libFuzzer over every parser of asr: audio files, audio streams, recipe JSON, JSONL
# manifests, Kaldi folders, tokens.txt, ARPA, safetensors, .npy and asr score's
# transcript formats (Fuzz/Sources/asr-fuzz/Fuzz.swift). Builds the Fuzz package with
# -sanitize=fuzzer,address (its own .build), then runs each target from its committed
# seeds (Fuzz/corpus/TARGET; what it finds grows a copy in .build/fuzz/corpus) until
# FUZZ_RUNS inputs or FUZZ_SECONDS, whichever comes first, FUZZ_JOBS targets at a time.
# A crash, a trap, a sanitizer report, a leak, a hang (> 10 s an input) or > 2 GB of
# memory fails the run; the input that did it is kept in .build/fuzz/findings.
# Leaks count, but for one of the toolchain's Foundation (4 KiB in readBytesFromFile
# when FileManager.contents(atPath:) reads an empty file), suppressed in Fuzz/lsan.supp.
#   scripts/fuzz.sh [TARGET …]     FUZZ_SECONDS=60 FUZZ_RUNS=1000000 FUZZ_JOBS=1 by default
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-1000000}
jobs=${FUZZ_JOBS:-1}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(audio stream recipe manifest kaldi tokens arpa safetensors npy transcripts)
for t in "${targets[@]}"; do
  [ -d "Fuzz/corpus/$t" ] || { echo "fuzz.sh: unknown target '$t' (no Fuzz/corpus/$t)" >&2; exit 2; }
done
(cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
bin=Fuzz/.build/release/asr-fuzz
out=.build/fuzz
mkdir -p "$out/findings" "$out/logs"

one() {   # one target; its result line goes to $out/logs/TARGET.result
  local t=$1 log="$out/logs/$1.log" result start=$SECONDS
  mkdir -p "$out/corpus/$t"
  if ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0" ASR_FUZZ_TARGET=$t \
       "$bin" "$out/corpus/$t" "Fuzz/corpus/$t" -runs="$runs" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$out/findings/$t-" -print_final_stats=1 > "$log" 2>&1; then
    result=ok
  else
    result="FAILED: $(grep -m1 -E 'ERROR|Fatal error|deadly signal|SUMMARY' "$log" || echo "see $log")"
  fi
  local done_runs
  done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf '%-12s %10s %8s  %s\n' "$t" "${done_runs:-?}" "$((SECONDS - start))" "$result" > "$out/logs/$t.result"
}

running=0
for t in "${targets[@]}"; do
  one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait
printf '%-12s %10s %8s  %s\n' target runs seconds result
failed=0
for t in "${targets[@]}"; do
  cat "$out/logs/$t.result"
  grep -q "  ok$" "$out/logs/$t.result" || failed=1
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: failures above; inputs in $out/findings, logs in $out/logs" >&2
  exit 1
fi

#!/usr/bin/env bash
# libFuzzer over every parser of asr: audio files, audio streams, recipe JSON, JSONL
# manifests, Kaldi folders, tokens.txt, ARPA, safetensors, .npy and asr score's
# transcript formats (Fuzz/Sources/asr-fuzz/Fuzz.swift). Builds the Fuzz package with
# -sanitize=fuzzer,address (its own .build), then runs each target for FUZZ_SECONDS
# from its committed seeds (Fuzz/corpus/TARGET; what it finds grows a copy in
# .build/fuzz/corpus). A crash, a trap, a sanitizer report, a hang (> 10 s an input)
# or > 2 GB of memory fails the run; the input that did it is kept in .build/fuzz/findings.
# Leak detection is off: the toolchain's Foundation leaks 4 KiB reading an empty file
# (FileManager.contents(atPath:) → readBytesFromFile), which is not asr's to fix.
#   scripts/fuzz.sh [TARGET …]        FUZZ_SECONDS=60 by default
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(audio stream recipe manifest kaldi tokens arpa safetensors npy transcripts)
(cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
bin=Fuzz/.build/release/asr-fuzz
out=.build/fuzz
mkdir -p "$out/findings" "$out/logs"
failed=()
printf '%-12s %10s %8s  %s\n' target runs seconds result
for t in "${targets[@]}"; do
  [ -d "Fuzz/corpus/$t" ] || { echo "fuzz.sh: unknown target '$t' (no Fuzz/corpus/$t)" >&2; exit 2; }
  mkdir -p "$out/corpus/$t"
  log="$out/logs/$t.log"
  if ASAN_OPTIONS=detect_leaks=0 ASR_FUZZ_TARGET=$t "$bin" "$out/corpus/$t" "Fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
       -artifact_prefix="$out/findings/$t-" -print_final_stats=1 > "$log" 2>&1; then
    result=ok
  else
    result="FAILED: $(grep -m1 -E 'ERROR|Fatal error|deadly signal|SUMMARY' "$log" || echo "see $log")"
    failed+=("$t")
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf '%-12s %10s %8s  %s\n' "$t" "${runs:-?}" "$seconds" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${failed[*]} failed; inputs in $out/findings, logs in $out/logs" >&2
  exit 1
fi

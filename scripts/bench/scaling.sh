#!/usr/bin/env bash
# Data-parallel training on this machine (part of make bench): one epoch of a
# recipe with 1 process and with mpirun -np 2 (one thread per rank, and one
# process with 2 threads), step time, scaling efficiency and the allreduce
# time per step the trainer reports. Report: bench-out/SCALING.md.
#
#   scripts/bench/scaling.sh [RECIPE=recipes/digits.json] [-- --set key=value …]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
recipe=${1:-recipes/digits.json}
[ $# -gt 0 ] && shift
[ "${1:-}" = -- ] && shift
extra=("$@")
asr=${ASR:-$root/.build/release/asr}
out="$root/bench-out"
mkdir -p "$out"
train=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["train"])' "$recipe")
[ -f "$train" ] || { echo "$train: make the corpus first (make demo, or data/make_corpus.sh)" >&2; exit 1; }
root_flag=$([ "$(id -u)" = 0 ] && echo --allow-run-as-root || true)
report="$out/SCALING.md"
{
  echo "# Data-parallel training: one epoch of $recipe"
  echo
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)."
  echo "Command: scripts/bench/scaling.sh $recipe ${extra[*]+-- ${extra[*]}}"
  echo
  echo "| run | epoch s | steps | ms per step | speed-up | efficiency | allreduce ms per step |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$report"
base=""
run() {  # label, ranks, threads
  local label=$1 ranks=$2 threads=$3 name="scaling-$2x$3"
  rm -rf "exp/$name"
  if [ "$ranks" = 1 ]; then
    "$asr" train "$recipe" --force --epochs 1 --threads "$threads" --set name="\"$name\"" ${extra[@]+"${extra[@]}"} > "$out/$name.log" 2>&1
  else
    mpirun $root_flag --oversubscribe -np "$ranks" "$asr" train "$recipe" --force --epochs 1 --threads "$threads" --set name="\"$name\"" ${extra[@]+"${extra[@]}"} > "$out/$name.log" 2>&1
  fi
  local secs steps allreduce
  secs=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["seconds"])' "exp/$name/train.jsonl")
  steps=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["step"])' "exp/$name/train.jsonl")
  allreduce=$(sed -n 's/.*allreduce: \([0-9.]*\) ms per step.*/\1/p' "$out/$name.log" | tail -1)
  [ -z "$base" ] && base=$secs
  python3 - "$label" "$secs" "$steps" "$base" "$((ranks * threads))" "${allreduce:-—}" >> "$report" <<'PY'
import sys
label, secs, steps, base, cores, ar = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
speed = base / secs
print(f"| {label} | {secs:.1f} | {steps} | {1000 * secs / steps:.1f} | {speed:.2f}× | {100 * speed / cores:.0f}% | {ar} |")
PY
  rm -rf "exp/$name"
}
run "1 process, 1 thread" 1 1
run "1 process, 2 threads" 1 2
run "2 ranks × 1 thread (mpirun -np 2)" 2 1
echo >> "$report"
echo "Epoch seconds include validation (sharded over the ranks). Efficiency = speed-up / cores used (ranks × threads), against 1 process with 1 thread." >> "$report"
cat "$report"

#!/usr/bin/env bash
# Cold-cache epoch, one file per utterance against packed shards (part of make
# bench): the page cache is emptied (drop_caches when root, else posix_fadvise
# DONTNEED on every audio file), then `asr train --epochs 1` runs; the same again
# with a warm cache. The digits corpus is packed first (asr data pack, into
# data/generated/<corpus>-packed). Reports epoch seconds (from train.jsonl) and the
# whole run's wall seconds (header scan and model set-up included).
# Report: bench-out/COLDCACHE.md.
#
#   scripts/bench/coldcache.sh [RECIPE=recipes/digits.json] [-- --set key=value …]
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
read -r train dev < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; print(d["train"], d.get("dev") or "-")' "$recipe")
[ -f "$train" ] || { echo "$train: make the corpus first (make demo, or data/make_corpus.sh)" >&2; exit 1; }
rate=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"].get("sample_rate", 16000))' "$recipe")
packed="$(dirname "$train")-packed"
for m in "$train" "$dev"; do
  [ "$m" = - ] && continue
  name=$(basename "${m%.*}")
  if [ ! -f "$packed/$name.jsonl" ] || [ "$m" -nt "$packed/$name.jsonl" ]; then
    "$asr" data pack "$m" --out "$packed" --sample-rate "$rate"
  fi
done

# Every audio file a manifest names (the corpus's files, or the shards).
files_of() { python3 - "$@" <<'PY'
import json, os, sys
seen = set()
for m in sys.argv[1:]:
    base = os.path.dirname(m)
    for line in open(m):
        if line.strip():
            p = json.loads(line)["audio_filepath"]
            p = p if p.startswith("/") else os.path.join(base, p)
            if p not in seen:
                seen.add(p); print(p)
PY
}
evict() {  # manifests…
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then
    echo 3 > /proc/sys/vm/drop_caches
  else
    files_of "$@" | python3 -c '
import os, sys
for p in sys.stdin:
    fd = os.open(p.strip(), os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)'
  fi
}
how=$([ -w /proc/sys/vm/drop_caches ] && echo "echo 3 > /proc/sys/vm/drop_caches" || echo "posix_fadvise(DONTNEED) on each audio file")
report="$out/COLDCACHE.md"
{
  echo "# Cold-cache epoch: files against packed shards ($recipe)"
  echo
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(df -h "$root" | awk 'NR==2 {print $1}'); $(date -u +%Y-%m-%d)."
  echo "Command: scripts/bench/coldcache.sh $recipe ${extra[*]+-- ${extra[*]}}. Cache emptied by $how."
  echo
  echo "| audio | cache | files opened | epoch s | run s |"
  echo "|---|---|---:|---:|---:|"
} > "$report"
run() {  # label, cache (cold|warm), train manifest, dev manifest
  local label=$1 cache=$2 t=$3 d=$4 name="coldcache"
  local manifests=("$t"); [ "$d" != - ] && manifests+=("$d")
  local nfiles; nfiles=$(files_of "${manifests[@]}" | wc -l)
  rm -rf "exp/$name"
  if [ "$cache" = cold ]; then evict "${manifests[@]}"; else files_of "${manifests[@]}" | xargs cat > /dev/null; fi
  local dev_set=(); [ "$d" != - ] && dev_set=(--set data.dev="\"$d\"")
  local t0 t1
  t0=$(date +%s.%N)
  "$asr" train "$recipe" --force --epochs 1 --set name="\"$name\"" --set data.train="\"$t\"" "${dev_set[@]}" \
    ${extra[@]+"${extra[@]}"} > "$out/coldcache-$label-$cache.log" 2>&1
  t1=$(date +%s.%N)
  local secs; secs=$(python3 -c 'import json,sys; print(round(json.loads(open(sys.argv[1]).readlines()[-1])["seconds"], 1))' "exp/$name/train.jsonl")
  printf '| %s | %s | %s | %s | %.1f |\n' "$label" "$cache" "$nfiles" "$secs" "$(python3 -c "print($t1 - $t0)")" >> "$report"
  rm -rf "exp/$name"
}
pdev=-; [ "$dev" != - ] && pdev="$packed/$(basename "${dev%.*}").jsonl"
ptrain="$packed/$(basename "${train%.*}").jsonl"
run files cold "$train" "$dev"
run packed cold "$ptrain" "$pdev"
run files warm "$train" "$dev"
run packed warm "$ptrain" "$pdev"
echo >> "$report"
echo "Epoch seconds as train.jsonl logs them (validation included); run seconds: the whole asr train process." >> "$report"
cat "$report"

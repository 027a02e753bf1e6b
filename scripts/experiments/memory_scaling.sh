#!/usr/bin/env bash
# Training memory against corpus size: the training manifest of a corpus listed
# 1×, 4× and 16× (every line repeated with a new id, the same audio files), one
# epoch each of the recipe, peak RSS (GNU time's maximum resident set) and epoch
# seconds per size. With audio read batch by batch, the peak should not grow
# with the corpus past the speed-perturbation cache (data.cache_mb).
#
#   scripts/experiments/memory_scaling.sh [--recipe R] [--sizes "1 4 16"] [-- --set key=value …]
#
# Defaults: recipes/digits.json on data/generated/digits (make the corpus first:
# data/make_corpus.sh digits data/generated/digits --count 9000 --seed 1).
# Results: exp/memory/results.tsv (size, utterances, peak RSS MiB, epoch s).
# ASR=/path/to/asr measures another build (e.g. an older one, for comparison).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
recipe=recipes/digits.json
sizes="1 4 16"
while [ $# -gt 0 ]; do
  case "$1" in
    --recipe) recipe=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: memory_scaling.sh [--recipe R] [--sizes \"1 4 16\"] [-- --set key=value …]" >&2; exit 2 ;;
  esac
done
asr=${ASR:-.build/release/asr}
[ -x "$asr" ] || { echo "build first: make build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt install time)" >&2; exit 1; }
train=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["train"])' "$recipe")
[ -f "$train" ] || { echo "$train: no training manifest (make the corpus first)" >&2; exit 1; }
out=exp/memory
mkdir -p "$out"
results=$out/results.tsv
[ -f "$results" ] || printf 'asr\trecipe\tsize\tutterances\tpeak_rss_mib\tepoch_s\toverrides\n' > "$results"
for n in $sizes; do
  manifest=$out/train-x$n.jsonl
  # Repeated lines with new ids; audio paths made absolute (the manifest moves folders).
  python3 - "$train" "$n" "$manifest" <<'PY'
import json, os, sys
src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = os.path.dirname(os.path.abspath(src))
lines = [json.loads(l) for l in open(src, encoding="utf-8") if l.strip()]
with open(dst, "w", encoding="utf-8") as f:
    for k in range(n):
        for i, u in enumerate(lines):
            u = dict(u)
            u["id"] = f"x{k}-{u.get('id', i)}"
            if not os.path.isabs(u["audio_filepath"]):
                u["audio_filepath"] = os.path.join(base, u["audio_filepath"])
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
PY
  name=memory-x$n
  rm -rf "exp/$name"
  /usr/bin/time -f '%M' -o "$out/$name.rss" "$asr" train "$recipe" --force --epochs 1 \
    --set name=\""$name"\" --set data.train=\""$manifest"\" --set train.early_stop_patience=0 "$@" > "$out/$name.log" 2>&1
  rss=$(tail -1 "$out/$name.rss")
  secs=$(python3 -c 'import json,sys; print(round(json.loads(open(sys.argv[1]).readlines()[-1])["seconds"], 1))' "exp/$name/train.jsonl")
  utts=$(wc -l < "$manifest")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$asr" "$recipe" "$n" "$utts" "$((rss / 1024))" "$secs" "$*" | tee -a "$results"
  rm -rf "exp/$name"
done

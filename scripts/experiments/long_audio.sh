#!/usr/bin/env bash
# One long recording made of a test set's utterances (in manifest order, each
# followed by a pause of 0.4–1.0 s, seeded), transcribed as one file by
# `asr transcribe` (cut at pauses, decoded piece by piece), against the same
# utterances transcribed one by one by `asr eval`: WER of both, wall time and
# peak RSS (GNU time) of the long run. Issue #20's check: the long file within
# 10% (relative) of one by one, under 500 MB.
#
#   scripts/experiments/long_audio.sh [--model exp/digits] [--manifest data/generated/digits/test.jsonl]
#                                     [--minutes 60] [--out exp/long] [-- decoding flags, e.g. --beam 8 --lm words.arpa]
#
# Results: OUT/results.tsv (one row per run: decoding flags, minutes, pieces, s, peak MiB, WER long, WER one by one).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
model=exp/digits
manifest=data/generated/digits/test.jsonl
minutes=60
out=exp/long
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --manifest) manifest=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: long_audio.sh [--model M] [--manifest F] [--minutes N] [--out DIR] [-- decoding flags]" >&2; exit 2 ;;
  esac
done
flags=("$@")
asr=${ASR:-.build/release/asr}
[ -x "$asr" ] || { echo "build first: make build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt install time)" >&2; exit 1; }
[ -f "$model/model.json" ] || { echo "$model: no trained model (make demo)" >&2; exit 1; }
mkdir -p "$out"
wav=$out/long-${minutes}min.wav
# The recording, its reference (one line) and the manifest of the utterances it holds.
python3 - "$manifest" "$minutes" "$wav" "$out/ref.txt" "$out/utterances.jsonl" <<'PY'
import json, os, random, sys, wave
manifest, minutes, wav, ref, utts = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
base = os.path.dirname(manifest)
lines = [json.loads(l) for l in open(manifest) if l.strip()]
rng = random.Random(1)
out = wave.open(wav + ".tmp", "wb")
out.setnchannels(1); out.setsampwidth(2); out.setframerate(16000)
texts, used, total, k = [], [], 0, 0
while total < minutes * 60 * 16000:
    l = lines[k % len(lines)]
    p = l["audio_filepath"]; p = p if p.startswith("/") else os.path.join(base, p)
    w = wave.open(p, "rb")
    assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000), f"{p}: expected 16 kHz 16-bit mono"
    frames = w.readframes(w.getnframes()); w.close()
    gap = int(rng.uniform(0.4, 1.0) * 16000)
    out.writeframes(frames + b"\0\0" * gap)
    total += len(frames) // 2 + gap
    texts.append(l["text"])
    used.append(dict(l, audio_filepath=os.path.abspath(p), id=f"u{k:05d}"))
    k += 1
out.close()
os.replace(wav + ".tmp", wav)
open(ref, "w").write(" ".join(texts) + "\n")
with open(utts, "w") as f:
    for u in used: f.write(json.dumps(u) + "\n")
print(f"{wav}: {total / 16000 / 60:.1f} min, {k} utterances", file=sys.stderr)
PY
results=$out/results.tsv
[ -f "$results" ] || printf 'decoding\tminutes\twords\tseconds\tpeak_rss_mib\twer_long\twer_one_by_one\n' > "$results"
/usr/bin/time -f '%M %e' -o "$out/time.txt" "$asr" transcribe --model "$model" --json ${flags[@]+"${flags[@]}"} "$wav" > "$out/hyp.json"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["text"])' "$out/hyp.json" > "$out/hyp.txt"
read -r rss secs < "$out/time.txt"
wer_long=$("$asr" score "$out/ref.txt" "$out/hyp.txt" | sed -n 's/^%WER \([0-9.]*\).*/\1/p')
wer_utts=$("$asr" eval --model "$model" --manifest "$out/utterances.jsonl" ${flags[@]+"${flags[@]}"} | sed -n 's/^%WER \([0-9.]*\).*/\1/p')
words=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["words"]))' "$out/hyp.json")
label=${flags[*]:-model default}
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$minutes" "$words" "$secs" "$((rss / 1024))" "$wer_long" "$wer_utts" | tee -a "$results"

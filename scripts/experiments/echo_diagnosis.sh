#!/usr/bin/env bash
# Which part of espeak-ng's RicishayMax2 voice makes it hard (README, Mandarin): the first N
# dev clauses read by RicishayMax2, RicishayMax3 and three variants made from RicishayMax2's
# file — without its echo line (NoEcho), the plain voice with only its echo line (OnlyEcho),
# only its tone line (OnlyTone) — through a private --path copy of espeak-ng's data, then
# `asr eval` with the model's own decoding (CER per variant).
#   scripts/experiments/echo_diagnosis.sh [--model exp/mandarin-mix] [--count 80] [--out exp/echo-diagnosis]
set -euo pipefail
cd "$(dirname "$0")/../.."
model=exp/mandarin-mix count=80 out=exp/echo-diagnosis
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;; --count) count=$2; shift 2 ;; --out) out=$2; shift 2 ;;
    *) echo "echo_diagnosis.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
dev=data/generated/mandarin/dev.jsonl
[ -f "$dev" ] || { echo "echo_diagnosis.sh: $dev missing (make mandarin)" >&2; exit 1; }
sys=$(espeak-ng --version | sed -n 's/.*Data at: *//p')
rm -rf "$out" && mkdir -p "$out/path/espeak-ng-data/voices/!v"
for f in "$sys"/*; do [ "$(basename "$f")" = voices ] || ln -s "$f" "$out/path/espeak-ng-data/"; done
for f in "$sys"/voices/*; do [ "$(basename "$f")" = '!v' ] || ln -s "$f" "$out/path/espeak-ng-data/voices/"; done
v="$out/path/espeak-ng-data/voices/!v"
for f in "$sys"/voices/'!v'/*; do ln -s "$f" "$v/"; done
src="$sys/voices/!v/RicishayMax2"
grep -v '^echo' "$src" | sed 's/^name .*/name NoEcho/' > "$v/NoEcho"
{ printf 'language variant\nname OnlyEcho\n'; grep '^echo' "$src"; } > "$v/OnlyEcho"
{ printf 'language variant\nname OnlyTone\n'; grep '^tone' "$src"; } > "$v/OnlyTone"
asr=.build/release/asr
for voice in RicishayMax2 RicishayMax3 NoEcho OnlyEcho OnlyTone; do
  mkdir -p "$out/$voice"
  head -n "$count" "$dev" | python3 -c '
import json, os, subprocess, sys
voice, out, path = sys.argv[1:4]
for i, line in enumerate(sys.stdin):
    r = json.loads(line)
    raw, wav = f"{out}/{voice}/{i}.raw.wav", f"{out}/{voice}/{i}.wav"
    subprocess.run(["espeak-ng", f"--path={path}", "-v", f"cmn-latn-pinyin+{voice}", "-w", raw, r["pinyin"]], check=True)
    subprocess.run(["sox", "-D", "-q", raw, "-r", "16000", "-b", "16", "-c", "1", wav], check=True, stderr=subprocess.DEVNULL)
    r["audio_filepath"], r["speaker"] = os.path.abspath(wav), voice
    print(json.dumps(r, ensure_ascii=False))
' "$voice" "$out" "$out/path" > "$out/$voice.jsonl"
  printf '%-14s ' "$voice"
  "$asr" eval --model "$model" --manifest "$out/$voice.jsonl" | grep '^%CER'
done

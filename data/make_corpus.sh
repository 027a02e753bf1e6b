#!/usr/bin/env bash
# Synthesizes a demo corpus with espeak-ng (Debian) into OUT/{train,dev,test}.jsonl
# plus OUT/wav/*.wav (16 kHz, 16-bit). Deterministic for a given seed.
#
#   data/make_corpus.sh digits|mandarin OUT [--count N] [--seed S]
#
# digits: connected English digit strings ("zero"/"oh" … "nine", 1–7 words),
# spoken by many voices: accents × voice variants, random pitch, rate, word gap
# and volume.
# mandarin: short sentences of 1–4 common words and phrases (data/mandarin/
# phrases.tsv: 261 phrases over 319 characters, with 好棒棒, 谢谢, 妈妈 and other
# repeated characters), read by espeak-ng's cmn-latn-pinyin voice (which speaks
# Mandarin from tone-numbered pinyin; `-v cmn` would spell the characters in
# English) with every voice variant, random pitch and rate.
# In both, the split is by voice variant, so test (and dev) voices are never
# heard in training.
set -euo pipefail
corpus=${1:?usage: make_corpus.sh digits OUT [--count N] [--seed S]}
out=${2:?usage: make_corpus.sh digits OUT [--count N] [--seed S]}
shift 2
count=3000
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v espeak-ng >/dev/null || { echo "espeak-ng is not installed (make deps)" >&2; exit 1; }
command -v sox >/dev/null || { echo "sox is not installed (make deps)" >&2; exit 1; }
case "$corpus" in digits|mandarin) ;; *) echo "unknown corpus '$corpus' (known: digits, mandarin)" >&2; exit 2 ;; esac
here="$(cd "$(dirname "$0")" && pwd)"

stamp="$out/.complete-$corpus-$count-$seed"
if [ -f "$stamp" ]; then echo "$out: up to date"; exit 0; fi
rm -rf "$out"
mkdir -p "$out/wav"

if [ "$corpus" = digits ]; then
  accents=(en-us en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-rp en-gb-x-gbcwmd en-029)
else
  accents=(cmn-latn-pinyin)
  # Check that the voice really speaks Mandarin (tone contours in the phonemes).
  espeak-ng -q -v cmn-latn-pinyin -x "ni3 hao3" 2>/dev/null | grep -q "214" || {
    echo "espeak-ng's cmn-latn-pinyin voice does not produce Mandarin phonemes" >&2; exit 1; }
  mapfile -t phrase_text < <(cut -f1 "$here/mandarin/phrases.tsv")
  mapfile -t phrase_pinyin < <(cut -f2 "$here/mandarin/phrases.tsv")
fi
# Variants, in espeak-ng's list order; the split below is a seeded shuffle of them.
mapfile -t variants < <(espeak-ng --voices=variant | awk 'NR>1 {print $5}' | sed 's|^!v/||' | grep -v -x -e fast_test | sort)
words=(zero oh one two three four five six seven eight nine)

RANDOM=$seed
# Seeded Fisher–Yates shuffle of the variants; then 15% test, 10% dev, the rest train.
n=${#variants[@]}
for ((i = n - 1; i > 0; i--)); do j=$((RANDOM % (i + 1))); t=${variants[i]}; variants[i]=${variants[j]}; variants[j]=$t; done
ntest=$((n * 15 / 100)); ndev=$((n * 10 / 100))
test_v=("${variants[@]:0:ntest}"); dev_v=("${variants[@]:ntest:ndev}"); train_v=("${variants[@]:ntest+ndev}")
printf '%s\n' "${train_v[@]}" > "$out/voices-train.txt"
printf '%s\n' "${dev_v[@]}" > "$out/voices-dev.txt"
printf '%s\n' "${test_v[@]}" > "$out/voices-test.txt"

# Job list: split, id, voice, pitch, speed, gap, amplitude, text.
jobs="$out/jobs.tsv"
: > "$jobs"
for ((k = 0; k < count; k++)); do
  r=$((RANDOM % 100))
  if [ $r -lt 10 ]; then split=test; pool=("${test_v[@]}")
  elif [ $r -lt 18 ]; then split=dev; pool=("${dev_v[@]}")
  else split=train; pool=("${train_v[@]}"); fi
  accent=${accents[RANDOM % ${#accents[@]}]}
  variant=${pool[RANDOM % ${#pool[@]}]}
  if [ "$corpus" = digits ]; then
    nw=$((1 + RANDOM % 7))
    text=""
    for ((w = 0; w < nw; w++)); do text+="${words[RANDOM % ${#words[@]}]} "; done
    text=${text% }
    spoken=$text
  else
    nw=$((1 + RANDOM % 4))
    text=""; spoken=""
    for ((w = 0; w < nw; w++)); do
      p=$((RANDOM % ${#phrase_text[@]}))
      text+="${phrase_text[p]}"; spoken+="${phrase_pinyin[p]} "
    done
    spoken=${spoken% }
  fi
  printf '%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n' "$split" "$(printf '%s-%05d' "$split" "$k")" "$accent+$variant" \
    $((20 + RANDOM % 61)) $((120 + RANDOM % 100)) $((RANDOM % 6)) $((70 + RANDOM % 80)) "$text" "$spoken" >> "$jobs"
done

synth() {
  IFS=$'\t' read -r split id voice pitch speed gap amp text spoken <<< "$1"
  local tmp="$2/wav/$id.22k.wav"
  espeak-ng -v "$voice" -p "$pitch" -s "$speed" -g "$gap" -a "$amp" -w "$tmp" "$spoken" 2>/dev/null
  # -D: no dither, so the corpus is identical byte for byte for a given seed.
  sox -D -q "$tmp" -r 16000 -b 16 -c 1 "$2/wav/$id.wav" 2>/dev/null
  rm -f "$tmp"
}
export -f synth
tr '\n' '\0' < "$jobs" | xargs -0 -P "$(nproc)" -I{} bash -c 'synth "$1" "$2"' _ {} "$out"

# Manifests (duration from the 16-bit mono 16 kHz data size).
for split in train dev test; do
  : > "$out/$split.jsonl"
done
while IFS=$'\t' read -r split id voice pitch speed gap amp text spoken; do
  f="$out/wav/$id.wav"
  [ -s "$f" ] || { echo "warning: $id was not synthesized" >&2; continue; }
  size=$(stat -c %s "$f")
  dur=$(awk -v s="$size" 'BEGIN { printf "%.3f", (s - 44) / 32000 }')
  printf '{"audio_filepath": "wav/%s.wav", "duration": %s, "text": "%s", "speaker": "%s"}\n' "$id" "$dur" "$text" "$voice" >> "$out/$split.jsonl"
done < "$jobs"
touch "$stamp"
echo "$out: $(wc -l < "$out/train.jsonl") train, $(wc -l < "$out/dev.jsonl") dev, $(wc -l < "$out/test.jsonl") test utterances" \
     "(${#train_v[@]}/${#dev_v[@]}/${#test_v[@]} voice variants × ${#accents[@]} accents)"

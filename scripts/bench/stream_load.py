#!/usr/bin/env python3
"""Load on `asr serve`'s WebSocket: N streams at once, each playing a recording at
real time (100 ms binary messages of 16-bit PCM, each sent once its 100 ms have passed) for S seconds, then
{"type": "end"}. For every result the server sends, its lag = when it arrived
- (when the stream started + the stream time it reports as heard, `audio`):
the server's own delay, queueing included. Reports, per N, results per second,
lag median / 95th / max, and the streams that failed (must be 0).

    python scripts/bench/stream_load.py --port P --wav F [--streams 2 4 8] [--seconds 15]

Start the server first (asr serve --model exp/digits --port 0) or let
scripts/bench/serve_load.sh do it. Needs the websockets package (PyPI; in
scripts/python/requirements.txt).
"""
import argparse, json, statistics, sys, threading, time, wave
from websockets.sync.client import connect


def stream(url, pcm, rate, seconds, lags, failures, lock):
    chunk = rate // 10 * 2
    try:
        with connect(url, max_size=1 << 20) as ws:
            start = time.monotonic()
            received = []

            def reader():
                try:
                    for msg in ws:
                        received.append((time.monotonic(), json.loads(msg)))
                except Exception:
                    pass
            t = threading.Thread(target=reader)
            t.start()
            sent = 0
            while sent < seconds * rate * 2:
                # A block is sent once its audio has happened, as a microphone would.
                delay = start + (sent + chunk) / 2 / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                at = sent % len(pcm)
                ws.send(pcm[at:at + chunk])
                sent += chunk
            ws.send(json.dumps({"type": "end"}))
            t.join(timeout=60)
            bad = [e for _, e in received if e.get("type") == "error"]
            with lock:
                if bad or not any(e.get("type") == "final" for _, e in received):
                    failures.append(bad[0]["error"] if bad else "no final result")
                lags.extend(1000 * (w - (start + e["audio"])) for w, e in received if "audio" in e)
    except Exception as e:
        with lock:
            failures.append(repr(e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--wav", required=True)
    ap.add_argument("--streams", type=int, nargs="+", default=[2, 4, 8])
    ap.add_argument("--seconds", type=float, default=15)
    a = ap.parse_args()
    w = wave.open(a.wav, "rb")
    assert w.getnchannels() == 1 and w.getsampwidth() == 2, "expected 16-bit mono"
    rate, pcm = w.getframerate(), w.readframes(w.getnframes())
    print("streams\tseconds\tresults_per_s\tlag_median_ms\tlag_p95_ms\tlag_max_ms\tfailed")
    for n in a.streams:
        lags, failures, lock = [], [], threading.Lock()
        threads = [threading.Thread(target=stream, args=(f"ws://127.0.0.1:{a.port}/stream?sample_rate={rate}", pcm, rate,
                                                         a.seconds, lags, failures, lock)) for _ in range(n)]
        t0 = time.monotonic()
        for t in threads: t.start()
        for t in threads: t.join()
        wall = time.monotonic() - t0
        lags.sort()
        p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] if lags else float("nan")
        print(f"{n}\t{a.seconds:g}\t{len(lags) / wall:.1f}\t{statistics.median(lags) if lags else float('nan'):.0f}\t{p(0.95):.0f}\t{max(lags) if lags else float('nan'):.0f}\t{len(failures)}")
        for f in failures[:3]:
            print(f"  failure: {f}", file=sys.stderr)


if __name__ == "__main__":
    main()

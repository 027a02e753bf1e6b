#!/usr/bin/env python3
"""Each utterance of a manifest cut to its voiced span (10 ms frames at or above the
PauseSegmenter threshold: 10th-percentile energy + 12 dB, at most the 95th − 20 dB, at
least −70 dBFS), as a piece of a cut long recording is, then `asr eval` on the cut
copies beside the whole ones: how much a model relies on the silence around speech.

    scripts/experiments/trimmed_utterances.py [--model exp/digits] [--manifest exp/long-dev/utterances.jsonl] [--out /tmp/trimmed]
"""
import argparse, json, math, os, struct, subprocess, wave

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="exp/digits")
ap.add_argument("--manifest", default="exp/long-dev/utterances.jsonl")
ap.add_argument("--out", default="/tmp/trimmed")
ap.add_argument("--asr", default=os.environ.get("ASR", ".build/release/asr"))
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
base = os.path.dirname(a.manifest)
cut = os.path.join(a.out, "utterances.jsonl")
with open(cut, "w") as out:
    for k, line in enumerate(l for l in open(a.manifest) if l.strip()):
        u = json.loads(line)
        p = u["audio_filepath"] if u["audio_filepath"].startswith("/") else os.path.join(base, u["audio_filepath"])
        w = wave.open(p); n = w.getnframes()
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2), f"{p}: expected 16-bit mono"
        rate = w.getframerate(); d = struct.unpack(f"<{n}h", w.readframes(n)); w.close()
        f = max(1, round(rate * 0.01))
        e = [10 * math.log10(sum((x / 32768) ** 2 for x in d[i:i + f]) / len(d[i:i + f]) + 1e-10) for i in range(0, n, f)]
        s = sorted(e)
        thr = max(min(s[int(0.1 * (len(s) - 1))] + 12, s[int(0.95 * (len(s) - 1))] - 20), -70)
        voiced = [i for i, x in enumerate(e) if x >= thr]
        lo, hi = (voiced[0] * f, min(n, (voiced[-1] + 1) * f)) if voiced else (0, n)
        q = os.path.join(a.out, f"u{k:05d}.wav")
        o = wave.open(q, "wb"); o.setnchannels(1); o.setsampwidth(2); o.setframerate(rate)
        o.writeframes(struct.pack(f"<{hi - lo}h", *d[lo:hi])); o.close()
        out.write(json.dumps(dict(u, audio_filepath=os.path.abspath(q), duration=(hi - lo) / rate)) + "\n")
for name, m in (("whole", a.manifest), ("cut to voiced span", cut)):
    r = subprocess.run([a.asr, "eval", "--model", a.model, "--manifest", m, "--per", "engine"], capture_output=True, text=True, check=True)
    print(f"--- {name}:\n" + "\n".join(l for l in r.stdout.splitlines() if l.startswith("%WER") or l.startswith(("espeak", "festival", "flite"))))

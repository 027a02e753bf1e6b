#!/usr/bin/env python3
"""Live transcription measured: WER and word latency of `asr transcribe --stream`.

A test set's utterances (manifest order, each followed by a pause of 0.4-1.0 s,
seeded) are joined into one recording and streamed as if live through each
model. Reference word end times come from one reference model (default the
BiLSTM, exp/digits) decoding each utterance on its own (`asr transcribe
--manifest --json`), shifted to the utterance's place in the stream; a word's
latency is the audio time at which the first result (partial or final) holding
it at its place in its utterance was said, plus the milliseconds of computing
behind that result, minus the word's end. Only words the model got right at
their place count for latency; WER counts everything (finals joined against
the references joined).

    scripts/experiments/streaming.py --models exp/digits exp/digits-stream [--manifest data/generated/digits/test.jsonl]
                                     [--minutes 10] [--reference exp/digits] [--out exp/streaming] [-- decoding flags]

Results: OUT/results.tsv (model, flags, minutes, WER streamed, WER one by one,
latency median and 95th percentile in ms, words timed, real-time factor).
Standard library only.
"""
import argparse, json, os, random, statistics, subprocess, sys, time, wave

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
asr = os.environ.get("ASR", os.path.join(root, ".build/release/asr"))


def run(args, **kw):
    r = subprocess.run([asr] + args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"asr {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def wer(ref, hyp):
    """Word error rate of hyp against ref (word lists), Levenshtein."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return 100.0 * prev[-1] / max(1, len(ref))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["exp/digits"])
    ap.add_argument("--manifest", default="data/generated/digits/test.jsonl")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--reference", default="exp/digits")
    ap.add_argument("--out", default="exp/streaming")
    ap.add_argument("flags", nargs="*")
    a = ap.parse_args()
    os.chdir(root)
    os.makedirs(a.out, exist_ok=True)
    base = os.path.dirname(a.manifest)
    lines = [json.loads(l) for l in open(a.manifest, encoding="utf-8") if l.strip()]
    rng = random.Random(1)
    wav = os.path.join(a.out, f"stream-{a.minutes:g}min.wav")
    out = wave.open(wav + ".tmp", "wb")
    out.setnchannels(1); out.setsampwidth(2); out.setframerate(16000)
    used, total, k = [], 0, 0
    while total < a.minutes * 60 * 16000:
        l = lines[k % len(lines)]
        p = l["audio_filepath"]; p = p if p.startswith("/") else os.path.join(base, p)
        w = wave.open(p, "rb")
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000), f"{p}: expected 16 kHz 16-bit mono"
        frames = w.readframes(w.getnframes()); w.close()
        gap = int(rng.uniform(0.4, 1.0) * 16000)
        out.writeframes(frames + b"\0\0" * gap)
        used.append(dict(l, audio_filepath=os.path.abspath(p), id=f"u{k:05d}", offset_in_stream=total / 16000,
                         length=len(frames) // 2 / 16000))
        total += len(frames) // 2 + gap
        k += 1
    out.close()
    os.replace(wav + ".tmp", wav)
    seconds = total / 16000
    utts = os.path.join(a.out, "utterances.jsonl")
    with open(utts, "w", encoding="utf-8") as f:
        for u in used:
            f.write(json.dumps({key: v for key, v in u.items() if key not in ("offset_in_stream", "length")}, ensure_ascii=False) + "\n")
    # Reference word times: the reference model, utterance by utterance.
    refout = os.path.join(a.out, "reference.jsonl")
    run(["transcribe", "--model", a.reference, "--manifest", utts, "--out", refout, "--json"])
    reftimed = [json.loads(l) for l in open(refout, encoding="utf-8")]
    # Per utterance: (start, end) in the stream, reference words, and the reference model's word times.
    spans = []
    for u, r in zip(used, reftimed):
        words = u["text"].lower().split()
        hyp = r.get("words") or []
        ends = [h["end"] + u["offset_in_stream"] for h in hyp] if [h["text"] for h in hyp] == words else None
        spans.append((u["offset_in_stream"], u["offset_in_stream"] + u["length"], words, ends))
    results = os.path.join(a.out, "results.tsv")
    if not os.path.exists(results):
        with open(results, "w") as f:
            f.write("model\tflags\tminutes\twer_stream\twer_one_by_one\tlatency_median_ms\tlatency_p95_ms\twords_timed\trtf\n")
    for model in a.models:
        t0 = time.time()
        events = [json.loads(l) for l in run(["transcribe", "--model", model, "--stream", wav] + a.flags).splitlines() if l.strip()]
        elapsed = time.time() - t0
        name = os.path.basename(model.rstrip("/"))
        with open(os.path.join(a.out, f"events-{name}.jsonl"), "w", encoding="utf-8") as f:
            for e in events:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        finals = [e for e in events if e["type"] == "final"]
        hyp_words = " ".join(e["text"] for e in finals).split()
        ref_words = [w for s in spans for w in s[2]]
        wer_stream = wer(ref_words, hyp_words)
        one = run(["eval", "--model", model, "--manifest", utts] + a.flags)
        wer_one = next(float(l.split()[1]) for l in one.splitlines() if l.startswith("%WER"))
        # Latency: each reference utterance with word times, matched to the stream segment its middle falls in.
        by_segment = {}
        for e in events:
            by_segment.setdefault(e["segment"], []).append(e)
        seg_spans = [(e["start"], e["end"], e["segment"]) for e in finals]
        latencies = []
        for (s, t, words, ends) in spans:
            if ends is None:
                continue
            mid = (s + t) / 2
            seg = next((g for (a0, a1, g) in seg_spans if a0 - 0.05 <= mid <= a1 + 0.05), None)
            if seg is None:
                continue
            # The utterance's words sit at the start of their segment only if the segment began with it.
            seg_events = by_segment[seg]
            first_final = next(e for e in seg_events if e["type"] == "final")
            offset = 0
            if abs(first_final["start"] - s) > 0.3:
                continue   # a segment holding more than this utterance: word places are ambiguous
            for i, (w, end) in enumerate(zip(words, ends)):
                said = next((e for e in seg_events if len(e["text"].split()) > i + offset and e["text"].split()[i + offset] == w), None)
                if said is None:
                    continue
                latencies.append(1000 * (said["audio"] - end) + said["compute_ms"])
        latencies.sort()
        med = statistics.median(latencies) if latencies else float("nan")
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else float("nan")
        row = f"{model}\t{' '.join(a.flags) or 'model default'}\t{seconds / 60:.1f}\t{wer_stream:.2f}\t{wer_one:.2f}\t{med:.0f}\t{p95:.0f}\t{len(latencies)}\t{elapsed / seconds:.3f}"
        print(row)
        with open(results, "a") as f:
            f.write(row + "\n")


if __name__ == "__main__":
    main()

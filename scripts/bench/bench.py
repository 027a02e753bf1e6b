#!/usr/bin/env python3
"""Side-by-side benchmarks: ours (asr-bench, timed in-process) against the
reference Python tools (timed in-process here), alternating in one run.

Each case runs R rounds; a round runs ours and the peer (order swapped every
round), each for K repetitions after a warm-up. Reported: median ms per call,
ratio ours/peer (< 1 means we are faster), and whether the outputs agree.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import wave
from datetime import datetime, timezone

import numpy as np


def read_wav_int16(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
    return rate, data


def timed(fn, reps):
    fn()  # warm-up
    times = []
    out = None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times, out


class Case:
    def __init__(self, name, shape, threads, ours, peers):
        self.name, self.shape, self.threads, self.ours, self.peers = name, shape, threads, ours, peers


def ours_features(args, wav, ftype, bins):
    out_npy = os.path.join(args.out, f"ours-{ftype}-{bins}.npy")

    def run(reps):
        p = subprocess.run([args.bin, "features", "--wav", wav, "--type", ftype, "--mel-bins", str(bins),
                            "--reps", str(reps), "--out", out_npy], check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], np.load(out_npy)
    return run


def knf_features(wav, ftype, bins):
    import kaldi_native_fbank as knf
    rate, x = read_wav_int16(wav)

    def compute():
        if ftype == "fbank":
            o = knf.FbankOptions()
            o.mel_opts.num_bins = bins
        else:
            o = knf.MfccOptions()
            o.mel_opts.num_bins = bins
        o.frame_opts.dither = 0
        o.frame_opts.samp_freq = rate
        comp = knf.OnlineFbank(o) if ftype == "fbank" else knf.OnlineMfcc(o)
        comp.accept_waveform(rate, x)
        comp.input_finished()
        return np.stack([comp.get_frame(i) for i in range(comp.num_frames_ready)])

    def run(reps):
        return timed(compute, reps)
    return run


def psf_features(wav, ftype, bins):
    import python_speech_features as psf
    rate, x = read_wav_int16(wav)

    def compute():
        if ftype == "fbank":
            return psf.logfbank(x, samplerate=rate, winlen=0.025, winstep=0.01, nfilt=bins, nfft=512,
                                lowfreq=20, preemph=0.97)
        return psf.mfcc(x, samplerate=rate, winlen=0.025, winstep=0.01, numcep=13, nfilt=bins, nfft=512,
                        lowfreq=20, preemph=0.97, ceplifter=22, appendEnergy=True)

    def run(reps):
        return timed(compute, reps)
    return run


def agree_features(tol, log_domain=True):
    """Max abs difference within `tol`; for log-mel, entries more than 80 dB (18.4 nats)
    below their frame's peak are reported separately: there both float32 tools return
    FFT rounding noise (measured against a float64 computation in scripts/fixtures)."""
    def check(ours, peer):
        if ours.shape != peer.shape:
            return f"NO (shape {ours.shape} vs {peer.shape})"
        diff = np.abs(ours - peer)
        d = float(diff.max())
        if d <= tol:
            return f"yes (max abs diff {d:.1e} ≤ {tol:g})"
        if log_domain:
            depth = peer.max(axis=1, keepdims=True) - peer
            inside = float(diff[depth < 18.4].max())
            if inside <= tol:
                frac = float((diff <= tol).mean()) * 100
                return (f"yes (max abs diff {inside:.1e} ≤ {tol:g} within 80 dB of each frame's peak; "
                        f"{d:.1e} deeper, float32 rounding in both; {frac:.3f}% of all values ≤ {tol:g})")
        return f"NO (max abs diff {d:.1e} > {tol:g})"
    return check


def not_comparable(why):
    return lambda ours, peer: f"n/a ({why})"


def build_cases(args):
    wav = os.path.join(args.out, "speech60s.wav")
    cases = []
    for ftype, bins, tol in [("fbank", 23, 1e-3), ("fbank", 80, 1e-3), ("mfcc", 23, 5e-3)]:
        check = agree_features(tol, log_domain=(ftype == "fbank"))
        shape = f"60 s @ 16 kHz, {bins} mel bins" + (", 13 ceps" if ftype == "mfcc" else "")
        cases.append(Case(f"{ftype} features", shape, 1, ours_features(args, wav, ftype, bins), [
            ("kaldi-native-fbank", knf_features(wav, ftype, bins), check),
            ("python_speech_features", psf_features(wav, ftype, bins),
             not_comparable("different definition: no Kaldi povey window, dither or energy")),
        ]))
    return cases


def machine_info():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {mem}"


def versions():
    import importlib.metadata as md
    out = {"python": platform.python_version()}
    for pkg in ["numpy", "kaldi-native-fbank", "python_speech_features"]:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    try:
        out["swift"] = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except Exception:
        pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    rows = []
    for case in build_cases(args):
        for peer_name, peer_run, agree in case.peers:
            ours_t, peer_t = [], []
            ours_out = peer_out = None
            for r in range(args.rounds):
                order = [("ours", case.ours), ("peer", peer_run)]
                if r % 2:
                    order.reverse()
                for who, fn in order:
                    t, out = fn(args.reps)
                    if who == "ours":
                        ours_t += t
                        ours_out = out
                    else:
                        peer_t += t
                        peer_out = out
            mo, mp = statistics.median(ours_t), statistics.median(peer_t)
            row = dict(case=case.name, shape=case.shape, threads=case.threads, peer=peer_name,
                       ours_ms=mo, peer_ms=mp, ratio=mo / mp, agree=agree(ours_out, peer_out),
                       n=len(ours_t))
            rows.append(row)
            print(f"{case.name:16s} {peer_name:24s} ours {mo:9.2f} ms  peer {mp:9.2f} ms  "
                  f"ratio {mo / mp:6.3f}  {row['agree']}", flush=True)

    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(dict(rows=rows, machine=machine_info(), versions=versions()), f, indent=2)

    v = versions()
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (scripts/bench/run.sh → scripts/bench/bench.py); do not edit by hand.",
        "",
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {machine_info()}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- Method: each case alternates ours and the peer in the same run, {args.rounds} rounds × "
        f"{args.reps} calls after a warm-up; medians of all calls. Ours is timed inside `asr-bench` "
        "(no process start-up or file reading), the peer inside Python (no interpreter start-up or file "
        "reading). Thread counts set with OMP/OPENBLAS/MKL_NUM_THREADS.",
        "- Ratio = ours / peer: below 1 means `asr` is faster.",
        "",
        "| case | shape | threads | peer | ours (ms) | peer (ms) | ratio | outputs agree? |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r['case']} | {r['shape']} | {r['threads']} | {r['peer']} | {r['ours_ms']:.2f} | "
                     f"{r['peer_ms']:.2f} | {r['ratio']:.3f} | {r['agree']} |")
    lines += ["", "Reproduce: `make bench` (installs the peers from PyPI into `.venv-bench/`).", ""]
    with open(os.path.join(args.out, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Old binary against new, in the same run: `scripts/bench/compare.py OLD NEW`.

OLD and NEW are two asr-bench binaries (e.g. a copy of .build/release/asr-bench
made before a change, and the one after). Each case runs R rounds; a round runs
both binaries, the order swapped every round, so drift of a noisy machine
falls on both. Prints the median of each side (over all rounds' timings) and
new/old; outputs (losses, hypotheses) must agree. Needs numpy (for the beam
inputs); no other Python package.

  scripts/bench/compare.py /tmp/old/asr-bench .build/release/asr-bench [--rounds 5] [--only beam,ctc]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np


def run(binary, args):
    p = subprocess.run([binary] + args, check=True, capture_output=True, text=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def beam_inputs(folder, T, V, N, seed):
    """N utterances of peaky log-softmax posteriors [T, V], as .npy [N·T, V]."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(N * T, V)).astype(np.float32)
    z[:, 0] += 3  # blank-heavy, like a trained CTC model
    z -= np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)) + z.max(1, keepdims=True)
    path = os.path.join(folder, f"beam-T{T}-V{V}.npy")
    np.save(path, z.astype(np.float32))
    return path


def peaked_ctc_inputs(folder, T, B, V, L, seed):
    """Logits [T·B, V] × 30 (peaked posteriors, as a trained model's: lattice states
    thousands of nats apart) and targets [B, L], as `asr-bench ctc --inputs` reads them."""
    rng = np.random.default_rng(seed)
    prefix = os.path.join(folder, f"ctc-peaked-T{T}")
    np.save(prefix + "-logits.npy", (30 * rng.normal(0, 1, (T * B, V))).astype(np.float32))
    np.save(prefix + "-targets.npy", rng.integers(1, V, (B, L)).astype(np.float32))
    return prefix


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="asr-compare-")
    b30, b4000 = beam_inputs(tmp, 200, 30, 20, 1), beam_inputs(tmp, 100, 4000, 4, 2)
    peaked = peaked_ctc_inputs(tmp, 1000, 16, 30, 100, 3)
    cases = {
        "ctc T200 V30": ["ctc", "--T", "200", "--V", "30", "--L", "40", "--reps", "5"],
        "ctc T1000 V30 L100": ["ctc", "--T", "1000", "--V", "30", "--L", "100", "--reps", "3"],
        "ctc T1000 V30 L100 peaked": ["ctc", "--inputs", peaked, "--T", "1000", "--B", "16", "--V", "30", "--L", "100", "--reps", "3"],
        "ctc T200 V4000": ["ctc", "--T", "200", "--V", "4000", "--L", "40", "--reps", "3"],
        "beam 16 V30": ["beam", "--inputs", b30, "--T", "200", "--beam", "16", "--reps", "3"],
        "beam 64 V30": ["beam", "--inputs", b30, "--T", "200", "--beam", "64", "--reps", "3"],
        "beam 16 V30 pyctcdecode mode": ["beam", "--inputs", b30, "--T", "200", "--beam", "16", "--compat", "1", "--reps", "3"],
        "beam 16 V4000": ["beam", "--inputs", b4000, "--T", "100", "--beam", "16", "--reps", "3"],
        "greedy V4000": ["beam", "--inputs", b4000, "--T", "100", "--greedy", "1", "--reps", "20"],
        "lstm T200 H256 3 layers": ["lstm", "--T", "200", "--H", "256", "--layers", "3", "--reps", "3"],
        "gru T200 H256 3 layers": ["lstm", "--T", "200", "--H", "256", "--layers", "3", "--cell", "gru", "--reps", "3"],
    }
    only = [s for s in a.only.split(",") if s]
    print(f"{'case':28} {'old ms':>10} {'new ms':>10} {'new/old':>8}  outputs")
    for name, args in cases.items():
        if only and not any(o in name for o in only):
            continue
        times = {"old": [], "new": []}
        outputs = {}
        for r in range(a.rounds):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            for side in order:
                res = run(getattr(a, side), args)
                times[side] += res["times_ms"]
                outputs[side] = res.get("hyps", res.get("loss"))
        mo, mn = statistics.median(times["old"]), statistics.median(times["new"])
        same = outputs["old"] == outputs["new"]
        if not same and isinstance(outputs["old"], float):
            same = abs(outputs["old"] - outputs["new"]) <= 1e-5 * abs(outputs["old"])
            agree = f"loss within 1e-5 relative ({outputs['old']:.6g} / {outputs['new']:.6g})" if same else \
                f"LOSS DIFFERS {outputs['old']} / {outputs['new']}"
        else:
            agree = "identical" if same else "DIFFER"
        print(f"{name:28} {mo:10.2f} {mn:10.2f} {mn / mo:8.2f}  {agree}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

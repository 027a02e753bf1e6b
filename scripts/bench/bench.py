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
    def __init__(self, name, shape, threads, ours, peers, rounds=None, reps=None, audio_seconds=None):
        self.audio_seconds = audio_seconds  # seconds of audio one call covers, for ms per second of audio
        self.name, self.shape, self.threads, self.ours, self.peers = name, shape, threads, ours, peers
        self.rounds, self.reps = rounds, reps


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


def torchaudio_kaldi_features(wav, ftype, bins):
    """Kaldi's fbank/MFCC in torch (the fastest Kaldi-exact Python peer), Kaldi's
    defaults as ours and kaldi-native-fbank use them: no dither, MFCC with the raw
    log-energy (energy floor 0)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import torch
    import torchaudio_kaldi
    kaldi = torchaudio_kaldi.load()
    rate, x = read_wav_int16(wav)
    waveform = torch.from_numpy(x).unsqueeze(0)

    def compute():
        with torch.no_grad():
            if ftype == "fbank":
                f = kaldi.fbank(waveform, num_mel_bins=bins, dither=0.0, sample_frequency=rate)
            else:
                f = kaldi.mfcc(waveform, num_mel_bins=bins, num_ceps=13, dither=0.0, use_energy=True,
                               energy_floor=0.0, sample_frequency=rate)
        return f.numpy()

    def run(reps):
        torch.set_num_threads(1)  # the feature cases run on one thread
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
            ("torchaudio.compliance.kaldi", torchaudio_kaldi_features(wav, ftype, bins), check),
            ("python_speech_features", psf_features(wav, ftype, bins),
             not_comparable("different definition: no Kaldi povey window, dither or energy")),
        ]))
    mv = args.mandarin_v  # the large-vocabulary (Mandarin) cases' V
    for (T, B, V, L) in [(200, 16, 30, 40), (200, 16, mv, 40), (1000, 8, 30, 100)]:
        prefix, logits, targets = ctc_inputs(args, T, B, V, L, seed=T + V)
        for th in (1, 2):
            cases.append(Case("CTC loss fwd+bwd", f"T={T} B={B} V={V} L={L}", th, ours_ctc(args, prefix, T, B, V, L, th), [
                ("torch.nn.functional.ctc_loss", torch_ctc(logits, targets, th), agree_losses(1e-5))]))
    core = os.environ.get("OPENBLAS_CORETYPE")
    variants = [False] + ([True] if core else [])
    for shape in [(300, 16, 80, 256, 3, 30), (150, 32, 80, 128, 2, 30)]:
        T, B, D, H, L, V = shape
        for unset in variants:
            for th in (1, 2):
                label = "BiLSTM train step" + (" (OPENBLAS_CORETYPE unset)" if unset else "")
                cases.append(Case(label, f"{L}×BiLSTM H={H}, D={D}, V={V}, B={B}, T={T}", th,
                                  ours_lstm(args, shape, th, unset),
                                  [("torch.nn.LSTM + Adam", torch_lstm(shape, th), not_comparable("random weights; numerics: fixtures"))],
                                  rounds=3, reps=3))
    for beam in (16, 64):
        path, utts = beam_inputs(args, 500, 30, 20, seed=beam)
        labels = beam_labels(30)
        for compat in (False, True):
            name = "prefix beam search" + (" (pyctcdecode-compatible mode)" if compat else "")
            extra = agreement_sample(args, beam, labels) if compat else None
            peers = [("pyctcdecode", pyctc_beam(utts, beam, labels), agree_beam(utts, labels, extra))]
            if not compat:
                peers.append(("flashlight-text LexiconFreeDecoder", flashlight_beam(utts, beam, labels), agree_beam(utts, labels)))
            cases.append(Case(name, f"beam {beam}, 20 utts × T=500, V=30", 1,
                              ours_beam(args, path, 500, beam, labels, compat), peers))
    for beam_V in (30, mv):
        path, utts = beam_inputs(args, 500, beam_V, 20, seed=3 + beam_V)
        labels = beam_labels(beam_V)
        cases.append(Case("greedy decoding", f"20 utts × T=500, V={beam_V}", 1, ours_greedy(args, path, 500, labels),
                          [("numpy argmax + itertools.groupby", numpy_greedy(utts, labels), agree_texts),
                           ("memory-read bound: one streaming max over the same floats (asr_vmax)", read_bound(args, path, 500),
                            not_comparable("a bound, not a decoder"))]))
    for name, H, L, V in (("digits", 128, 2, 17), ("mandarin", 256, 2, 1668)):  # V of recipes/mandarin.json's 1,667 characters + blank
        model = make_model(args, wav, name, H, L, V)
        for th in (1, 2):
            cases.append(Case("inference (features → BiLSTM → greedy)",
                              f"60 s of speech, {name} recipe shape: {L}×BiLSTM H={H}, 40 fbank × 3 stacked, V={V}", th,
                              ours_infer(args, model, wav, th),
                              [("kaldi-native-fbank + torch.nn.LSTM", torch_infer(model, wav, th), agree_infer)],
                              rounds=3, reps=3))
    lm = lm_inputs(args)
    for beam in (16, 64):
        cases.append(Case("prefix beam search + word 3-gram LM", f"beam {beam}, 20 utts × T={lm['T']}, V=30, α 0.5, β 1", 1,
                          ours_beam_lm(args, lm, beam), [
                              ("pyctcdecode + kenlm", pyctc_beam_lm(lm, beam), agree_lm(lm)),
                              ("flashlight-text LexiconDecoder + KenLM", flashlight_beam_lm(lm, beam),
                               agree_lm(lm, "flashlight-text", "; flashlight spells only the LM's words, each ended by a space"))]))
        # The comparable setting: ours also spelling only the LM's words (decode.lexicon_from_lm).
        cases.append(Case("prefix beam search + word 3-gram LM + the LM's words as lexicon",
                          f"beam {beam}, 20 utts × T={lm['T']}, V=30, α 0.5, β 1", 1, ours_beam_lm(args, lm, beam, lexicon=True), [
                              ("flashlight-text LexiconDecoder + KenLM", flashlight_beam_lm(lm, beam),
                               agree_lm(lm, "flashlight-text", "; both spell only the LM's words; flashlight's last word needs a space after it"))]))
    for name, arpa, sentences, unit in arpa_inputs(args, lm):
        cases.append(Case("ARPA n-gram LM: read, then score 200 sentences", name, 1, ours_arpa(args, arpa, sentences, unit),
                          [("kenlm.Model", kenlm_arpa(arpa, sentences, unit), agree_scores(1e-3))], rounds=3, reps=1))
    rp, hp, refs, hyps = score_inputs(args)
    cases.append(Case("WER scoring", "10,000 pairs × 20 words", 1, ours_score(args, rp, hp),
                      [("jiwer.process_words", jiwer_score(refs, hyps), agree_counts)]))
    path, utts = beam_inputs(args, 500, mv, 2, seed=7)
    labels = beam_labels(mv)
    cases.append(Case("prefix beam search (pyctcdecode-compatible mode)", f"Mandarin V={mv}, beam 16, 2 utts × T=500 (15 s at 30 ms/frame)", 1,
                      ours_beam(args, path, 500, 16, labels, True),
                      [("pyctcdecode", pyctc_beam(utts, 16, labels), agree_beam(utts, labels))], audio_seconds=30.0))
    return cases



# ---------------------------------------------------------------- CTC loss
def ctc_inputs(args, T, B, V, L, seed):
    prefix = os.path.join(args.out, f"ctc-{T}-{B}-{V}-{L}")
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1, (T, B, V)).astype(np.float32)
    targets = rng.integers(1, V, (B, L))
    np.save(prefix + "-logits.npy", logits.reshape(T * B, V))
    np.save(prefix + "-targets.npy", targets.astype(np.float32))
    return prefix, logits, targets


def ours_ctc(args, prefix, T, B, V, L, threads):
    def run(reps):
        p = subprocess.run([args.bin, "ctc", "--inputs", prefix, "--T", str(T), "--B", str(B), "--V", str(V),
                            "--L", str(L), "--reps", str(reps), "--threads", str(threads), "--out", prefix + "-ours"],
                           check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], np.load(prefix + "-ours-losses.npy").reshape(-1)
    return run


def torch_ctc(logits, targets, threads):
    import torch
    T, B, V = logits.shape
    z0 = torch.from_numpy(logits)
    tg = torch.from_numpy(targets)
    il = torch.full((B,), T, dtype=torch.long)
    tl = torch.full((B,), targets.shape[1], dtype=torch.long)

    def compute():
        torch.set_num_threads(threads)
        z = z0.clone().requires_grad_()
        loss = torch.nn.functional.ctc_loss(z.log_softmax(2), tg, il, tl, reduction="none")
        loss.sum().backward()
        return loss.detach().numpy()

    def run(reps):
        return timed(compute, reps)
    return run


def agree_losses(tol):
    def check(ours, peer):
        rel = float(np.max(np.abs(ours - peer) / np.abs(peer)))
        return f"{'yes' if rel <= tol else 'NO'} (losses: max relative diff {rel:.1e})"
    return check


# ---------------------------------------------------------------- LSTM training step
def ours_lstm(args, shape, threads, unset_coretype=False):
    T, B, D, H, L, V = shape
    env = dict(os.environ)
    if unset_coretype:
        env.pop("OPENBLAS_CORETYPE", None)

    def run(reps):
        p = subprocess.run(env=env, args=[args.bin, "lstm", "--T", str(T), "--B", str(B), "--D", str(D), "--H", str(H),
                            "--layers", str(L), "--V", str(V), "--reps", str(reps), "--threads", str(threads)],
                           check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], res
    return run


def torch_lstm(shape, threads):
    T, B, D, H, L, V = shape
    code = f"""
import json, resource, time, torch
torch.manual_seed(0); torch.set_num_threads({threads})
m = torch.nn.LSTM({D}, {H}, {L}, bidirectional=True); fc = torch.nn.Linear({2 * H}, {V})
opt = torch.optim.Adam(list(m.parameters()) + list(fc.parameters()), lr=1e-4)
x = torch.randn({T}, {B}, {D}); R = torch.randn({T}, {B}, {V}) * 1e-3
def step():
    y, _ = m(x); z = fc(y); loss = (z * R).sum(); opt.zero_grad(); loss.backward(); opt.step()
step()
ts = []
for _ in range(REPS):
    t = time.perf_counter(); step(); ts.append((time.perf_counter() - t) * 1e3)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(json.dumps(dict(times_ms=ts, max_rss_mb=int(hwm) / 1024)))
"""

    def run(reps):
        p = subprocess.run([sys.executable, "-c", code.replace("REPS", str(reps))], check=True, capture_output=True,
                           text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], res
    return run


# ---------------------------------------------------------------- greedy decoding
def ours_greedy(args, path, T, labels):
    def run(reps):
        p = subprocess.run([args.bin, "beam", "--inputs", path, "--T", str(T), "--greedy", "1", "--reps", str(reps),
                            "--threads", "1"], check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], ["".join(labels[i] for i in h) for h in res["hyps"]]
    return run


def read_bound(args, path, T):
    """The greedy case's floats read once by the max kernel alone (argmax's first pass, 1
    thread, nothing per frame): how close to the machine's memory bandwidth greedy runs."""
    def run(reps):
        p = subprocess.run([args.bin, "beam", "--inputs", path, "--T", str(T), "--read-only", "1", "--reps", str(reps),
                            "--threads", "1"], check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], res["gb_per_s"]
    return run


def numpy_greedy(utts, labels):
    import itertools

    def compute():
        out = []
        for u in utts:
            ids = [k for k, _ in itertools.groupby(u.argmax(1).tolist()) if k != 0]
            out.append("".join(labels[i] for i in ids))
        return out

    def run(reps):
        return timed(compute, reps)
    return run


def agree_texts(ours, peer):
    same = sum(a == b for a, b in zip(ours, peer))
    return f"{'yes' if same == len(peer) == len(ours) else 'NO'} ({same}/{len(peer)} identical)"


# ---------------------------------------------------------------- beam search with an LM
LM_WORDS = ("the a of to and in is it that was for on are with as his they be at one have this from or had by hot "
            "word but what some we can out other were all there when up use your how said an each she which do their "
            "time if will way about many then them write would like so these her long make thing see him two has look "
            "more day could go come did number sound no most people my over know water than call first who may down side").split()


def lm_inputs(args, n_train=4000, n_test=20, seed=11):
    """Sentences from a random bigram chain over 100 English words; a word 3-gram ARPA
    built from 4,000 of them by `asr lm build`; CTC log-probs for 20 more, spelled
    along each sentence's characters with noise that makes greedy decoding err."""
    rng = np.random.default_rng(seed)
    W = len(LM_WORDS)
    succ = [rng.choice(W, 6, replace=False) for _ in range(W)]

    def sentence():
        w = int(rng.integers(W))
        out = [w]
        for _ in range(int(rng.integers(4, 10))):
            w = int(succ[w][rng.integers(6)]) if rng.random() < 0.9 else int(rng.integers(W))
            out.append(w)
        return " ".join(LM_WORDS[i] for i in out)
    train = [sentence() for _ in range(n_train)]
    test = [sentence() for _ in range(n_test)]
    d = os.path.join(args.out, "lm")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "train.txt"), "w") as f:
        f.write("\n".join(train) + "\n")
    asr = os.path.join(os.path.dirname(args.bin), "asr")
    arpa = os.path.join(d, "words3.arpa")
    subprocess.run([asr, "lm", "build", os.path.join(d, "train.txt"), "--order", "3", "--out", arpa],
                   check=True, capture_output=True, text=True)
    labels = beam_labels(30)
    index = {c: i for i, c in enumerate(labels)}
    paths = []
    for text in test:
        path, prev = [], None
        for c in text:
            k = index[c]
            if k == prev or rng.random() < 0.5:
                path += [0] * int(rng.integers(1, 3))
            path += [k] * int(rng.integers(1, 4))
            prev = k
        paths.append(path)
    T = max(len(p) for p in paths) + 4
    utts = []
    for path in paths:
        path = path + [0] * (T - len(path))
        x = rng.normal(0, 1, (T, 30))
        for t, k in enumerate(path):
            x[t, k] += rng.uniform(1.5, 5.0)
        x = x - np.log(np.exp(x).sum(1, keepdims=True))
        utts.append(x.astype(np.float32))
    npy = os.path.join(d, "logprobs.npy")
    np.save(npy, np.concatenate(utts))
    with open(os.path.join(d, "labels.json"), "w") as f:
        json.dump(labels, f)
    return dict(T=T, utts=utts, truth=test, arpa=arpa, npy=npy, labels=labels, unigrams=sorted(set(LM_WORDS)),
                label_file=os.path.join(d, "labels.json"))


def ours_beam_lm(args, lm, beam, lexicon=False):
    def run(reps):
        p = subprocess.run([args.bin, "beam", "--inputs", lm["npy"], "--T", str(lm["T"]), "--beam", str(beam), "--min-logp", "-5",
                            "--beam-prune", "-10", "--reps", str(reps), "--threads", "1", "--lm", lm["arpa"],
                            "--alpha", "0.5", "--beta", "1.0", "--labels", lm["label_file"],
                            "--lexicon-from-lm", "1" if lexicon else "0"],
                           check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], ["".join(lm["labels"][i] for i in h) for h in res["hyps"]]
    return run


def pyctc_beam_lm(lm, beam):
    import logging
    logging.getLogger("pyctcdecode").setLevel(logging.ERROR)
    from pyctcdecode import build_ctcdecoder
    dec = build_ctcdecoder(lm["labels"], kenlm_model_path=lm["arpa"], unigrams=lm["unigrams"], alpha=0.5, beta=1.0)

    def compute():
        return [dec.decode(u, beam_width=beam, beam_prune_logp=-10.0, token_min_logp=-5.0) for u in lm["utts"]]

    def run(reps):
        return timed(compute, reps)
    return run


def flashlight_beam_lm(lm, beam):
    """flashlight-text's LexiconDecoder (the decoder behind torchaudio's
    ctc_decoder(lexicon=..., lm=...)) with the same word 3-gram ARPA through its
    KenLM wrapper, on the same log-probs.

    Weights. Ours and pyctcdecode rank a prefix by acoustic log-prob (natural log)
    + α·Σ ln p(word | history) + β·words, α 0.5, β 1, the last word and </s> scored
    at the end. flashlight adds lm_weight × KenLM's log10 scores and word_score per
    word, the same way, so lm_weight = α·ln 10 ≈ 1.151 and word_score = β = 1;
    sil_score 0 (a space costs its log-prob only, as in ours).

    Lexicon. With a word LM flashlight needs one: each word of the LM's vocabulary
    (the unigram list pyctcdecode gets) spelt in the labels and ended by the
    space, the space as its silence token (torchaudio's lexicon form "the t h e |"),
    unk_score −∞. So it can only emit vocabulary words, and only with a space
    between them; ours and pyctcdecode spell any characters (a partial word that
    begins no vocabulary word costs −10, a finished out-of-vocabulary word is
    scored as <unk>). The lexicon trie carries each word's unigram log10 p,
    smeared by max (SmearingMode.MAX) to the word's prefixes: partial words are
    charged that look-ahead as they grow (undone when the word is scored), where
    pyctcdecode and ours charge a partial word nothing unless it is outside the
    vocabulary. A word counts once its space is read, and flashlight ends on a
    whole word if any hypothesis in the beam does: the last word needs a space
    after it that these inputs do not have (a blank frame of the tail has to
    read as one), or, if none ends so, it stays in the text unscored (no LM
    score, no word score). Ours and pyctcdecode score a last word without a space.

    Search, as flashlight_beam: every token tried each frame (beam_size_token = V;
    ours and pyctcdecode: tokens above log-prob −5, --min-logp), beams 10 below
    the best dropped (--beam-prune −10), hypotheses with the same words, trie node
    and last token merged by log-add; one that ends in blank and one that ends in
    a letter take a beam slot each (as pyctcdecode's). Text from the best
    hypothesis' tokens, repeats merged and blanks dropped. Setup (KenLM load, the
    trie) is outside the timing, as pyctcdecode's build_ctcdecoder is."""
    import math
    from flashlight.lib.text.decoder import (CriterionType, LexiconDecoder, LexiconDecoderOptions, SmearingMode,
                                             Trie)
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import create_word_dict
    labels = lm["labels"]
    index = {c: i for i, c in enumerate(labels)}
    sep, blank = index[" "], 0
    lexicon = {w: [list(w) + [" "]] for w in lm["unigrams"]}
    lexicon["<unk>"] = []  # as flashlight's load_words adds it: the word dictionary's default entry, never spelt
    words = create_word_dict(lexicon)
    klm = KenLM(lm["arpa"], words)
    no_context = klm.start(True)
    trie = Trie(len(labels), sep)
    for w, spellings in lexicon.items():
        k = words.get_index(w)
        _, unigram = klm.score(no_context, k)
        for s in spellings:
            trie.insert([index[c] for c in s], k, unigram)
    trie.smear(SmearingMode.MAX)
    opts = LexiconDecoderOptions(beam_size=beam, beam_size_token=len(labels), beam_threshold=10.0,
                                 lm_weight=0.5 * math.log(10), word_score=1.0, unk_score=-math.inf, sil_score=0.0,
                                 log_add=True, criterion_type=CriterionType.CTC)
    dec = LexiconDecoder(opts, trie, klm, sep, blank, words.get_index("<unk>"), [], False)

    def text(u):
        return flashlight_text(dec, u, labels)

    def compute():
        return [text(u) for u in lm["utts"]]

    def run(reps):
        return timed(compute, reps)
    return run


def agree_lm(lm, peer_name="pyctcdecode", note=""):
    """Texts identical to ours (spaces normalised); where they differ, which text
    has the higher score that ours ranks by (ln p(text | x), the sum over all its
    CTC alignments, + α·ln 10·log10 p(words + </s>) by kenlm + β per word, α 0.5,
    β 1): the better search under the one objective; and the word error rate of
    ours, the peer and greedy decoding against the sentences the inputs were spelt
    from. "yes" if all identical, "close" if the two WERs are within 1 point."""
    import itertools
    import math
    import jiwer
    import kenlm
    import torch
    model = kenlm.Model(lm["arpa"])
    index = {c: i for i, c in enumerate(lm["labels"])}

    def score(text, u):
        ids = [index[c] for c in text]
        if ids:
            ac = -float(torch.nn.functional.ctc_loss(torch.from_numpy(u)[:, None, :], torch.tensor([ids]),
                                                     torch.tensor([u.shape[0]]), torch.tensor([len(ids)]), reduction="sum"))
        else:
            ac = float(np.sum(u[:, 0]))
        return ac + 0.5 * math.log(10) * model.score(text, bos=True, eos=True) + 1.0 * len(text.split())

    def check(ours, peer):
        norm = [" ".join(t.split()) for t in ours], [" ".join(t.split()) for t in peer]
        same = sum(a == b for a, b in zip(*norm))
        better = sum(score(a, u) >= score(b, u) for a, b, u in zip(*norm, lm["utts"]) if a != b)
        greedy = []
        for u in lm["utts"]:
            ids = [k for k, _ in itertools.groupby(u.argmax(1).tolist()) if k != 0]
            greedy.append(" ".join("".join(lm["labels"][i] for i in ids).split()))
        w = [100 * jiwer.wer(lm["truth"], h) for h in (norm[0], norm[1], greedy)]
        verdict = "yes" if same == len(peer) else ("close" if abs(w[0] - w[1]) <= 1.0 else "NO")
        others = f"; in the {len(peer) - same} others ours has the higher α/β score in {better}" if same < len(peer) else ""
        return (f"{verdict} ({same}/{len(peer)} identical{others}; WER against the true text: ours {w[0]:.1f}%, "
                f"{peer_name} {w[1]:.1f}%, greedy without LM {w[2]:.1f}%{note})")
    return check


def arpa_inputs(args, lm, seed=13):
    """The word 3-gram of the LM cases, and a character 5-gram (`asr lm build --unit
    char --order 5`) of 60,000 sentences drawn from a random chain over 1,000
    characters: the Mandarin recipe's kind of model, about a third of its size."""
    rng = np.random.default_rng(seed)
    d = os.path.join(args.out, "lm")
    chars = [chr(0x4E00 + i) for i in range(1000)]
    succ = [rng.choice(1000, 12, replace=False) for _ in range(1000)]

    def sentence():
        c = int(rng.integers(1000))
        out = [c]
        for _ in range(int(rng.integers(3, 12))):
            c = int(succ[c][rng.integers(12)]) if rng.random() < 0.85 else int(rng.integers(1000))
            out.append(c)
        return "".join(chars[i] for i in out)
    text = os.path.join(d, "chars.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("\n".join(sentence() for _ in range(60000)) + "\n")
    arpa = os.path.join(d, "chars5.arpa")
    asr = os.path.join(os.path.dirname(args.bin), "asr")
    subprocess.run([asr, "lm", "build", text, "--order", "5", "--unit", "char", "--out", arpa],
                   check=True, capture_output=True, text=True)
    char_sents = os.path.join(d, "chars-test.txt")
    with open(char_sents, "w", encoding="utf-8") as f:
        f.write("\n".join(sentence() for _ in range(200)) + "\n")
    word_sents = os.path.join(d, "words-test.txt")
    with open(word_sents, "w") as f:
        f.write("\n".join((lm["truth"] * 10)[:200]) + "\n")
    mb = lambda p: os.path.getsize(p) / 1e6
    return [(f"word 3-gram, {mb(lm['arpa']):.1f} MB", lm["arpa"], word_sents, "word"),
            (f"character 5-gram, {mb(arpa):.0f} MB", arpa, char_sents, "char")]


def ours_arpa(args, arpa, sentences, unit):
    def run(reps):
        p = subprocess.run([args.bin, "arpa", "--path", arpa, "--sentences", sentences, "--unit", unit, "--reps", str(reps)],
                           check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], res["scores"]
    return run


def kenlm_arpa(arpa, sentences, unit):
    import kenlm
    lines = open(sentences, encoding="utf-8").read().splitlines()
    lines = [" ".join(l) if unit == "char" else l for l in lines]
    out = {}

    def compute():
        out["model"] = kenlm.Model(arpa)  # the probing hash table, as pyctcdecode loads it
        return [out["model"].score(l, bos=True, eos=True) for l in lines]

    def run(reps):
        return timed(compute, reps)
    return run


def agree_scores(tol):
    def check(ours, peer):
        d = max(abs(a - b) for a, b in zip(ours, peer))
        return f"{'yes' if d <= tol else 'NO'} (sentence log10 p: max |difference| {d:.1e}, tolerance {tol:g})"
    return check


# ---------------------------------------------------------------- inference
def make_model(args, wav, name, H, L, V):
    d = os.path.join(args.out, f"model-{name}")
    subprocess.run([args.bin, "make-model", "--dir", d, "--wav", wav, "--H", str(H), "--layers", str(L), "--V", str(V)],
                   check=True, capture_output=True, text=True)
    return d


def ours_infer(args, model, wav, threads):
    out = os.path.join(model, f"logprobs-{threads}.npy")

    def run(reps):
        p = subprocess.run([args.bin, "infer", "--model", model, "--wav", wav, "--reps", str(reps), "--threads", str(threads),
                            "--out", out], check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        res["logprobs"] = np.load(out)
        return res["times_ms"], res
    return run


def torch_infer(model, wav, threads):
    """The same pipeline from the reference parts: kaldi-native-fbank features, the
    model.json CMVN, frame stacking, our safetensors loaded into torch.nn.LSTM + Linear,
    log-softmax, greedy."""
    import itertools
    import kaldi_native_fbank as knf
    import torch
    from safetensors.torch import load_file
    info = json.load(open(os.path.join(model, "model.json")))
    m = info["model"]
    D, H, L, k, V = info["input_size"], m["hidden_size"], m["num_layers"], m["frame_stacking"], len(info["tokens"])
    cm = info["cmvn"]
    mean = (np.array(cm["sum"]) / cm["count"]).astype(np.float32)
    sd = load_file(os.path.join(model, "model.safetensors"))
    lstm = torch.nn.LSTM(D * k, H, L, bidirectional=True)
    fc = torch.nn.Linear(2 * H, V)
    lstm.load_state_dict({n[5:]: v for n, v in sd.items() if n.startswith("lstm.")}, strict=True)
    fc.load_state_dict({n[3:]: v for n, v in sd.items() if n.startswith("fc.")}, strict=True)
    rate, x = read_wav_int16(wav)
    tokens = info["tokens"]

    def compute():
        torch.set_num_threads(threads)
        o = knf.FbankOptions()
        o.mel_opts.num_bins = D
        o.frame_opts.dither = 0
        comp = knf.OnlineFbank(o)
        comp.accept_waveform(rate, x)
        comp.input_finished()
        f = np.stack([comp.get_frame(i) for i in range(comp.num_frames_ready)]) - mean
        T = f.shape[0]
        T2 = -(-T // k)
        f = np.concatenate([f, np.zeros((T2 * k - T, D), np.float32)]).reshape(T2, 1, k * D)
        with torch.inference_mode():
            y, _ = lstm(torch.from_numpy(f))
            z = torch.log_softmax(fc(y[:, 0]), -1)
        ids = [i for i, _ in itertools.groupby(z.argmax(1).tolist()) if i != 0]
        return dict(logprobs=z.numpy(), text="".join(tokens[i] for i in ids))

    def run(reps):
        return timed(compute, reps)
    return run


def agree_infer(ours, peer):
    a, b = ours["logprobs"], peer["logprobs"]
    if a.shape != b.shape:
        return f"NO (shapes {a.shape} vs {b.shape})"
    diff = float(np.abs(a - b).max())
    path = float((a.argmax(1) == b.argmax(1)).mean())
    ok = diff <= 1e-3 and ours["text"] == peer["text"]
    return (f"{'yes' if ok else 'NO'} (log-probs max abs diff {diff:.1e} ≤ 1e-3, greedy text "
            f"{'identical' if ours['text'] == peer['text'] else 'differs'}, {100 * path:.1f}% of frames same argmax; "
            f"random weights); ours RTF {statistics.median(ours['times_ms']) / 1e3 / ours['seconds']:.4f}")


# ---------------------------------------------------------------- beam search
def beam_inputs(args, T, V, N, seed, lo=4.0, hi=8.0):
    rng = np.random.default_rng(seed)
    utts = []
    for _ in range(N):
        path = []
        while len(path) < T:
            tok = int(rng.integers(1, V)) if rng.random() < 0.5 else 0
            path += [tok] * int(rng.integers(1, 5))
        x = rng.normal(0, 1, (T, V))
        for t, p in enumerate(path[:T]):
            x[t, p] += rng.uniform(lo, hi)
        x = x - np.log(np.exp(x).sum(1, keepdims=True))
        utts.append(x.astype(np.float32))
    path = os.path.join(args.out, f"beam-{T}-{V}-{N}-{seed}.npy")
    np.save(path, np.concatenate(utts))
    return path, utts


def beam_labels(V):
    if V == 30:
        return ["", " "] + [chr(ord("a") + i) for i in range(26)] + ["'", "-"]
    return [""] + [chr(0x4E00 + i) for i in range(V - 1)]


def ours_beam(args, path, T, beam, labels, compat=False):
    def run(reps):
        p = subprocess.run([args.bin, "beam", "--inputs", path, "--T", str(T), "--beam", str(beam), "--min-logp", "-5",
                            "--beam-prune", "-10", "--reps", str(reps), "--threads", "1"] + (["--compat", "1"] if compat else []),
                           check=True, capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], ["".join(labels[i] for i in h) for h in res["hyps"]]
    return run


def pyctc_beam(utts, beam, labels):
    import logging
    logging.getLogger("pyctcdecode").setLevel(logging.ERROR)
    from pyctcdecode import build_ctcdecoder
    dec = build_ctcdecoder(labels)

    def compute():
        return [dec.decode(u, beam_width=beam, beam_prune_logp=-10.0, token_min_logp=-5.0) for u in utts]

    def run(reps):
        return timed(compute, reps)
    return run


def flashlight_text(dec, u, labels):
    """The best hypothesis of a flashlight-text decoder on log-probs u, as text (repeats
    merged, blanks dropped)."""
    import itertools
    u = np.ascontiguousarray(u, dtype=np.float32)
    best = dec.decode(u.ctypes.data, u.shape[0], u.shape[1])[0]
    ids = [k for k, _ in itertools.groupby(best.tokens)]
    return "".join(labels[i] for i in ids if 0 < i < len(labels))


def flashlight_beam(utts, beam, labels):
    """flashlight-text's lexicon-free beam search (the decoder behind torchaudio's
    ctc_decoder) without an LM (ZeroLM: a state per token history, so prefixes merge
    only when equal), hypotheses merged by log-add as a prefix search does, every
    token tried each frame (beam_size_token = V), beams 10 nats below the best dropped
    (ours: --beam-prune -10)."""
    from flashlight.lib.text.decoder import CriterionType, LexiconFreeDecoder, LexiconFreeDecoderOptions, ZeroLM
    opts = LexiconFreeDecoderOptions(beam_size=beam, beam_size_token=len(labels), beam_threshold=10.0,
                                     lm_weight=0.0, sil_score=0.0, log_add=True, criterion_type=CriterionType.CTC)
    sil = labels.index(" ") if " " in labels else 0
    dec = LexiconFreeDecoder(opts, ZeroLM(), sil, 0, [])

    def text(u):
        return flashlight_text(dec, u, labels)

    def compute():
        return [text(u) for u in utts]

    def run(reps):
        return timed(compute, reps)
    return run


def agreement_sample(args, beam, labels, N=300, T=200):
    """Outputs on a further 300 random utterances (T=200; half peaked +4…8 nats, half
    flat +2…6), ours in the compatible mode and pyctcdecode's, untimed: the agreement
    claim rests on more than the 20 timed utterances."""
    def run():
        pairs = []
        for lo, hi, seed in ((4.0, 8.0, 100 + beam), (2.0, 6.0, 200 + beam)):
            path, utts = beam_inputs(args, T, 30, N // 2, seed=seed, lo=lo, hi=hi)
            ours = ours_beam(args, path, T, beam, labels, True)(1)[1]
            peer = pyctc_beam(utts, beam, labels)(1)[1]
            pairs += list(zip(ours, peer))
        return pairs
    return run


def agree_beam(utts, labels, extra=None):
    import torch
    index = {c: i for i, c in enumerate(labels)}

    def logp(text, u):
        ids = [index[c] for c in text]
        if not ids:
            return float(np.sum(u[:, 0]))
        return -float(torch.nn.functional.ctc_loss(torch.from_numpy(u)[:, None, :], torch.tensor([ids]),
                                                   torch.tensor([u.shape[0]]), torch.tensor([len(ids)]),
                                                   reduction="sum"))

    def check(ours, peer):
        norm = lambda s: " ".join(s.split())
        same = sum(norm(a) == norm(b) for a, b in zip(ours, peer))
        better = sum(logp(a, u) >= logp(b, u) for a, b, u in zip(ours, peer, utts) if norm(a) != norm(b))
        n = len(utts)
        verdict = "yes" if same == n else ("mostly" if same >= 0.9 * n else "NO")
        note = f"; in the {n - same} others ours has the higher p(text|x) in {better}" if same < n else ""
        if extra is not None:
            pairs = extra()
            k = sum(norm(a) == norm(b) for a, b in pairs)
            note += f"; {k}/{len(pairs)} on a further sample of peaked and flat inputs, T=200"
            if k < len(pairs):
                verdict = "mostly" if k >= 0.99 * len(pairs) and verdict == "yes" else "NO"
        return f"{verdict} ({same}/{n} identical{note})"
    return check


# ---------------------------------------------------------------- WER scoring
def score_inputs(args, n=10000, words=20, seed=5):
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(50)]
    refs, hyps = [], []
    for _ in range(n):
        r = list(rng.choice(vocab, words))
        h = list(r)
        for _ in range(int(rng.integers(0, 5))):
            op, k = rng.integers(0, 3), int(rng.integers(0, len(h) + 1))
            if op == 0 and h:
                h[k % len(h)] = str(rng.choice(vocab))
            elif op == 1 and h:
                del h[k % len(h)]
            else:
                h.insert(k, str(rng.choice(vocab)))
        refs.append(" ".join(r))
        hyps.append(" ".join(h))
    rp, hp = os.path.join(args.out, "score-ref.txt"), os.path.join(args.out, "score-hyp.txt")
    open(rp, "w").write("\n".join(refs) + "\n")
    open(hp, "w").write("\n".join(hyps) + "\n")
    return rp, hp, refs, hyps


def ours_score(args, rp, hp):
    def run(reps):
        p = subprocess.run([args.bin, "score", "--ref", rp, "--hyp", hp, "--reps", str(reps)], check=True,
                           capture_output=True, text=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        return res["times_ms"], res["counts"]
    return run


def jiwer_score(refs, hyps):
    import jiwer

    def compute():
        o = jiwer.process_words(refs, hyps)
        return [o.hits, o.substitutions, o.deletions, o.insertions]

    def run(reps):
        return timed(compute, reps)
    return run


def agree_counts(ours, peer):
    return f"{'yes' if list(ours) == list(peer) else 'NO'} (H/S/D/I {list(ours)} vs {list(peer)})"


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
    for pkg in ["numpy", "kaldi-native-fbank", "python_speech_features", "torch", "torchaudio", "safetensors", "pyctcdecode", "kenlm", "jiwer", "flashlight-text"]:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    try:
        out["swift"] = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except Exception:
        pass
    return out


def ratio_chart(rows):
    """Horizontal bars of ours/peer on a log axis (0.01…10), 1 marked; green = faster."""
    import html
    import math
    left, right, top, bar, gap = 430, 70, 40, 14, 5
    width = 1000
    height = top + len(rows) * (bar + gap) + 50
    lo, hi = 0.01, 10.0

    def x(r):
        r = min(max(r, lo), hi)
        return left + (math.log10(r) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * (width - left - right)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14" font-weight="600">Time ours / time peer (log scale; left of 1 = asr faster)</text>']
    axis_y = top + len(rows) * (bar + gap)
    for t in (0.01, 0.03, 0.1, 0.3, 1, 3, 10):
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top - 6}" y2="{axis_y}" stroke="{"#444" if t == 1 else "#ddd"}"/>')
        out.append(f'<text x="{x(t):.1f}" y="{axis_y + 14}" text-anchor="middle">{t:g}</text>')
    out.append(f'<text x="{(left + width - right) / 2:.0f}" y="{axis_y + 32}" text-anchor="middle">ratio (ours ÷ peer)</text>')
    for i, r in enumerate(rows):
        y = top + i * (bar + gap)
        label = f"{r['case']} · {r['shape']} · {r['threads']}T vs {r['peer']}"
        if len(label) > 78:
            label = label[:77] + "…"
        color = "#009E73" if r["ratio"] < 1 else "#D55E00"
        out.append(f'<text x="{left - 6}" y="{y + bar - 3}" text-anchor="end">{html.escape(label)}</text>')
        x0, x1 = sorted((x(1), x(r["ratio"])))
        out.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar}" fill="{color}"/>')
        out.append(f'<text x="{max(x(1), x(r["ratio"])) + 4:.1f}" y="{y + bar - 3}">{r["ratio"]:.3g}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    ap.add_argument("--mandarin-v", type=int, default=4000,
                    help="V of the large-vocabulary cases (CTC, greedy, Mandarin beam); recipes/mandarin.json has 1668")
    args = ap.parse_args()
    started = time.monotonic()
    p = subprocess.run([args.bin, "sgemm", "--threads", "1"], check=True, capture_output=True, text=True)
    sg = json.loads(p.stdout)
    args.peak, args.core = sg["gflops"], sg["core"]
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    p = subprocess.run([args.bin, "sgemm", "--threads", "1"], check=True, capture_output=True, text=True, env=env)
    sg = json.loads(p.stdout)
    args.peak_auto, args.core_auto = sg["gflops"], sg["core"]
    print(f"sgemm peak (1 thread, OpenBLAS {args.core} kernels): {args.peak:.0f} GFLOP/s; "
          f"with its own detection ({args.core_auto}): {args.peak_auto:.0f}", flush=True)

    rows = []
    for case in build_cases(args):
        if args.only and args.only not in case.name:
            continue
        for peer_name, peer_run, agree in case.peers:
            ours_t, peer_t = [], []
            ours_out = peer_out = None
            rounds, reps = case.rounds or args.rounds, case.reps or args.reps
            for r in range(rounds):
                order = [("ours", case.ours), ("peer", peer_run)]
                if r % 2:
                    order.reverse()
                for who, fn in order:
                    t, out = fn(reps)
                    if who == "ours":
                        ours_t += t
                        ours_out = out
                    else:
                        peer_t += t
                        peer_out = out
            mo, mp = statistics.median(ours_t), statistics.median(peer_t)
            agree_text = agree(ours_out, peer_out)
            if isinstance(ours_out, dict) and "gflop_per_step" in ours_out:
                gf = ours_out["gflop_per_step"]
                peak = args.peak_auto if "unset" in case.name else args.peak
                agree_text += (f"; ours {gf / (mo / 1e3):.0f} GFLOP/s = {100 * gf / (mo / 1e3) / (peak * case.threads):.0f}% "
                               f"of {case.threads}-core sgemm peak; max RSS ours {ours_out.get('max_rss_mb', 0):.0f} MB, "
                               f"peer {peer_out.get('max_rss_mb', 0):.0f} MB")
            if case.audio_seconds:
                agree_text += f"; ours {mo / case.audio_seconds:.2f} ms, peer {mp / case.audio_seconds:.2f} ms per second of audio"
            row = dict(case=case.name, shape=case.shape, threads=case.threads, peer=peer_name,
                       ours_ms=mo, peer_ms=mp, ratio=mo / mp, agree=agree_text, n=len(ours_t))
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
        f"- Machine: {machine_info()}. OpenBLAS sgemm on one core: {args.peak:.0f} GFLOP/s with the "
        f"{args.core} kernels this environment selects (`OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}`), "
        f"{args.peak_auto:.0f} GFLOP/s with OpenBLAS's own choice ({args.core_auto}, AVX-512). PyTorch uses oneDNN/MKL "
        "AVX-512 kernels whatever that variable says, so the LSTM rows are shown both ways.",
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
    minutes = (time.monotonic() - started) / 60
    lines += ["", f"Reproduce: `make bench` (installs the peers from PyPI into `.venv-py/`; this run took {minutes:.0f} minutes, "
              "most of them in pyctcdecode's beam search).", ""]
    lines.insert(lines.index("| case | shape | threads | peer | ours (ms) | peer (ms) | ratio | outputs agree? |"),
                 "![ratio ours/peer per case, log scale](benchmarks.svg)\n")
    with open(os.path.join(args.out, "benchmarks-partial.svg" if args.only else "benchmarks.svg"), "w") as f:
        f.write(ratio_chart(rows))
    name = "BENCHMARKS-partial.md" if args.only else "BENCHMARKS.md"
    with open(os.path.join(args.out, name), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())

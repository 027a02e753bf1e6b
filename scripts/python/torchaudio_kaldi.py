"""torchaudio.compliance.kaldi (Kaldi's fbank and MFCC in torch), loaded without the
rest of torchaudio: its compiled extension is built for another torch than the one
pinned here, and the module only needs torchaudio for one DCT matrix, supplied below.
torchaudio is installed without its dependencies (scripts/python/requirements-nodeps.txt).
Used by `make bench` (a second Kaldi-exact feature peer) and scripts/fixtures/vtln."""
import importlib.util
import math
import os
import sys
import types

import torch


def create_dct(n_mfcc, n_mels, norm):
    """The orthonormal DCT-II as a [n_mels, n_mfcc] matrix (torchaudio.functional's
    create_dct with norm="ortho", the only call kaldi.py makes into torchaudio)."""
    assert norm == "ortho"
    n = torch.arange(n_mels, dtype=torch.float64)[:, None]
    k = torch.arange(n_mfcc, dtype=torch.float64)[None, :]
    dct = torch.cos(math.pi / n_mels * (n + 0.5) * k)
    dct[:, 0] *= math.sqrt(1.0 / n_mels)
    dct[:, 1:] *= math.sqrt(2.0 / n_mels)
    return dct.float()


_kaldi = None


def load():
    """The compliance.kaldi module (loaded once: later calls return it)."""
    global _kaldi
    if _kaldi is not None:
        return _kaldi
    spec = importlib.util.find_spec("torchaudio")
    if spec is None:
        raise ImportError("torchaudio is not installed: pip install --no-deps -r scripts/python/requirements-nodeps.txt")
    path = os.path.join(os.path.dirname(spec.origin), "compliance", "kaldi.py")
    stub = sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
    if not hasattr(stub, "functional"):
        stub.functional = types.SimpleNamespace(create_dct=create_dct)
    kspec = importlib.util.spec_from_file_location("torchaudio_compliance_kaldi", path)
    kaldi = importlib.util.module_from_spec(kspec)
    kspec.loader.exec_module(kaldi)
    _kaldi = kaldi
    return kaldi

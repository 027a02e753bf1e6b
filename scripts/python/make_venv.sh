#!/usr/bin/env bash
# Usage: make_venv.sh VENV REQUIREMENTS
#
# Makes (or reuses) the virtualenv VENV with the pinned packages of REQUIREMENTS and
# prints its python's path on stdout (everything else goes to stderr).
#
# torch: PyPI's Linux x86_64 wheel is a CUDA build whose libraries, libtorch_cpu.so
# included, are linked against the nvidia-* wheels, so `--no-deps` does not give an
# importable torch (ValueError: libcublasLt.so.*[0-9] not found). So when
# REQUIREMENTS pins torch==VER:
#   - if $TORCH_CPU_WHEELS (default /opt/wheels, which this project's machine image
#     ships) holds torch-VER+cpu for this Python, that CPU-only wheel is installed
#     with --no-deps (~190 MB, no CUDA); its pure-Python deps come from REQUIREMENTS;
#   - otherwise torch===VER comes from PyPI with all its dependencies (~2.6 GB of
#     nvidia-*/triton wheels). `===` keeps pip from taking a local +cpu wheel
#     through pip's find-links config. TORCH_CPU_WHEELS= (empty) forces this way.
# torchaudio is installed with --no-deps. PyPI's torchaudio extension is linked
# against CUDA; with a CPU-only torch it cannot load and makes `import torchaudio`
# fail, so it is then removed: the pure-Python parts (compliance.kaldi, transforms,
# most of functional) work, forced_align and rnnt_loss do not.
#
# REQUIREMENTS: pip requirement lines; torch and torchaudio, if present, as exact
# pins (name==version); nested -r/-c files need absolute paths.
#
# Idempotent: a stamp inside VENV holds the sha256 of REQUIREMENTS and of this
# script; when it matches, nothing is installed. FORCE=1 reinstalls.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 VENV REQUIREMENTS" >&2
  exit 2
fi
venv="$1"
req="$2"
[ -f "$req" ] || { echo "make_venv: no such requirements file: $req" >&2; exit 2; }
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
python="${PYTHON:-python3}"
cpu_wheels="${TORCH_CPU_WHEELS-/opt/wheels}"
stamp="$venv/.make_venv.stamp"
want="requirements $(sha256sum < "$req" | cut -d' ' -f1) script $(sha256sum < "${BASH_SOURCE[0]}" | cut -d' ' -f1)"

log() { echo "make_venv: $*" >&2; }

up_to_date() {
  [ "${FORCE:-0}" != 1 ] && [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]
}

if up_to_date; then
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$venv"
if command -v flock >/dev/null; then
  exec 9>"$venv/.make_venv.lock"
  flock 9
  if up_to_date; then # another run finished it while we waited
    echo "$venv/bin/python"
    exit 0
  fi
fi

start=$SECONDS
if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv with $("$python" --version 2>&1)"
  "$python" -m venv "$venv" >&2 || { log "'$python -m venv' failed (Debian: apt-get install python3-venv)"; exit 1; }
fi
rm -f "$stamp"
vpy="$venv/bin/python"
pip() { "$vpy" -m pip --disable-pip-version-check "$@" >&2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Requirement lines without comments; pull out torch and torchaudio.
sed -E -e 's/(^|[[:space:]])#.*$//' -e 's/^[[:space:]]+//' -e 's/[[:space:]]+$//' -e '/^$/d' "$req" > "$tmp/all.txt"
name_of() { sed -E 's/[=<>!~;[].*$//' | tr 'A-Z_.' 'a-z--'; }
torch_line="" audio_line=""
: > "$tmp/rest.txt"
while IFS= read -r line; do
  case "$(printf '%s' "$line" | name_of)" in
    torch) torch_line="$line" ;;
    torchaudio) audio_line="$line" ;;
    *) printf '%s\n' "$line" >> "$tmp/rest.txt" ;;
  esac
done < "$tmp/all.txt"

if [ -n "$torch_line" ]; then
  torch_ver=""
  case "${torch_line// /}" in torch===*) ;; torch==*[!*]) torch_ver="${torch_line// /}"; torch_ver="${torch_ver#torch==}" ;; esac
  wheel=""
  if [ -n "$torch_ver" ] && [ -n "$cpu_wheels" ] && [ -d "$cpu_wheels" ]; then
    tag="$("$vpy" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')"
    wheel="$(ls "$cpu_wheels"/torch-"$torch_ver"+cpu-"$tag"-"$tag"-*linux*_"$(uname -m)".whl 2>/dev/null | sort | tail -n 1 || true)"
  fi
  if [ -n "$wheel" ]; then
    log "torch $torch_ver: CPU-only wheel $wheel (--no-deps)"
    pip install -q --no-deps "$wheel"
  elif [ -n "$torch_ver" ]; then
    log "torch $torch_ver: no CPU wheel in '${cpu_wheels}'; PyPI's wheel with its CUDA dependencies (~2.6 GB download)"
    pip install -q "torch===$torch_ver"
  else
    log "torch: '$torch_line' is not an exact pin; installing it as it is from the package index"
    pip install -q "$torch_line"
  fi
fi

if [ -s "$tmp/rest.txt" ]; then
  log "installing $(wc -l < "$tmp/rest.txt") more requirement(s) from $req"
  pip install -q -r "$tmp/rest.txt"
fi

if [ -n "$audio_line" ]; then
  log "$audio_line (--no-deps)"
  pip install -q --no-deps "$audio_line"
  if ! "$vpy" -c 'import torchaudio' 2>"$tmp/ta.err"; then
    if "$vpy" -c 'import sys, torch; sys.exit(torch.version.cuda is not None)'; then
      ta_lib="$("$vpy" -c 'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("torchaudio").origin), "lib"))')"
      log "torchaudio's extension cannot load with a CPU-only torch ($(tail -n 1 "$tmp/ta.err")); removing $ta_lib/*.so: forced_align and rnnt_loss are unavailable"
      rm -f "$ta_lib"/*.so
      "$vpy" -c 'import torchaudio' >&2
    else
      cat "$tmp/ta.err" >&2
      log "import torchaudio failed"
      exit 1
    fi
  fi
fi

pip check

# Smoke test: what fixtures and benchmarks use.
"$vpy" - <<'EOF' >&2
import importlib.util
import torch
torch.manual_seed(0)
lstm = torch.nn.LSTM(3, 4, bidirectional=True).double()
x = torch.randn(5, 2, 3, dtype=torch.float64, requires_grad=True)
lstm(x)[0].sum().backward()
z = torch.randn(6, 1, 4, dtype=torch.float64, requires_grad=True)
torch.nn.functional.ctc_loss(z.log_softmax(2), torch.tensor([[1, 2]]), torch.tensor([6]), torch.tensor([2])).backward()
assert x.grad is not None and z.grad is not None
build = "CPU-only" if torch.version.cuda is None else "CUDA %s build on the CPU" % torch.version.cuda
msg = "torch %s (%s, %d threads, mkldnn %s)" % (torch.__version__, build, torch.get_num_threads(), torch.backends.mkldnn.is_available())
if importlib.util.find_spec("torchaudio"):
    import torchaudio
    import torchaudio.compliance.kaldi as kaldi
    kaldi.fbank(torch.randn(1, 1600), num_mel_bins=23, dither=0.0)
    msg += ", torchaudio %s (extension %s)" % (torchaudio.__version__, "loaded" if torchaudio._extension._IS_TORCHAUDIO_EXT_AVAILABLE else "removed")
if importlib.util.find_spec("safetensors"):
    import safetensors
    msg += ", safetensors %s" % safetensors.__version__
print("make_venv: ok:", msg)
EOF

echo "$want" > "$stamp"
log "done in $((SECONDS - start)) s"
echo "$vpy"

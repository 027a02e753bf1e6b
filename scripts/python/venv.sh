#!/usr/bin/env bash
# Makes (or reuses) the project's Python virtualenv at .venv-py with the pinned
# peers, and prints its python's path. Idempotent: a stamp of the requirements'
# hash skips pip when nothing changed. Used by `make bench` and `make fixtures`;
# never by `make test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-py"
req="$root/scripts/python/requirements.txt"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2 || { echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
fi
nodeps="$root/scripts/python/requirements-nodeps.txt"
want="$(cat "$req" "$nodeps" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$venv/.requirements.sha" 2>/dev/null)" != "$want" ]; then
  echo "installing Python peers into $venv (first time: ~1 GB here, more where torch comes with CUDA)…" >&2
  "$venv/bin/python" -m pip install -q --upgrade pip >&2
  "$venv/bin/python" -m pip install -q -r "$req" >&2
  "$venv/bin/python" -m pip install -q --no-deps -r "$nodeps" >&2
  echo "$want" > "$venv/.requirements.sha"
fi
echo "$venv/bin/python"

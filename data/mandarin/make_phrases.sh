#!/usr/bin/env bash
# Regenerates phrases.tsv (phrase <TAB> pinyin with tone numbers) from phrases.txt
# with pypinyin (PyPI), reading each phrase in context so polyphonic characters
# get the reading of the word. The corpus generator reads only the committed
# phrases.tsv: no Python at demo time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../../.venv-py"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q pypinyin==0.55.0
"$venv/bin/python" - "$here/phrases.txt" "$here/phrases.tsv" <<'PY'
import sys
from pypinyin import lazy_pinyin, Style
src, dst = sys.argv[1], sys.argv[2]
neutral = {"妈妈", "爸爸", "哥哥", "姐姐", "弟弟", "妹妹", "爷爷", "奶奶", "谢谢", "看看", "试试", "星星", "宝宝", "叔叔", "婆婆", "太太"}
rows = []
for line in open(src, encoding="utf-8"):
    p = line.strip()
    if not p or p.startswith("#"):
        continue
    syl = lazy_pinyin(p, style=Style.TONE3, neutral_tone_with_five=True)
    assert len(syl) == len(p), (p, syl)
    for i in range(len(p) - 1):  # the neutral second syllable pypinyin misses (as make_sentences.sh)
        if p[i:i + 2] in neutral:
            syl[i + 1] = syl[i + 1][:-1] + "5"
    rows.append(p + "\t" + " ".join(syl))
open(dst, "w", encoding="utf-8").write("\n".join(rows) + "\n")
print(f"{len(rows)} phrases, {len(set(''.join(r.split(chr(9))[0] for r in rows)))} characters -> {dst}")
PY

#!/usr/bin/env bash
# Builds and runs Examples/Consumer, a package that depends on this one by version
# (`.package(url:from: "1.0.0")`), the way another project would. A clone of the
# committed HEAD is tagged 1.0.0 in a temporary folder (the repository itself
# gets no tag). SwiftPM refuses a versioned dependency with unsafeFlags, so a
# pass shows there are none; the program then trains and decodes through the
# public API only. Usage: scripts/check-consumer.sh   (make consumer)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/asr-consumer.XXXXXX)"
trap 'rm -rf "$work"' EXIT
git clone --quiet "$root" "$work/asr"
git -C "$work/asr" -c user.name=check -c user.email=check@localhost tag 1.0.0
cp -R "$root/Examples/Consumer" "$work/consumer"
cd "$work/consumer"
export ASR_PACKAGE_URL="$work/asr"
swift build
./.build/debug/ToneWords

#!/usr/bin/env bash
# Make a release source folder (manifest.json + the binary) from a cortensord binary built on
# this machine, for `cortensor-manager stress --source FOLDER` (the cross-OS stress workflow
# runs the test node this way). Usage: scripts/stress-release.sh OUT_DIR BINARY [VERSION]
set -euo pipefail
out=${1:?usage: stress-release.sh OUT_DIR BINARY [VERSION]}
bin=${2:?usage: stress-release.sh OUT_DIR BINARY [VERSION]}
version=${3:-0.0.1-stress}
[ -f "$bin" ] || { echo "no such binary: $bin" >&2; exit 1; }
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) echo "unknown OS: $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  arm64 | aarch64) arch=aarch64 ;;
  *) echo "unknown architecture: $(uname -m)" >&2; exit 1 ;;
esac
name=cortensord
[ "$os" = windows ] && name=cortensord.exe
mkdir -p "$out"
cp "$bin" "$out/$name"
if command -v sha256sum >/dev/null; then
  sha=$(sha256sum "$out/$name" | cut -d' ' -f1)
else
  sha=$(shasum -a 256 "$out/$name" | cut -d' ' -f1)
fi
size=$(wc -c <"$out/$name" | tr -d ' ')
cat >"$out/manifest.json" <<JSON
{"format": 1, "version": "$version", "artifacts": [{"os": "$os", "arch": "$arch", "url": "$name", "size": $size, "sha256": "$sha"}]}
JSON
echo "release $version for $os/$arch in $out"

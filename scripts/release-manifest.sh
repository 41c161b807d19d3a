#!/usr/bin/env bash
# Write the CLI's self-update feed (`manifest.json`, the `self_update` crate's manifest schema 1)
# for the (already signed) `cortensor-manager-<version>-<os>-<arch>.tar.gz` files in DIR: one
# release with every archive as an asset (URLs relative to the manifest) and its sha256 digest.
# `cortensor-manager self-update` reads it; the release workflow publishes it with the archives.
# Usage: scripts/release-manifest.sh DIR VERSION [DATE (RFC 3339; default now)] [BASE_URL]
# (BASE_URL, ending in /: absolute asset URLs, for a copy of the feed published elsewhere.)
set -euo pipefail
dir=${1:?usage: release-manifest.sh DIR VERSION [DATE]}
version=${2:?usage: release-manifest.sh DIR VERSION [DATE]}
date=${3:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
base=${4:-}
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "VERSION must be a semantic version such as 1.2.3 (got '$version')" >&2; exit 2 ;;
esac
shopt -s nullglob
archives=("$dir"/cortensor-manager-"$version"-*.tar.gz)
[ ${#archives[@]} -gt 0 ] || { echo "no cortensor-manager-$version-*.tar.gz in $dir" >&2; exit 1; }
{
  printf '{\n  "schema": 1,\n  "releases": [\n    {\n      "version": "%s",\n      "date": "%s",\n      "assets": [\n' "$version" "$date"
  sep=""
  for a in "${archives[@]}"; do
    name=$(basename "$a")
    sum=$(sha256sum "$a" | cut -d' ' -f1)
    printf '%s        {"name": "%s", "url": "%s", "digest": "sha256:%s"}' "$sep" "$name" "$base$name" "$sum"
    sep=$',\n'
  done
  printf '\n      ]\n    }\n  ]\n}\n'
} >"$dir/manifest.json.tmp"
mv "$dir/manifest.json.tmp" "$dir/manifest.json"
echo "wrote $dir/manifest.json (${#archives[@]} archive(s) of $version)"

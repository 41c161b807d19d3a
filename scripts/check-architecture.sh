#!/usr/bin/env bash
# The architecture invariants of ARCHITECTURE.md, each checked by a command that can fail.
# Run by ./scripts/test.sh; runs alone too (needs cargo and git grep).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
bad() { printf '\033[1;31marchitecture:\033[0m %s\n' "$*" >&2; fail=1; }
ok() { printf '  ok  %s\n' "$*"; }

# 1. The contest crate is pure: no database, HTTP, system, keychain or server crate below it.
deps=$(cargo tree -p cortensor-contest -e normal --prefix none --locked 2>/dev/null | sed 's/ v[0-9].*//' | sort -u)
leak=$(grep -xE 'rusqlite|ureq|sysinfo|keyring-core|tiny_http|libc|directories' <<<"$deps" || true)
[ -z "$leak" ] && ok "cortensor-contest depends on no I/O crate" || bad "cortensor-contest depends on: $leak"

# 2. The front ends depend on the api crate and on no other workspace crate; the desktop
# package's flavour of the CLI (cortensor-manager-tray) on the api and the CLI's library.
workspace='cortensor-contest|cortensor-node|cortensor-test-support|cortensord-test-node|cortensor-manager|cortensor-manager-app|cortensor-manager-tray'
for front in cortensor-manager cortensor-manager-app cortensor-manager-tray; do
  direct=$(cargo tree -p "$front" -e normal --depth 1 --prefix none --locked 2>/dev/null | sed 's/ v[0-9].*//' | tail -n +2)
  grep -qx 'cortensor-api' <<<"$direct" || bad "$front does not depend on cortensor-api"
  allowed=cortensor-api
  [ "$front" = cortensor-manager-tray ] && allowed='cortensor-api|cortensor-manager'
  other=$(grep -xE "$workspace" <<<"$direct" | grep -vxE "$allowed" || true)
  [ -z "$other" ] && ok "$front depends on ${allowed//|/ and } only (of the workspace)" || bad "$front depends on $other besides ${allowed//|/ and }"
done

# 2b. Every user-facing word of the UI comes from the catalog (en and es complete).
if [ -d ui/node_modules ]; then
  if (cd ui && npx vitest run src/i18n >/dev/null 2>&1); then ok "the UI's words all from the catalog, English and Spanish complete"
  else bad "a word outside the catalog, or a catalog incomplete: cd ui && npx vitest run src/i18n"; fi
else
  bad "ui/node_modules is missing (npm ci --prefix ui) to check the catalog"
fi

# 3. Only the platform layer spawns processes (tests and the dev-only test crates aside).
spawns=$(git grep -nE '^[^/]*Command::new' -- 'crates/*/src/**.rs' 'src-tauri/src/**.rs' \
  ':!crates/node/src/platform/' ':!crates/test-support/' | grep -v '#\[cfg(test)\]' || true)
# Unit tests inside platform files are allowed; anything else is not.
[ -z "$spawns" ] && ok "Command::new only in crates/node/src/platform/" || bad "processes spawned outside the platform layer:
$spawns"

# 4. One definition each: the cortensord command line, the clock, the HTTP client, the detached spawn.
one() { # $1 what, $2 regex, $3 the one file it may be in
  local hits; hits=$(git grep -lE "$2" -- 'crates/*/src/**.rs' 'src-tauri/src/**.rs' || true)
  if [ "$hits" = "$3" ]; then ok "$1 defined once ($3)"; else bad "$1 must be in $3 only, found in: $(tr '\n' ' ' <<<"$hits")"; fi
}
one "the cortensord command line" 'fn cortensord_args' crates/node/src/nodes.rs
one "the clock" 'SystemTime::now\(' crates/node/src/platform/clock.rs
one "the HTTP client" 'Agent::config_builder' crates/node/src/platform/http.rs
one "the detached spawn" 'process_group\(' crates/node/src/platform/process.rs

# 5. No contest constant in the UI: it takes them from the ruleset or the responses.
contest='\b(150|25|40|90|30)\b|0\.9\b'
hits=$(git grep -nE "$contest" -- 'ui/src/**.ts' 'ui/src/**.tsx' ':!ui/src/bindings/' ':!*.test.ts' ':!*.test.tsx' \
  | grep -vE '^\S+:\s*(//|/\*|\*)' | grep -v 'not-a-contest-number' || true)
[ -z "$hits" ] && ok "no contest constant in ui/src" || bad "contest constants in the UI (take them from the ruleset):
$hits"

# 6. The window's reach: the commands src-tauri registers, the ones build.rs declares and the
# capability grants are the same list, and every command the UI calls is among them.
handlers=$(grep -oE 'commands::[a-z_]+::[a-z_]+,' src-tauri/src/lib.rs | sed -E 's/.*::([a-z_]+),/\1/' | sort)
declared=$(sed -n '/^const COMMANDS/,/^];/p' src-tauri/build.rs | grep -oE '"[a-z_]+"' | tr -d '"' | sort)
granted=$(grep -oE '"allow-[a-z-]+"' src-tauri/capabilities/default.json | sed -E 's/"allow-([a-z-]+)"/\1/' | tr '-' '_' | sort)
called=$(grep -oE 'invoke(<[^>]*>)?\("[a-z_]+"' ui/src/api.ts | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
if [ "$handlers" = "$declared" ] && [ "$declared" = "$granted" ] && [ -z "$(comm -23 <(echo "$called") <(echo "$granted"))" ]; then
  ok "the window is granted exactly the app's $(wc -l <<<"$handlers") commands (build.rs, lib.rs, capability)"
else
  bad "the app's commands disagree: registered but not declared: $(comm -23 <(echo "$handlers") <(echo "$declared") | tr '\n' ' '); declared but not granted: $(comm -23 <(echo "$declared") <(echo "$granted") | tr '\n' ' '); granted but not registered: $(comm -13 <(echo "$handlers") <(echo "$granted") | tr '\n' ' '); called but not granted: $(comm -23 <(echo "$called") <(echo "$granted") | tr '\n' ' ')"
fi

# 7. The page names no path: it has no file-dialog permission or package of its own (the shell
# opens dialogs for a purpose and hands the page tokens, `api::paths`).
hits=$( (grep -n '"dialog:' src-tauri/capabilities/default.json; git grep -n 'plugin-dialog' -- ui/src ui/package.json) || true)
[ -z "$hits" ] && ok "the page opens no file dialog and names no path (tokens from choose_path)" || bad "the page may choose paths itself:
$hits"

[ "$fail" -eq 0 ] || exit 1

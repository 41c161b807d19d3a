// The catalog is complete and used: Spanish has every English key with the same placeholders
// and markup, and no component writes a user-facing word outside it.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import en from "./en.json";
import es from "./es.json";
import i18n, { resolveLanguage } from ".";
import { dateTime, num, usd } from "../format";

type Tree = { [k: string]: string | Tree };
function flat(t: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === "string") out.set(prefix + k, v);
    else for (const [kk, vv] of flat(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}|<(\/?\w+)>/g)].map((m) => m[1] ?? m[2]).sort();

describe("the catalog", () => {
  const E = flat(en as Tree);
  const S = flat(es as Tree);

  it("has every English key in Spanish, with the same placeholders and markup, none empty", () => {
    expect(E.size).toBeGreaterThan(400);
    expect([...E.keys()].filter((k) => !S.has(k))).toEqual([]);
    expect([...S.keys()].filter((k) => !E.has(k))).toEqual([]);
    for (const [k, v] of E) {
      expect(v.trim(), k).not.toBe("");
      expect(S.get(k)!.trim(), k).not.toBe("");
      expect(placeholders(S.get(k)!), k).toEqual(placeholders(v));
    }
  });

  it("is really Spanish: most texts differ from the English", () => {
    const same = [...E].filter(([k, v]) => S.get(k) === v).map(([k]) => k);
    // Names, units and symbols stay the same in both (Discord, CPU (%), Pings…).
    expect(same.length / E.size).toBeLessThan(0.05);
  });

  it("follows the system's language unless the user chose one", () => {
    expect(resolveLanguage(null, ["es-AR", "en-US"])).toBe("es");
    expect(resolveLanguage("system", ["de-DE", "es-ES"])).toBe("es");
    expect(resolveLanguage(null, ["de-DE"])).toBe("en");
    expect(resolveLanguage("en", ["es-ES"])).toBe("en");
    expect(resolveLanguage("es", ["en-US"])).toBe("es");
  });

  it("formats numbers, money and dates by the language", async () => {
    await i18n.changeLanguage("es");
    try {
      expect(num(1.5, 1)).toBe("1,5");
      // Money from the core's exact decimal: Spanish marks and the currency after the amount.
      expect(usd("1234567.5")).toBe("1.234.567,50\u00a0US$");
      expect(usd("0.1")).toBe("0,10\u00a0US$");
      expect(i18n.t("status.nodes", { count: 2 })).toBe("2 nodos");
      expect(dateTime(0)).toMatch(/1970/);
      expect(dateTime(0)).toMatch(/ene/);
    } finally {
      await i18n.changeLanguage("en");
    }
    expect(usd("1234567.5", "en-US")).toBe("$1,234,567.50");
    expect(i18n.t("status.nodes", { count: 1 })).toBe("1 node");
  });
});

// Words a component may write as they are: names, units, symbols.
const ALLOWED = new Set([
  "Cortensor Node Manager",
  "English",
  "Español",
  "CPU",
  "RAM",
  "CPU / RAM",
  "LLM",
  "pid",
  "cortensord",
  "p50",
  "p95",
  "Discord",
  "GitHub",
  "https://…",
  "0x…",
  "ACME",
  // Examples of what to type (an RPC URL, redaction patterns), the same in every language.
  "https://arb-sepolia.g.alchemy.com/v2/…",
  "my-server-name\nACME-[0-9]+",
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f: string) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "bindings" || f === "test" ? [] : sources(p);
    return /\.tsx$/.test(f) && !/\.test\.tsx$/.test(f) ? [p] : [];
  });
}

/** User-facing literals in a component: JSX text, and the text of labels, titles,
 * placeholders and alternative texts, that are not in the catalog. */
function literals(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const words = (s: string) => /[A-Za-z]{2,}/.test(s) && !ALLOWED.has(s.trim()) && !ALLOWED.has(s.replace(/^[\s·]+|[\s·]+$/g, ""));
  const at = (n: ts.Node) => `${file.split("/src/")[1]}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n) && words(n.text.trim())) found.push(`${at(n)} ${JSON.stringify(n.text.trim())}`);
    if (ts.isJsxAttribute(n) && ["aria-label", "title", "placeholder", "alt", "label"].includes(n.name.getText())) {
      const init = n.initializer;
      if (init && ts.isStringLiteral(init) && words(init.text)) found.push(`${at(n)} ${n.name.getText()}=${JSON.stringify(init.text)}`);
      const e = init && ts.isJsxExpression(init) ? init.expression : undefined;
      if (e && (ts.isNoSubstitutionTemplateLiteral(e) || ts.isStringLiteral(e)) && words(e.text)) found.push(`${at(n)} ${n.name.getText()}={${e.getText()}}`);
      if (e && ts.isTemplateExpression(e) && words(e.getText())) found.push(`${at(n)} ${n.name.getText()}={${e.getText()}}`);
    }
    if (ts.isJsxExpression(n) && n.expression && (ts.isStringLiteral(n.expression) || ts.isNoSubstitutionTemplateLiteral(n.expression)) && words(n.expression.text))
      found.push(`${at(n)} {${n.expression.getText()}}`);
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

describe("the components", () => {
  it("write no user-facing word outside the catalog", () => {
    const files = sources(join(__dirname, ".."));
    expect(files.length).toBeGreaterThan(25);
    expect(files.flatMap(literals)).toEqual([]);
  });

  it("the check finds a word written in a component", () => {
    const tmp = join(__dirname, "..", "..", "node_modules", ".i18n-probe.tsx");
    writeFileSync(tmp, 'export const X = () => <p title="Hello there">Some words <b>{"More words"}</b></p>;\n');
    try {
      expect(literals(tmp)).toHaveLength(3);
    } finally {
      unlinkSync(tmp);
    }
  });
});

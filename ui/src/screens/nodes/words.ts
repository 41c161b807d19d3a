// How a node's figures read, in words: shared by the Nodes screen, the node page and the
// Overview (each shows the core's figures the same way).
import i18n from "../../i18n";
import { num } from "../../format";
import type { NodeHealth } from "../../bindings/NodeHealth";

function pct(p: number | null | undefined): string {
  return p == null ? "–" : `${num(p, 1)} %`;
}

/** A node's 24 h uptime as the core computed it: "measuring" in its first hour. */
export function uptimeText(u: NodeHealth["uptime"]): string {
  if (!u || u.seen_minutes_24h === 0) return "–";
  if (u.measuring) return i18n.t("words.measuringFor", { min: num(u.seen_minutes_24h) });
  return pct(u.last_24h_pct);
}

/** The fleet's 24 h uptime: up minutes over observed minutes of the nodes past measuring. */
export function fleetUptime(nodes: NodeHealth[]): string {
  const measured = nodes.map((n) => n.uptime).filter((u) => u && !u.measuring);
  if (!measured.length) return nodes.some((n) => n.uptime?.seen_minutes_24h) ? i18n.t("words.measuring") : "–";
  const up = measured.reduce((a, u) => a + (u?.up_minutes_24h ?? 0), 0);
  const seen = measured.reduce((a, u) => a + (u?.seen_minutes_24h ?? 0), 0);
  return seen ? pct((up * 100) / seen) : "–";
}

/** Earning, or what stops it and what to do, in one line. */
export function earningText(n: NodeHealth): string {
  if (n.earning.earning) return i18n.t("words.earning");
  return i18n.t("words.notEarning", { why: n.earning.blocker ?? i18n.t("words.unknown") }) + (n.earning.action ? ` — ${n.earning.action}` : "");
}

/** An action's button text (the core names actions in English: "Start Docker", "Register"…). */
const ACTION_KEYS: Record<string, string> = {
  "Set up your nodes": "setup",
  "Start Docker": "startDocker",
  Start: "start",
  Restart: "restart",
  Register: "register",
  "Fund it": "fund",
};
export function actionLabel(label: string): string {
  const key = ACTION_KEYS[label];
  return key ? i18n.t(`overview.action.${key}`) : label;
}

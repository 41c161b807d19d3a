// The home: are my nodes earning, and how much will I get? The fleet in one sentence, each
// node as a plain sentence with its qualification progress, the alerts that matter, and the
// one next action. Every figure comes from the core (node health, rewards) as elsewhere.
import { actionLabel } from "../nodes/words";
import i18n from "../../i18n";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorBox } from "../../components/ErrorBox";
import type { NodeHealth } from "../../bindings/NodeHealth";
import type { AlertRecord } from "../../bindings/AlertRecord";
import type { Ruleset } from "../../bindings/Ruleset";
import { activeAlerts, asUserError, computeRewards, dismissAlert, nodeControl, onActiveAlerts } from "../../api";
import type { UserError } from "../../bindings/UserError";
import { registerNodes, startDocker } from "../nodes/actions";
import { useNodeHealth } from "../../hooks/useNodeHealth";
import { dayMonth, num, usd } from "../../format";

type Props = { rules: Ruleset | null; onSetup: () => void; onNode: () => void };


/** A node's qualification progress in words. */
export function progressText(n: NodeHealth): string {
  const u = n.uptime;
  const t = i18n.t.bind(i18n);
  if (!u || u.measuring) return u?.seen_minutes_24h ? t("overview.measuringFor", { min: num(u.seen_minutes_24h) }) : t("overview.measuringJust");
  if (u.days_to_go === 0) return t("qualification.qualifies");
  const track = u.today_lost ? t("overview.todayLost") : t("overview.onTrack");
  return t("overview.day", { done: u.qualified_days, days: u.required_days, track }) + (u.qualifies_at ? t("overview.qualifiesOn", { date: dayMonth(u.qualifies_at) }) : "");
}

/** The one thing to do next, if any: the first blocker shared by the most nodes. */
export function nextAction(nodes: NodeHealth[]): { label: string; why: string } | null {
  if (!nodes.length) return { label: "Set up your nodes", why: i18n.t("overview.noNodeYet") };
  const counts = new Map<string, number>();
  for (const n of nodes) if (!n.earning.earning && n.earning.action) counts.set(n.earning.action, (counts.get(n.earning.action) ?? 0) + 1);
  const order = ["Start Docker", "Start", "Restart", "Register", "Fund it"];
  const label = order.find((a) => counts.has(a));
  if (!label) return null;
  const many = counts.get(label) ?? 0;
  const first = nodes.find((n) => n.earning.action === label);
  return { label, why: i18n.t("overview.why", { count: many, blocker: first?.earning.blocker ?? "" }) };
}

export function Overview({ rules, onSetup, onNode }: Props) {
  const { nodes, error: healthError } = useNodeHealth();
  const { t } = useTranslation();
  const [alerts, setAlerts] = useState<AlertRecord[]>([]);
  const [monthly, setMonthly] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ error: UserError; action: string } | null>(null);

  useEffect(() => {
    activeAlerts().then((a) => setAlerts([...a].reverse()), () => {});
    const un = onActiveAlerts((a) => setAlerts([...a].reverse()));
    return () => void un.then((f) => f());
  }, []);

  // Projected per month if every node stays up and qualifies (no role bonus, no rank rewards).
  useEffect(() => {
    if (!rules || !nodes.length) return;
    computeRewards({ nodes: nodes.length, role_bonus_pct: "0", months: "1", bonus_cap_pct: null, rank_rewards: "0" }).then(
      (r) => setMonthly(r.total),
      () => setMonthly(null),
    );
  }, [rules, nodes.length]);

  const earning = nodes.filter((n) => n.earning.earning).length;
  const qualifying = nodes.filter((n) => n.uptime?.days_to_go === 0).length;
  const first = nodes
    .filter((n) => n.uptime && n.uptime.days_to_go > 0)
    .map((n) => n.uptime?.qualifies_at)
    .filter((t): t is number => t != null)
    .sort((a, b) => a - b)[0];
  const next = nextAction(nodes);

  async function act(label: string) {
    setBusy(true);
    setSaid(null);
    setActionError(null);
    try {
      if (label === "Set up your nodes") onSetup();
      else if (label === "Start Docker") {
        const done = await startDocker();
        if (done) setSaid(done);
      } else if (label === "Start" || label === "Restart") {
        await nodeControl("all", label === "Start" ? "start" : "restart");
        setSaid(label === "Start" ? t("overview.started") : t("overview.restarted"));
      } else if (label === "Register") {
        setSaid(await registerNodes(nodes.filter((x) => x.earning.action === "Register").map((x) => x.id)));
      } else onNode();
    } catch (e) {
      setActionError({ error: asUserError(e), action: label });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="overview" aria-labelledby="overview-title">
      <h2 id="overview-title" className="sr-only">
        {t("app.tab.overview")}
      </h2>
      <div className="hero card" id="fleet">
        <p className="fleet-sentence" id="fleet-sentence">
          {nodes.length === 0
            ? t("overview.noNodes")
            : [
                t("overview.earning", { count: nodes.length, earning }),
                t("overview.qualify", { count: nodes.length, qualifying }),
                qualifying < nodes.length && first ? t("overview.firstQualifies", { date: dayMonth(first) }) : null,
                monthly ? t("overview.projected", { amount: usd(monthly) }) : null,
              ]
                .filter(Boolean)
                .join(" · ")}
        </p>
        {next && (
          <div className="next-action" id="next-action">
            <span>{next.why}</span>
            <button type="button" className="primary" onClick={() => void act(next.label)} disabled={busy}>
              {actionLabel(next.label)}
            </button>
          </div>
        )}
        {said && <p className="muted" id="overview-said">{said}</p>}
        {actionError && <ErrorBox error={actionError.error} action={actionError.action} />}
        {healthError && (
          <ErrorBox message={healthError} action="Read the nodes' health" />
        )}
      </div>
      {alerts.length > 0 && (
        <ul className="alerts card" aria-label={t("overview.alerts")}>
          {alerts.slice(0, 5).map((a) => (
            <li key={a.id} data-alert={a.id}>
              ⚠ {a.message}{" "}
              <button
                type="button"
                className="small"
                aria-label={t("overview.dismissLabel", { message: a.message })}
                onClick={() => void dismissAlert(a.id).then(() => setAlerts((l) => l.filter((x) => x.id !== a.id)), () => {})}
              >
                {t("overview.dismiss")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {nodes.length > 0 && (
      <ul className="node-sentences card" aria-label={t("overview.yourNodes")}>
        {nodes.map((n) => (
          <li key={n.id} data-node={n.id}>
            <strong>{t("overview.node", { id: n.id })}</strong>{" "}
            <span className={n.earning.earning ? "ok" : "bad"}>
              {n.earning.earning ? t("overview.isEarning") : t("overview.notEarning", { why: n.earning.blocker ?? t("words.unknown") })}
            </span>
            <span className="muted"> · {progressText(n)}</span>
          </li>
        ))}
      </ul>
      )}
    </section>
  );
}

import i18n from "../../i18n";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { NodeHealth } from "../../bindings/NodeHealth";
import type { AlertRecord } from "../../bindings/AlertRecord";
import type { SystemHealth } from "../../bindings/SystemHealth";
import type { Latency } from "../../bindings/Latency";
import type { Action } from "../../bindings/Action";
import type { NodeSelection } from "../../bindings/NodeSelection";
import type { UserError } from "../../bindings/UserError";
import { ErrorBox } from "../../components/ErrorBox";
import { activeAlerts, asUserError, dismissAlert, nodeControl, onActiveAlerts, onSystemHealth, systemHealth, watchSystem } from "../../api";
import { useNodeHealth } from "../../hooks/useNodeHealth";
import { NodePage } from "./NodePage";
import { earningText, fleetUptime, uptimeText } from "./words";
import { GIB, num, time } from "../../format";

/** Samples kept per node for the charts (10 minutes at 1 Hz). */
const HISTORY = 600;

export type { Sample } from "./types";
import type { Sample } from "./types";

function mb(b: number | null | undefined): string {
  return b == null ? "–" : `${num(b / (1 << 20), 0)} MB`;
}

function ping(l: Latency | null | undefined): string {
  return !l ? "–" : l.ms == null ? i18n.t("dash.unreachable") : `${num(l.ms, 0)} ms`;
}

/** The node's LLM engine in a few words: its containers and their restarts, or its port. */
export function llmSummary(n: NodeHealth): string {
  const t = i18n.t.bind(i18n);
  const restarts = n.container_restarts ? ` · ${t("dash.restarts", { count: n.container_restarts })}` : "";
  if (n.containers && n.containers.length) {
    const up = n.containers.filter((c) => c.state === "running").length;
    const word = up === n.containers.length ? t("dash.running") : n.containers.find((c) => c.state !== "running")?.state ?? t("dash.down");
    return `${n.containers.length > 1 ? `${up}/${n.containers.length} ` : ""}${word}${restarts}`;
  }
  const llm = n.ports.find((p) => p.name === "llm");
  if (llm) return (llm.listening ? t("dash.portListening", { port: llm.port }) : t("dash.portClosed", { port: llm.port })) + restarts;
  return "–";
}

/** Machine-wide facts: CPU, RAM, disk, GPU, LLM containers, pings. */
function SystemBar({ s }: { s: SystemHealth }) {
  const { t } = useTranslation();
  const gb = (b: number | null) => (b == null ? "–" : `${num(b / GIB, 1)} GB`);
  const global = s.global_ping.filter((l) => l.ms != null).map((l) => l.ms as number);
  return (
    <div className="system" id="system">
      <span>CPU {s.cpu_pct == null ? "–" : `${num(s.cpu_pct, 0)} %`}</span>
      <span>
        RAM {gb(s.ram_used)} / {gb(s.ram_total)}
      </span>
      <span>{t("dash.diskFree", { size: gb(s.disk_free) })}</span>
      <span>{s.gpus ? s.gpus.map((g) => `${g.name} ${num(g.utilization_pct)} %`).join(", ") || t("dash.noGpu") : t("dash.noGpuCpu")}</span>
      <span>
        {s.containers ? t("dash.containers", { up: s.containers.filter((c) => c.state === "running").length, all: s.containers.length }) : t("dash.noDocker")}
      </span>
      <span>{t("dash.rpcPing", { ping: ping(s.ping) })}</span>
      <span>{t("dash.dashboardPing", { ping: ping(s.dashboard_ping) })}</span>
      <span>{t("dash.globalPing", { ping: global.length ? `${num(Math.round(global.reduce((a, b) => a + b, 0) / global.length))} ms` : "–" })}</span>
    </div>
  );
}

export function Dashboard() {
  const { t } = useTranslation();
  const [alerts, setAlerts] = useState<AlertRecord[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [system, setSystem] = useState<SystemHealth | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const history = useRef<Map<number, Sample[]>>(new Map());
  const { nodes, error: healthError } = useNodeHealth((h) => {
    for (const n of h) {
      const list = history.current.get(n.id) ?? [];
      const sample = { at: n.at, cpu: n.cpu_pct, rss: n.rss_bytes, tasks: n.log.tasks_committed, logAge: n.log_age_secs };
      // Batches come on every state change too: one sample per second for the charts.
      if (list.length && list[list.length - 1].at === n.at) list[list.length - 1] = sample;
      else list.push(sample);
      if (list.length > HISTORY) list.shift();
      history.current.set(n.id, list);
    }
  });

  useEffect(() => {
    // The first paint of the machine bar; `system-health` events refresh it.
    systemHealth().then((s) => setSystem((cur) => cur ?? s), () => {});
    activeAlerts().then((a) => setAlerts(a.reverse()), () => {});
    // The open alerts, whenever one is raised, resolved or dismissed.
    const unAlert = onActiveAlerts((a) => setAlerts([...a].reverse()));
    const unSystem = onSystemHealth(setSystem);
    void watchSystem(true).catch(() => {});
    return () => {
      void unAlert.then((f) => f());
      void unSystem.then((f) => f());
      void watchSystem(false).catch(() => {});
    };
  }, []);

  async function control(selection: NodeSelection, action: Action) {
    setError(null);
    try {
      await nodeControl(selection, action);
    } catch (e) {
      setError(asUserError(e));
    }
  }

  const count = (s: string) => nodes.filter((n) => n.state === s).length;
  const tasks = nodes.reduce((a, n) => a + n.log.tasks_committed, 0);
  const earning = nodes.filter((n) => n.earning.earning).length;
  const node = nodes.find((n) => n.id === selected);

  if (node) {
    return <NodePage node={node} history={history.current.get(node.id) ?? []} onBack={() => setSelected(null)} onControl={(a) => void control({ one: node.id }, a)} />;
  }

  return (
    <section className="dashboard" aria-labelledby="dash-title">
      <div className="dash-head">
        <h2 id="dash-title">{t("app.tab.nodes")}</h2>
        <div className="totals" id="totals">
          <span className={earning === nodes.length && nodes.length ? "state-healthy" : "state-degraded"} id="earning-total">
            {t("dash.earning", { earning, all: nodes.length })}
          </span>
          <span className="state-healthy">{t("dash.count.healthy", { n: count("healthy") })}</span>
          <span className="state-starting">{t("dash.count.starting", { n: count("starting") })}</span>
          <span className="state-degraded">{t("dash.count.degraded", { n: count("degraded") })}</span>
          <span className="state-down">{t("dash.count.down", { n: count("down") })}</span>
          <span className="state-stopped">{t("dash.count.stopped", { n: count("stopped") })}</span>
          <span>{t("dash.tasks", { n: tasks })}</span>
          <span id="fleet-uptime">{t("dash.fleetUptime", { uptime: fleetUptime(nodes) })}</span>
        </div>
        <div className="actions">
          <button type="button" onClick={() => void control("all", "start")} disabled={!nodes.some((n) => n.pid == null)}>
            {t("dash.startAll")}
          </button>
          <button
            type="button"
            onClick={() => {
              const need = nodes.find((n) => n.uptime)?.uptime?.required_day_pct;
              const cost = need != null ? t("dash.stopCost", { pct: num(need) }) : "";
              if (window.confirm(t("dash.confirmStop", { count: nodes.length }) + cost)) void control("all", "stop");
            }}
            disabled={!nodes.some((n) => n.pid != null)}
          >
            {t("dash.stopAll")}
          </button>
        </div>
      </div>
      {system && <SystemBar s={system} />}
      {error && <ErrorBox error={error} />}
      {healthError && !error && <ErrorBox message={healthError} />}
      {alerts.length > 0 && (
        <ul className="alerts" aria-label={t("overview.alerts")}>
          {alerts.slice(0, 3).map((a) => (
            <li key={a.id} className={`alert-${a.kind}`} data-alert={a.id}>
              ⚠ {a.message} <span className="muted">· {time(a.at)}</span>{" "}
              <button
                type="button"
                className="small"
                aria-label={t("overview.dismissLabel", { message: a.message })}
                onClick={() => {
                  dismissAlert(a.id).then(
                    () => setAlerts((l) => l.filter((x) => x.id !== a.id)),
                    (e) => setError(asUserError(e)),
                  );
                }}
              >
                {t("overview.dismiss")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {nodes.length === 0 && <p className="muted">{t("dash.noNodes")}</p>}
      <div className="cards">
        {nodes.map((n) => (
          <button type="button" key={n.id} className={`node-card state-${n.state}`} data-node={n.id} onClick={() => setSelected(n.id)}>
            <div className="card-top">
              <strong>{t("dash.node", { id: n.id })}</strong>
              <span className={`badge state-${n.state}`}>{t(`state.${n.state}`)}</span>
            </div>
            <div className={`earning ${n.earning.earning ? "ok" : "bad"}`}>{earningText(n)}</div>
            <div className="reason">{n.reason}</div>
            <dl>
              <dt title={t("dash.uptimeHelp")}>{t("dash.uptime")}</dt>
              <dd className="uptime">{uptimeText(n.uptime)}</dd>
              <dt title={t("dash.cpuHelp")}>CPU / RAM</dt>
              <dd>
                {n.cpu_pct == null ? "–" : `${num(n.cpu_pct, 0)} %`} / {mb(n.rss_bytes)}
              </dd>
              <dt title={t("dash.phaseHelp")}>{t("dash.phase")}</dt>
              <dd>{n.pid != null ? n.log.state_name ?? "–" : "–"}</dd>
              <dt title={t("dash.tasksHelp")}>{t("dash.tasksLabel")}</dt>
              <dd>
                {n.log.tasks_committed} / {n.log.tasks_assigned}
              </dd>
              <dt title={t("dash.pingsHelp")}>{t("dash.pings")}</dt>
              <dd>{n.log.pings}</dd>
              <dt title={t("dash.llmHelp")}>LLM</dt>
              <dd className="llm">{n.pid != null ? llmSummary(n) : "–"}</dd>
              <dt title={t("dash.levelHelp")}>{t("dash.level")}</dt>
              <dd className="level">{n.log.cognitive_level ?? "–"}</dd>
              <dt title={t("dash.balanceHelp")}>{t("dash.balance")}</dt>
              <dd className={`balance${n.balance?.low ? " bad" : ""}`}>{n.balance?.eth ?? "–"}</dd>
            </dl>
            {n.balance?.low && <div className="fund">{t("dash.fund", { min: n.balance.min_eth })}</div>}
            <code className="addr">{n.address}</code>
          </button>
        ))}
      </div>
    </section>
  );
}

import { useEffect, useRef, useState } from "react";
import type { NodeHealth } from "../../bindings/NodeHealth";
import type { AlertRecord } from "../../bindings/AlertRecord";
import type { SystemHealth } from "../../bindings/SystemHealth";
import type { Latency } from "../../bindings/Latency";
import type { Action } from "../../bindings/Action";
import type { NodeSelection } from "../../bindings/NodeSelection";
import type { UserError } from "../../bindings/UserError";
import { ErrorBox } from "../../components/ErrorBox";
import { activeAlerts, asUserError, dismissAlert, nodeControl, onActiveAlerts, onSystemHealth, systemHealth } from "../../api";
import { useNodeHealth } from "../../hooks/useNodeHealth";
import { NodePage } from "./NodePage";
import { earningText, fleetUptime, uptimeText } from "./words";
import { GIB } from "../../format";

/** Samples kept per node for the charts (10 minutes at 1 Hz). */
const HISTORY = 600;

export type { Sample } from "./types";
import type { Sample } from "./types";

function mb(b: number | null | undefined): string {
  return b == null ? "–" : `${(b / (1 << 20)).toFixed(0)} MB`;
}

function ping(l: Latency | null | undefined): string {
  return !l ? "–" : l.ms == null ? "unreachable" : `${l.ms.toFixed(0)} ms`;
}

/** The node's LLM engine in a few words: its containers and their restarts, or its port. */
export function llmSummary(n: NodeHealth): string {
  const restarts = n.container_restarts ? ` · ${n.container_restarts} restart${n.container_restarts === 1 ? "" : "s"}` : "";
  if (n.containers && n.containers.length) {
    const up = n.containers.filter((c) => c.state === "running").length;
    const word = up === n.containers.length ? "running" : n.containers.find((c) => c.state !== "running")?.state ?? "down";
    return `${n.containers.length > 1 ? `${up}/${n.containers.length} ` : ""}${word}${restarts}`;
  }
  const llm = n.ports.find((p) => p.name === "llm");
  if (llm) return `port ${llm.port} ${llm.listening ? "listening" : "closed"}${restarts}`;
  return "–";
}

/** Machine-wide facts: CPU, RAM, disk, GPU, LLM containers, pings. */
function SystemBar({ s }: { s: SystemHealth }) {
  const gb = (b: number | null) => (b == null ? "–" : `${(b / GIB).toFixed(1)} GB`);
  const global = s.global_ping.filter((l) => l.ms != null).map((l) => l.ms as number);
  return (
    <div className="system" id="system">
      <span>CPU {s.cpu_pct == null ? "–" : `${s.cpu_pct.toFixed(0)} %`}</span>
      <span>
        RAM {gb(s.ram_used)} / {gb(s.ram_total)}
      </span>
      <span>disk free {gb(s.disk_free)}</span>
      <span>{s.gpus ? s.gpus.map((g) => `${g.name} ${g.utilization_pct} %`).join(", ") || "no GPU" : "no GPU (CPU mode)"}</span>
      <span>{s.containers ? `${s.containers.filter((c) => c.state === "running").length}/${s.containers.length} LLM containers up` : "Docker not available"}</span>
      <span>RPC ping {ping(s.ping)}</span>
      <span>dashboard ping {ping(s.dashboard_ping)}</span>
      <span>global ping {global.length ? `${Math.round(global.reduce((a, b) => a + b, 0) / global.length)} ms` : "–"}</span>
    </div>
  );
}

export function Dashboard() {
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
    return () => {
      void unAlert.then((f) => f());
      void unSystem.then((f) => f());
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
        <h2 id="dash-title">Nodes</h2>
        <div className="totals" id="totals">
          <span className={earning === nodes.length && nodes.length ? "state-healthy" : "state-degraded"} id="earning-total">
            {earning} of {nodes.length} earning
          </span>
          <span className="state-healthy">{count("healthy")} healthy</span>
          <span className="state-starting">{count("starting")} starting</span>
          <span className="state-degraded">{count("degraded")} degraded</span>
          <span className="state-down">{count("down")} down</span>
          <span className="state-stopped">{count("stopped")} stopped</span>
          <span>{tasks} tasks</span>
          <span id="fleet-uptime">uptime 24 h {fleetUptime(nodes)}</span>
        </div>
        <div className="actions">
          <button type="button" onClick={() => void control("all", "start")} disabled={!nodes.some((n) => n.pid == null)}>
            Start all
          </button>
          <button
            type="button"
            onClick={() => {
              const need = nodes.find((n) => n.uptime)?.uptime?.required_day_pct;
              const cost = need != null ? ` Stopped minutes count against today's uptime: a day needs ${need} % to count towards qualification.` : "";
              if (window.confirm(`Stop all ${nodes.length} nodes? While stopped they earn nothing.${cost}`)) void control("all", "stop");
            }}
            disabled={!nodes.some((n) => n.pid != null)}
          >
            Stop all
          </button>
        </div>
      </div>
      {system && <SystemBar s={system} />}
      {error && <ErrorBox error={error} />}
      {healthError && !error && <ErrorBox message={healthError} />}
      {alerts.length > 0 && (
        <ul className="alerts" aria-label="Alerts">
          {alerts.slice(0, 3).map((a) => (
            <li key={a.id} className={`alert-${a.kind}`} data-alert={a.id}>
              ⚠ {a.message} <span className="muted">· {new Date(a.at * 1000).toLocaleTimeString()}</span>{" "}
              <button
                type="button"
                className="small"
                aria-label={`Dismiss: ${a.message}`}
                onClick={() => {
                  dismissAlert(a.id).then(
                    () => setAlerts((l) => l.filter((x) => x.id !== a.id)),
                    (e) => setError(asUserError(e)),
                  );
                }}
              >
                Dismiss
              </button>
            </li>
          ))}
        </ul>
      )}
      {nodes.length === 0 && <p className="muted">No nodes yet: the Setup tab creates them.</p>}
      <div className="cards">
        {nodes.map((n) => (
          <button type="button" key={n.id} className={`node-card state-${n.state}`} data-node={n.id} onClick={() => setSelected(n.id)}>
            <div className="card-top">
              <strong>Node {n.id}</strong>
              <span className={`badge state-${n.state}`}>{n.state}</span>
            </div>
            <div className={`earning ${n.earning.earning ? "ok" : "bad"}`}>{earningText(n)}</div>
            <div className="reason">{n.reason}</div>
            <dl>
              <dt title="Share of the last 24 hours the node was up, as the contest counts it">Uptime 24 h</dt>
              <dd className="uptime">{uptimeText(n.uptime)}</dd>
              <dt title="Processor and memory the node uses, with its worker processes">CPU / RAM</dt>
              <dd>
                {n.cpu_pct == null ? "–" : `${n.cpu_pct.toFixed(0)} %`} / {mb(n.rss_bytes)}
              </dd>
              <dt title="The step of the network's current session the node is in">Phase</dt>
              <dd>{n.pid != null ? n.log.state_name ?? "–" : "–"}</dd>
              <dt title="Tasks the node committed / tasks assigned to it">Tasks</dt>
              <dd>
                {n.log.tasks_committed} / {n.log.tasks_assigned}
              </dd>
              <dt title="Heartbeats the node sent to the network">Pings</dt>
              <dd>{n.log.pings}</dd>
              <dt title="The node's AI model engine (Docker containers or its port)">LLM</dt>
              <dd className="llm">{n.pid != null ? llmSummary(n) : "–"}</dd>
              <dt title="The node's cognitive level (0–10), as it prints it">Level</dt>
              <dd className="level">{n.log.cognitive_level ?? "–"}</dd>
              <dt title="ETH on the node's network, to pay for its transactions">Balance</dt>
              <dd className={`balance${n.balance?.low ? " bad" : ""}`}>{n.balance?.eth ?? "–"}</dd>
            </dl>
            {n.balance?.low && <div className="fund">⚠ Below {n.balance.min_eth}: send ETH to this address</div>}
            <code className="addr">{n.address}</code>
          </button>
        ))}
      </div>
    </section>
  );
}

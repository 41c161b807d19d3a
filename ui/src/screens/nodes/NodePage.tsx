import { useEffect, useMemo, useRef, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { dateTime, time } from "../../format";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { NodeHealth } from "../../bindings/NodeHealth";
import type { UptimePoint } from "../../bindings/UptimePoint";
import type { Action } from "../../bindings/Action";
import { asUserError, onNodeLog, unwatchNodeLog, uptimeTimeline, watchNodeLog } from "../../api";
import type { UserError } from "../../bindings/UserError";
import { ErrorBox } from "../../components/ErrorBox";
import { registerNodes, startDocker } from "./actions";
import { earningText, uptimeText, actionLabel } from "./words";
import type { Sample } from "./types";

/** Lines kept in the live log view. */
const LOG_LINES = 1000;

/** A log line with the filter's matches marked. */
function Marked({ line, term }: { line: string; term: string }) {
  if (!term) return <>{line}</>;
  const parts: React.ReactNode[] = [];
  const lower = line.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(term); i >= 0; i = lower.indexOf(term, at)) {
    parts.push(line.slice(at, i), <mark key={i}>{line.slice(i, i + term.length)}</mark>);
    at = i + term.length;
  }
  parts.push(line.slice(at));
  return <>{parts}</>;
}

type Props = { node: NodeHealth; history: Sample[]; onBack: () => void; onControl: (a: Action) => void };

/** A small uPlot line chart of one series over time. */
function Chart({ title, xs, ys, unit, whole }: { title: string; xs: number[]; ys: (number | null)[]; unit: string; whole?: boolean }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = () => Math.max(200, el.current?.clientWidth ?? 360);
    plot.current = new uPlot(
      {
        width: width(),
        height: 150, // pixels: not-a-contest-number
        legend: { show: false },
        axes: [
          { stroke: "#888" },
          {
            stroke: "#888",
            size: 60,
            // Whole counts get whole ticks (no "2.5 tasks").
            values: (_u, v) => v.map((x) => (whole && !Number.isInteger(x) ? "" : `${x}${unit}`)),
          },
        ],
        scales: whole ? { y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max))] } } : undefined,
        series: [{}, { stroke: "#6d5dfc", width: 2, fill: "rgba(109,93,252,0.12)" }],
      },
      [xs, ys],
      el.current,
    );
    // The chart fits its container, also when the window is resized.
    const ro = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 150 })); // not-a-contest-number
    ro?.observe(el.current);
    return () => {
      ro?.disconnect();
      plot.current?.destroy();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    plot.current?.setData([xs, ys]);
  }, [xs, ys]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={el} />
    </figure>
  );
}

export function NodePage({ node, history, onBack, onControl }: Props) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<string[]>([]);
  const [filter, setFilter] = useState("");
  const [timeline, setTimeline] = useState<UptimePoint[]>([]);
  const logRef = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  useEffect(() => {
    const p = logRef.current;
    if (follow && p) p.scrollTop = p.scrollHeight;
  });

  useEffect(() => {
    let live = true;
    // The last lines now; new ones are pushed from Rust as `node-log` events.
    watchNodeLog(node.id, 400).then((l) => live && setLines(l), () => {});
    const un = onNodeLog((batch) => {
      if (live && batch.id === node.id) setLines((l) => [...l, ...batch.lines].slice(-LOG_LINES));
    });
    uptimeTimeline(node.id, 24).then(setTimeline, () => {});
    return () => {
      live = false;
      void un.then((f) => f());
      void unwatchNodeLog().catch(() => {});
    };
  }, [node.id]);

  const xs = useMemo(() => history.map((s) => s.at), [history.length, history[history.length - 1]?.at]); // eslint-disable-line react-hooks/exhaustive-deps
  const term = filter.toLowerCase();
  const shown = term ? lines.filter((l) => l.toLowerCase().includes(term)) : lines;

  return (
    <section className="node-page" aria-labelledby="node-title">
      <div className="dash-head">
        <button type="button" onClick={onBack}>
          {t("node.back")}
        </button>
        <h2 id="node-title">
          {t("dash.node", { id: node.id })} <span className={`badge state-${node.state}`}>{t(`state.${node.state}`)}</span>
        </h2>
        <div className="actions">
          <button type="button" onClick={() => onControl("start")} disabled={node.pid != null}>
            {t("overview.action.start")}
          </button>
          <button type="button" onClick={() => onControl("restart")}>
            {t("overview.action.restart")}
          </button>
          <button type="button" onClick={() => onControl("stop")} disabled={node.pid == null}>
            {t("node.stop")}
          </button>
        </div>
      </div>
      <EarningLine node={node} onControl={onControl} />
      <p className="reason" id="node-reason">
        {node.reason}
      </p>
      <Funding node={node} />
      <details className="node-details" id="node-details">
        <summary title={t("node.detailsHelp")}>{t("error.details")}</summary>
      <p className="muted" id="node-tech">
        <code>{node.address}</code> · pid {node.pid ?? "–"}
        {node.processes != null && node.processes > 1 ? ` ${t("node.processes", { n: node.processes })}` : ""} ·{" "}
        {t("node.tech", {
          threads: node.threads ?? "–",
          files: node.open_files ?? "–",
          restarts: node.restarts,
          session: node.log.session_id ?? "–",
          malformed: node.log.malformed,
        })}
        {node.uptime && (
          <>
            {" "}
            · {t("node.qualifiedDays", { done: node.uptime.qualified_days, days: node.uptime.required_days })}
          </>
        )}
      </p>
      <div className="engine" id="node-engine">
        <h3>{t("node.engine")}</h3>
        {node.containers == null ? (
          <p className="muted">{t("node.containersUnknown")}</p>
        ) : node.containers.length === 0 ? (
          <p className="muted">{t("node.noContainers")}</p>
        ) : (
          <ul>
            {node.containers.map((c) => (
              <li key={c.name}>
                <code>{c.name}</code> <span className={c.state === "running" ? "ok" : "bad"}>{c.status}</span> · {t("node.dockerRestarts", { n: c.restarts })}
              </li>
            ))}
          </ul>
        )}
        <p className="muted">{t("node.containerRestarts", { n: node.container_restarts })}</p>
        <ul className="ports" aria-label={t("node.ports")}>
          {node.ports.map((p) => (
            <li key={p.name}>
              {t("node.port", { name: p.name, port: p.port })} <span className={p.listening ? "ok" : "muted"}>{p.listening ? t("node.listening") : t("node.notListening")}</span>
            </li>
          ))}
        </ul>
      </div>
      </details>
      <div className="charts">
        <Chart title={t("node.chartCpu")} unit="%" xs={xs} ys={history.map((s) => s.cpu)} />
        <Chart title={t("node.chartRam")} unit=" MB" xs={xs} ys={history.map((s) => (s.rss == null ? null : s.rss / (1 << 20)))} />
        <Chart title={t("node.chartTasks")} unit="" whole xs={xs} ys={history.map((s) => s.tasks)} />
      </div>
      <figure className="timeline">
        <figcaption>
          {t("node.uptimeTitle", { uptime: node.uptime && node.uptime.seen_minutes_24h > 0 ? uptimeText(node.uptime) : t("node.noData") })}
        </figcaption>
        <div className="bar" aria-label={t("node.timeline")}>
          {timeline.map((p) => (
            <span key={p.at} className={p.up ? "up" : "down"} title={dateTime(p.at)} />
          ))}
        </div>
      </figure>
      <div className="logview">
        <input type="search" placeholder={t("node.filterPlaceholder")} value={filter} onChange={(e) => setFilter(e.target.value)} aria-label={t("node.filter")} />
        <p className="muted" id="node-log-count">
          {term ? t("node.matching", { n: shown.length, all: lines.length }) : t("node.lines", { n: lines.length })}
        </p>
        <pre
          id="node-log"
          ref={logRef}
          onScroll={(e) => {
            const p = e.currentTarget;
            // Following the tail until the user scrolls up.
            setFollow(p.scrollHeight - p.scrollTop - p.clientHeight < 24);
          }}
        >
          {shown.map((l, i) => (
            <span key={i}>
              <Marked line={l} term={term} />
              {"\n"}
            </span>
          ))}
        </pre>
        {!follow && (
          <button
            type="button"
            id="jump-latest"
            className="small primary"
            onClick={() => {
              setFollow(true);
              if (logRef.current) logRef.current.scrollTop = logRef.current.scrollHeight;
            }}
          >
            {t("node.jump")}
          </button>
        )}
      </div>
    </section>
  );
}

/** The node's gas money: its balance as the daemon last read it, and its address to fund. */
function Funding({ node }: { node: NodeHealth }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const b = node.balance;
  return (
    <div className="funding" id="node-funding">
      <h3>{t("dash.balance")}</h3>
      {b == null ? (
        <p className="muted">{t("node.notRead")}</p>
      ) : (
        <p>
          <span className={b.low ? "bad" : "ok"} id="node-balance">
            {b.eth ?? t("words.unknown")}
          </span>{" "}
          <span className="muted">
            · {t("node.readAt", { time: time(b.checked_at) })}
            {b.error ? ` · ${t("node.readFailed", { why: b.error })}` : ""}
          </span>
        </p>
      )}
      {b?.low && (
        <p className="warning" role="alert" id="node-fund">
          <Trans i18nKey="node.low" values={{ min: b.min_eth, address: node.address }} components={{ code: <code /> }} />
        </p>
      )}
      <button
        type="button"
        className="small"
        onClick={() => {
          navigator.clipboard?.writeText(node.address).then(() => setCopied(true), () => setCopied(false));
        }}
      >
        {copied ? t("keys.copied") : t("node.copyAddress")}
      </button>
    </div>
  );
}

/** Earning, or what stops the node, with the button that helps. */
function EarningLine({ node, onControl }: { node: NodeHealth; onControl: (a: Action) => void }) {
  useTranslation(); // its words come from the catalog: re-render when the language changes
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const [actionError, setActionError] = useState<UserError | null>(null);
  const action = node.earning.action;
  async function act() {
    setBusy(true);
    setActionError(null);
    setSaid(null);
    try {
      if (action === "Start") onControl("start");
      else if (action === "Restart") onControl("restart");
      else if (action === "Register") setSaid(await registerNodes([node.id]));
      else if (action === "Start Docker") {
        const done = await startDocker();
        if (done) setSaid(done);
      }
    } catch (e) {
      setActionError(asUserError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className={`earning-line ${node.earning.earning ? "ok" : "bad"}`} id="node-earning">
      {earningText(node).replace(/ — [^—]+$/, "")}{" "}
      {action && action !== "Fund it" && (
        <button type="button" className="small primary" onClick={() => void act()} disabled={busy}>
          {actionLabel(action)}
        </button>
      )}
      {said && <span className="muted"> {said}</span>}
      {actionError && <ErrorBox error={actionError} action={action ?? ""} node={node.id} />}
    </div>
  );
}

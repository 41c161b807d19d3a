import i18n from "../../i18n";
import { num } from "../../format";
import { useContext, useEffect, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { FolderChoice } from "../../components/FolderChoice";
import type { StressOutcome } from "../../bindings/StressOutcome";
import type { StressProgress } from "../../bindings/StressProgress";
import type { StressPhase } from "../../bindings/StressPhase";
import type { CycleResult } from "../../bindings/CycleResult";
import type { ChosenPath } from "../../bindings/ChosenPath";
import type { UserError } from "../../bindings/UserError";
import { asUserError, choosePath, machineStatus, onStressProgress, stressCancel, stressClean, stressLatest, stressRun } from "../../api";
import { ErrorBox } from "../../components/ErrorBox";
import { ReportContext } from "../report/reportContext";
import { leaderboardProblem } from "../rewards/RankProjection";

const PHASES: [StressPhase, string][] = [
  ["install", "Install"],
  ["launch", "Launch"],
  ["healthy", "Healthy"],
  ["stop", "Stop"],
  ["uninstall", "Uninstall"],
];
const NAME: Record<StressPhase, string> = Object.fromEntries(PHASES) as Record<StressPhase, string>;

const secs = (ms: number) => `${num(ms / 1000, 1)} s`;
/** A phase's name in the UI's language (the bug report's summary keeps `NAME`, in English). */
const phaseName = (p: StressPhase) => i18n.t(`stress.phase.${p}`);

/** A whole number in [min, max] typed in a field, or what is wrong with it. */
function whole(raw: string, min: number, max: number, what: string): number | string {
  const t = raw.trim();
  if (!/^\d+$/.test(t)) return i18n.t("stress.wholeNumber", { what, min: num(min), max: num(max) });
  const n = Number(t);
  return n < min || n > max ? i18n.t("stress.range", { what, min: num(min), max: num(max) }) : n;
}

function summary(o: StressOutcome): string {
  const r = o.report;
  const ok = r.cycles.filter((c) => !c.failure).length;
  const lines = [`${ok} of ${r.cycles.length} cycles passed${r.cancelled ? " (cancelled)" : ""} · ${r.parallel} node(s) per cycle · source ${r.source}`];
  for (const f of r.failures) lines.push(`cycle ${f.cycle}: ${NAME[f.phase]} failed (${f.class.replace("_", " ")}): ${f.message}`);
  return lines.join("\n");
}

/** The Stress page for testers: cycles of install → launch → healthy → stop → uninstall, each in
 * a sandbox of its own (the user's nodes, keys and services are never touched); live progress,
 * a table per cycle, and the report with its chart, attachable to a bug report in one click. */
export function StressScreen() {
  const report = useContext(ReportContext);
  const { t } = useTranslation();
  const [cycles, setCycles] = useState("10");
  const [parallel, setParallel] = useState("1");
  const [timeout, setTimeoutSecs] = useState("600");
  const [phases, setPhases] = useState<StressPhase[]>(PHASES.map(([p]) => p));
  const [source, setSource] = useState("official");
  const [folder, setFolder] = useState<ChosenPath | null>(null);
  const [maxNodes, setMaxNodes] = useState<number | null>(null);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<StressProgress | null>(null);
  const [rows, setRows] = useState<CycleResult[]>([]);
  const [outcome, setOutcome] = useState<StressOutcome | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [cleaned, setCleaned] = useState<string | null>(null);

  useEffect(() => {
    stressLatest().then((o) => o && setOutcome(o), () => {});
    machineStatus().then((s) => setMaxNodes(s?.max_nodes ?? null), () => {});
  }, []);

  const nCycles = whole(cycles, 1, 10000, t("stress.cycles")); // not-a-contest-number: the runner's own bound
  const nParallel = whole(parallel, 1, maxNodes ?? 1, t("stress.parallel"));
  const nTimeout = whole(timeout, 1, 86400, t("stress.timeoutShort")); // not-a-contest-number: a day
  const sourceProblem = folder || source.trim() === "official" ? null : leaderboardProblem(source);
  const problems = [nCycles, nParallel, nTimeout].filter((v): v is string => typeof v === "string");
  const canStart = !running && problems.length === 0 && !sourceProblem && phases.length > 0;

  async function start() {
    if (!canStart) return;
    setRunning(true);
    setError(null);
    setCleaned(null);
    setRows([]);
    setProgress(null);
    setOutcome(null);
    const unlisten = await onStressProgress((p) => {
      setProgress(p);
      const done = p.finished;
      if (done) setRows((r) => [...r, done]);
    });
    try {
      setOutcome(
        await stressRun({
          cycles: nCycles as number,
          parallel: nParallel as number,
          phases,
          source: folder?.token ?? source.trim(),
          timeout_secs: nTimeout as number,
        }),
      );
    } catch (e) {
      setError(asUserError(e));
    } finally {
      unlisten();
      setRunning(false);
    }
  }

  async function chooseFolder() {
    const chosen = await choosePath("release_folder").catch(() => []);
    if (chosen[0]) setFolder(chosen[0]);
  }

  async function clean() {
    try {
      const c = await stressClean();
      setCleaned(
        c.sandboxes === 0 && c.in_use === 0
          ? t("stress.nothingLeft")
          : t("stress.removed", { sandboxes: c.sandboxes, processes: c.processes }) + (c.in_use ? t("stress.inUse", { n: c.in_use }) : "") + ".",
      );
    } catch (e) {
      setError(asUserError(e));
    }
  }

  const timed = outcome?.report.phases_timed ?? phases;
  // While it runs, the cycles as they end; then the report's (all of them).
  const shownRows = running ? rows : (outcome?.report.cycles ?? rows);

  return (
    <section className="stress" aria-labelledby="stress-title">
      <h2 id="stress-title">{t("app.tab.stress")}</h2>
      <p className="muted">{t("stress.intro")}</p>
      <form
        className="card stress-form"
        id="stress-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <div className="row">
          <label className="field">
            <span>{t("stress.cycles")}</span>
            <input id="stress-cycles" inputMode="numeric" value={cycles} onChange={(e) => setCycles(e.target.value)} aria-invalid={typeof nCycles === "string"} disabled={running} />
          </label>
          <label className="field">
            <span>{t("stress.parallel")}</span>
            <input id="stress-parallel" inputMode="numeric" value={parallel} onChange={(e) => setParallel(e.target.value)} aria-invalid={typeof nParallel === "string"} disabled={running} />
          </label>
          <label className="field">
            <span>{t("stress.timeout")}</span>
            <input id="stress-timeout" inputMode="numeric" value={timeout} onChange={(e) => setTimeoutSecs(e.target.value)} aria-invalid={typeof nTimeout === "string"} disabled={running} />
          </label>
        </div>
        {problems.map((p) => (
          <p key={p} className="field-error" role="alert">
            {p}
          </p>
        ))}
        <fieldset className="phases" disabled={running}>
          <legend>{t("stress.phases")}</legend>
          {PHASES.map(([p]) => (
            <label key={p} className="check">
              <input type="checkbox" checked={phases.includes(p)} onChange={(e) => setPhases((ps) => (e.target.checked ? [...ps, p] : ps.filter((x) => x !== p)))} />
              {phaseName(p)}
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t("install.sourceLabel")}</span>
          <input
            id="stress-source"
            value={source}
            onChange={(e) => {
              setFolder(null);
              setSource(e.target.value);
            }}
            disabled={running || folder !== null}
            aria-invalid={sourceProblem !== null}
            spellCheck={false}
          />
        </label>
        {sourceProblem && (
          <p className="field-error" role="alert">
            {sourceProblem}
          </p>
        )}
        <FolderChoice folder={folder} onChoose={() => void chooseFolder()} onClear={() => setFolder(null)} disabled={running} />
        <div className="actions">
          <button type="button" id="stress-clean" onClick={() => void clean()} disabled={running}>
            {t("stress.clean")}
          </button>
          <button type="submit" id="stress-start" className="primary" disabled={!canStart}>
            {running ? t("stress.running") : t("welcome.start")}
          </button>
        </div>
        {cleaned && (
          <p className="ok" id="stress-cleaned">
            {cleaned}
          </p>
        )}
      </form>

      {running && (
        <div className="card progress" id="stress-progress" aria-live="polite">
          <progress max={progress?.cycles ?? (nCycles as number)} value={progress?.done ?? 0} />
          <span id="stress-status">
            {progress
              ? t("stress.progress", {
                  cycle: Math.min(progress.cycle, progress.cycles),
                  cycles: progress.cycles,
                  phase: progress.phase ? `: ${phaseName(progress.phase)}` : "",
                  done: progress.done,
                  failed: progress.failed,
                })
              : t("stress.looking")}
          </span>
          <button
            type="button"
            id="stress-cancel"
            onClick={() => {
              void stressCancel();
            }}
          >
            {t("install.cancel")}
          </button>
        </div>
      )}

      {error && (
        <div id="stress-error">
          <ErrorBox error={error} action="Run the stress test" onRetry={() => void start()} />
        </div>
      )}

      {shownRows.length > 0 && (
        <div className="card">
          <h3>{t("stress.cycles")}</h3>
          <table className="stress-cycles" id="stress-cycles">
            <thead>
              <tr>
                <th scope="col">{t("stress.cycle")}</th>
                {timed.map((p) => (
                  <th key={p} scope="col">
                    {phaseName(p)}
                  </th>
                ))}
                <th scope="col">{t("stress.result")}</th>
              </tr>
            </thead>
            <tbody>
              {shownRows.map((c) => (
                <tr key={c.cycle} className={c.failure ? "failed" : "passed"} data-cycle={c.cycle}>
                  <td>{c.cycle}</td>
                  {timed.map((p) => {
                    const took = c.phases.find((x) => x.phase === p);
                    return <td key={p}>{took ? secs(took.ms) : "–"}</td>;
                  })}
                  <td>{c.failure ? `✗ ${phaseName(c.failure.phase)}: ${t(`stress.class.${c.failure.class}`)} — ${c.failure.message}` : "✓"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {outcome && !running && (
        <div className="card" id="stress-result">
          <h3>{t("stress.report", { id: outcome.report.id })}</h3>
          <p id="stress-summary">
            {t("stress.passed", { ok: outcome.report.cycles.filter((c) => !c.failure).length, all: outcome.report.cycles.length })}
            {outcome.report.cancelled ? t("stress.cancelled") : ""} · {t("stress.perCycle", { n: outcome.report.parallel })}
          </p>
          <table className="stress-stats" id="stress-stats">
            <thead>
              <tr>
                <th scope="col">{t("dash.phase")}</th>
                <th scope="col">{t("stress.cycles")}</th>
                <th scope="col">{t("stress.min")}</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">{t("stress.max")}</th>
              </tr>
            </thead>
            <tbody>
              {outcome.report.phases.map((p) => (
                <tr key={p.phase} data-phase={p.phase}>
                  <td>{phaseName(p.phase)}</td>
                  <td>{p.count}</td>
                  <td>{secs(p.min_ms)}</td>
                  <td>{secs(p.p50_ms)}</td>
                  <td>{secs(p.p95_ms)}</td>
                  <td>{secs(p.max_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <img id="stress-chart" alt={t("stress.chartAlt", { id: outcome.report.id })} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(outcome.chart_svg)}`} />
          {outcome.report.notes.length > 0 && (
            <ul className="muted" id="stress-notes">
              {outcome.report.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <p className="muted">
            <Trans
              i18nKey="stress.peaks"
              values={{
                cpu: num(Math.round(outcome.report.peaks.cpu_pct)),
                mem: num(outcome.report.peaks.rss_bytes / 1048576, 0),
                disk: num(outcome.report.peaks.disk_bytes / 1048576, 0),
                dir: outcome.dir,
              }}
              components={{ code: <code /> }}
            />
          </p>
          <div className="actions">
            <button
              type="button"
              id="stress-report"
              onClick={() => report.open({ screen: "Stress test", action: `Stress test ${outcome.report.id}`, node: null, error: summary(outcome) })}
            >
              {t("stress.reportRun")}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

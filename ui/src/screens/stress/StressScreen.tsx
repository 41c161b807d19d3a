import { useContext, useEffect, useState } from "react";
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

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A whole number in [min, max] typed in a field, or what is wrong with it. */
function whole(raw: string, min: number, max: number, what: string): number | string {
  const t = raw.trim();
  if (!/^\d+$/.test(t)) return `${what}: a whole number from ${min} to ${max}`;
  const n = Number(t);
  return n < min || n > max ? `${what}: from ${min} to ${max}` : n;
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

  const nCycles = whole(cycles, 1, 10000, "Cycles"); // not-a-contest-number: the runner's own bound
  const nParallel = whole(parallel, 1, maxNodes ?? 1, "Nodes per cycle");
  const nTimeout = whole(timeout, 1, 86400, "Timeout (seconds)"); // not-a-contest-number: a day
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
          ? "Nothing was left by earlier runs."
          : `Removed ${c.sandboxes} sandbox(es) and ${c.processes} process(es) left by earlier runs${c.in_use ? `; ${c.in_use} belong to a run still going on` : ""}.`,
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
      <h2 id="stress-title">Stress test</h2>
      <p className="muted">
        Installs and launches nodes over and over, unattended, and times each phase. Every cycle runs in a sandbox of its own: its own data folder, throwaway keys
        in its own files, its own ports, the app's own supervisor — your nodes, keys and services are never touched.
      </p>
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
            <span>Cycles</span>
            <input id="stress-cycles" inputMode="numeric" value={cycles} onChange={(e) => setCycles(e.target.value)} aria-invalid={typeof nCycles === "string"} disabled={running} />
          </label>
          <label className="field">
            <span>Nodes per cycle</span>
            <input id="stress-parallel" inputMode="numeric" value={parallel} onChange={(e) => setParallel(e.target.value)} aria-invalid={typeof nParallel === "string"} disabled={running} />
          </label>
          <label className="field">
            <span>Timeout per phase (seconds)</span>
            <input id="stress-timeout" inputMode="numeric" value={timeout} onChange={(e) => setTimeoutSecs(e.target.value)} aria-invalid={typeof nTimeout === "string"} disabled={running} />
          </label>
        </div>
        {problems.map((p) => (
          <p key={p} className="field-error" role="alert">
            {p}
          </p>
        ))}
        <fieldset className="phases" disabled={running}>
          <legend>Phases timed</legend>
          {PHASES.map(([p, label]) => (
            <label key={p} className="check">
              <input type="checkbox" checked={phases.includes(p)} onChange={(e) => setPhases((ps) => (e.target.checked ? [...ps, p] : ps.filter((x) => x !== p)))} />
              {label}
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>Release source (official, or a mirror's manifest URL)</span>
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
            Clean up after an interrupted run
          </button>
          <button type="submit" id="stress-start" className="primary" disabled={!canStart}>
            {running ? "Running…" : "Start"}
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
            {progress ? `Cycle ${Math.min(progress.cycle, progress.cycles)} of ${progress.cycles}${progress.phase ? `: ${NAME[progress.phase]}` : ""} · ${progress.done} done · ${progress.failed} failed` : "Looking at this machine (its description goes into the report)…"}
          </span>
          <button
            type="button"
            id="stress-cancel"
            onClick={() => {
              void stressCancel();
            }}
          >
            Cancel
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
          <h3>Cycles</h3>
          <table className="stress-cycles" id="stress-cycles">
            <thead>
              <tr>
                <th scope="col">Cycle</th>
                {timed.map((p) => (
                  <th key={p} scope="col">
                    {NAME[p]}
                  </th>
                ))}
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {shownRows.map((c) => (
                <tr key={c.cycle} className={c.failure ? "failed" : "passed"} data-cycle={c.cycle}>
                  <td>{c.cycle}</td>
                  {timed.map((p) => {
                    const t = c.phases.find((x) => x.phase === p);
                    return <td key={p}>{t ? secs(t.ms) : "–"}</td>;
                  })}
                  <td>{c.failure ? `✗ ${NAME[c.failure.phase]}: ${c.failure.class.replace("_", " ")} — ${c.failure.message}` : "✓"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {outcome && !running && (
        <div className="card" id="stress-result">
          <h3>Report {outcome.report.id}</h3>
          <p id="stress-summary">
            {outcome.report.cycles.filter((c) => !c.failure).length} of {outcome.report.cycles.length} cycles passed
            {outcome.report.cancelled ? " (cancelled)" : ""} · {outcome.report.parallel} node(s) per cycle
          </p>
          <table className="stress-stats" id="stress-stats">
            <thead>
              <tr>
                <th scope="col">Phase</th>
                <th scope="col">Cycles</th>
                <th scope="col">Min</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">Max</th>
              </tr>
            </thead>
            <tbody>
              {outcome.report.phases.map((p) => (
                <tr key={p.phase} data-phase={p.phase}>
                  <td>{NAME[p.phase]}</td>
                  <td>{p.count}</td>
                  <td>{secs(p.min_ms)}</td>
                  <td>{secs(p.p50_ms)}</td>
                  <td>{secs(p.p95_ms)}</td>
                  <td>{secs(p.max_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <img id="stress-chart" alt={`Phase times per cycle of report ${outcome.report.id}`} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(outcome.chart_svg)}`} />
          {outcome.report.notes.length > 0 && (
            <ul className="muted" id="stress-notes">
              {outcome.report.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <p className="muted">
            Peaks: CPU {Math.round(outcome.report.peaks.cpu_pct)} % · memory {(outcome.report.peaks.rss_bytes / 1048576).toFixed(0)} MiB · sandbox on disk{" "}
            {(outcome.report.peaks.disk_bytes / 1048576).toFixed(0)} MiB. Saved in <code>{outcome.dir}</code> (report.json, report.md, chart.svg).
          </p>
          <div className="actions">
            <button
              type="button"
              id="stress-report"
              onClick={() => report.open({ screen: "Stress test", action: `Stress test ${outcome.report.id}`, node: null, error: summary(outcome) })}
            >
              Report this run
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

import { useEffect, useState } from "react";
import type { MachineStatus } from "../bindings/MachineStatus";
import type { DoctorReport } from "../bindings/DoctorReport";
import type { Progress } from "../bindings/Progress";
import type { NodeSpec } from "../bindings/NodeSpec";
import type { Registration } from "../bindings/Registration";
import type { StartReport } from "../bindings/StartReport";
import { GIB } from "../format";
import {
  addNodes,
  adoptOfficial,
  cancelInstall,
  errorMessage,
  exportKeys,
  fixCheck,
  prepareBugReport,
  installBinary,
  machineStatus,
  onInstallProgress,
  registerNode,
  runDoctor,
  startNodes,
} from "../api";

const STEPS = ["Welcome", "System check", "Install", "Nodes", "Keys", "Register", "Start"] as const;

type Props = { onDone: () => void };

function bytes(n: number): string {
  if (n >= GIB) return `${(n / GIB).toFixed(2)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  return `${Math.round(n / 1024)} kB`;
}

/** An error where the user looks, with its details one click away. */
function ErrorBox({ message }: { message: string }) {
  const [copied, setCopied] = useState(false);
  const [report, setReport] = useState<string | null>(null);
  return (
    <div role="alert" className="inline-error wizard-error">
      <div>
        <p>{message}</p>
        {report && <p className="report-saved">{report}</p>}
      </div>
      <div className="error-actions">
        <button
          type="button"
          onClick={() => {
            navigator.clipboard?.writeText(message).then(() => setCopied(true), () => setCopied(false));
          }}
        >
          {copied ? "Copied" : "Copy details"}
        </button>
        <button
          type="button"
          onClick={() =>
            prepareBugReport(message).then(
              (d) => setReport(`Diagnostics saved to ${d.path} (secrets removed). Attach it to your report to the Cortensor team.`),
              (e) => setReport(`Could not save diagnostics: ${errorMessage(e)}`),
            )
          }
        >
          Report a bug
        </button>
      </div>
    </div>
  );
}

export function SetupWizard({ onDone }: Props) {
  const [step, setStep] = useState(0);
  const [status, setStatus] = useState<MachineStatus | null>(null);
  const [doctor, setDoctor] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [source, setSource] = useState("official");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [installed, setInstalled] = useState<string | null>(null);
  const [count, setCount] = useState(1);
  const [created, setCreated] = useState<NodeSpec[]>([]);
  const [registrations, setRegistrations] = useState<Record<number, Registration | string>>({});
  const [started, setStarted] = useState<StartReport | null>(null);
  const [adopt, setAdopt] = useState(true);
  const [backupPath, setBackupPath] = useState("");
  const [backedUp, setBackedUp] = useState<string | null>(null);
  // The most nodes the app creates on one machine (from the core, like every limit).
  const maxNodes = status?.max_nodes ?? 1;

  useEffect(() => {
    machineStatus().then(
      (s) => {
        setStatus(s);
        if (s.installed) setInstalled(s.installed.version);
        setBackupPath(`${s.data_dir}/cortensor-keys-backup.csv`);
        setCreated(s.nodes.map((n) => n.spec));
      },
      (e) => setError(errorMessage(e)),
    );
  }, []);

  useEffect(() => {
    if (step === 1 && !doctor) void check();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step]);

  async function act<T>(f: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  async function check() {
    const r = await act(runDoctor);
    if (r) {
      setDoctor(r);
      setCount((c) => Math.min(c, maxNodes) || Math.min(r.affordable_nodes, maxNodes));
    }
  }

  async function fix(id: string, label: string) {
    if (!window.confirm(`${label}: the app will run the steps as administrator (your password is asked). Continue?`)) return;
    const r = await act(() => fixCheck(id));
    if (r) {
      setDoctor(null);
      await check();
    }
  }

  async function backup() {
    const n = await act(() => exportKeys(backupPath.trim()));
    if (n !== undefined) setBackedUp(`${n} key(s) saved to ${backupPath.trim()} (readable by you only). Keep a copy offline.`);
  }

  async function install() {
    setProgress(null);
    const unlisten = await onInstallProgress(setProgress);
    try {
      const r = await act(() => installBinary(source.trim() || "official"));
      if (r) {
        setInstalled(r.version);
        const official = status?.official_installs.find((o) => o.has_private_key);
        if (official && adopt) {
          const n = await act(() => adoptOfficial(official.env_file));
          if (n) setCreated((c) => (c.some((x) => x.id === n.id) ? c : [...c, n]));
        }
      }
    } finally {
      unlisten();
    }
  }

  async function create() {
    const r = await act(() => addNodes(count));
    if (r) {
      setCreated((c) => [...c, ...r.nodes]);
      setStep(4);
    }
  }

  async function registerAll() {
    setBusy(true);
    setError(null);
    for (const n of created) {
      try {
        const r = await registerNode(n.id);
        setRegistrations((m) => ({ ...m, [n.id]: r }));
      } catch (e) {
        setRegistrations((m) => ({ ...m, [n.id]: errorMessage(e) }));
      }
    }
    setBusy(false);
  }

  async function start() {
    const r = await act(startNodes);
    if (r) setStarted(r);
  }

  const affordable = doctor?.affordable_nodes ?? 1;
  const failed = doctor?.checks.filter((c) => c.status === "fail").length ?? 0;
  const official = status?.official_installs.find((o) => o.has_private_key);

  return (
    <section className="card wizard" aria-labelledby="wizard-title">
      <h2 id="wizard-title">Set up your nodes</h2>
      <ol className="steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li key={s} className={i === step ? "current" : i < step ? "done" : undefined} aria-current={i === step ? "step" : undefined}>
            {s}
          </li>
        ))}
      </ol>

      {step === 0 && (
        <div className="step" id="step-welcome">
          <p>
            This installs Cortensor's node software, creates a key for each node (kept in your system's keychain), and starts the
            nodes so they keep running for the whole contest, also after a restart.
          </p>
          {official && (
            <label className="check">
              <input type="checkbox" checked={adopt} onChange={(e) => setAdopt(e.target.checked)} />
              Import the existing Cortensor install found at <code>{official.env_file}</code> (node {official.address ?? "?"})
            </label>
          )}
          {status?.keychain_error && <ErrorBox message={status.keychain_error} />}
          <button id="wizard-start" className="primary" type="button" onClick={() => setStep(1)}>
            Start
          </button>
        </div>
      )}

      {step === 1 && (
        <div className="step" id="step-check">
          {busy && !doctor && <p className="muted">Checking this computer…</p>}
          {doctor && (
            <ul className="checks">
              {doctor.checks.map((c) => (
                <li key={c.id} className={`check-${c.status}`} data-check={c.id}>
                  <span className="dot" aria-label={c.status} />
                  <div>
                    <strong>{c.title}</strong> <span>{c.explanation}</span>
                    {c.fix && c.status !== "ok" && (
                      <div className="fix">
                        {c.fix.label}
                        {c.fix.command && <code className="cmd">{c.fix.command}</code>}
                        {c.fix.url && (
                          <a href={c.fix.url} target="_blank" rel="noreferrer">
                            instructions
                          </a>
                        )}
                        {c.fix.automatic && (
                          <button type="button" className="small" onClick={() => void fix(c.id, c.fix!.label)} disabled={busy}>
                            Fix for me
                          </button>
                        )}
                      </div>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
          {failed > 0 && <p className="warning">{failed} check(s) failed: you can install now, but nodes will not run until they are fixed.</p>}
          <div className="actions">
            <button type="button" onClick={() => void check()} disabled={busy}>
              Check again
            </button>
            <button id="wizard-next-check" className="primary" type="button" onClick={() => setStep(2)} disabled={!doctor}>
              Continue
            </button>
          </div>
        </div>
      )}

      {step === 2 && (
        <div className="step" id="step-install">
          <p>cortensord is downloaded from Cortensor's official distribution and checked against its published checksum before it is used.</p>
          <details>
            <summary>Download source</summary>
            <label className="field">
              <span>Release source (official, a mirror's manifest URL, or a folder)</span>
              <input id="install-source" value={source} onChange={(e) => setSource(e.target.value)} spellCheck={false} />
            </label>
          </details>
          {busy && (
            <div className="progress" aria-live="polite">
              <progress id="install-progress" max={progress?.total ?? 1} value={progress?.downloaded ?? 0} />
              <span>
                {progress
                  ? `${bytes(progress.downloaded)} of ${bytes(progress.total)} · ${bytes(progress.bytes_per_sec)}/s${progress.eta_secs != null ? ` · ${Math.ceil(progress.eta_secs)} s left` : ""}`
                  : "Connecting…"}
              </span>
              <button type="button" onClick={() => void cancelInstall()}>
                Cancel
              </button>
            </div>
          )}
          {installed && !busy && (
            <p className="ok" id="install-done">
              ✓ cortensord {installed} is installed and verified.
            </p>
          )}
          <div className="actions">
            <button id="wizard-install" type="button" className={installed ? undefined : "primary"} onClick={() => void install()} disabled={busy}>
              {installed ? "Check for a newer version" : "Install"}
            </button>
            <button id="wizard-next-install" className="primary" type="button" onClick={() => setStep(created.length ? 4 : 3)} disabled={!installed || busy}>
              Continue
            </button>
          </div>
        </div>
      )}

      {step === 3 && (
        <div className="step" id="step-nodes">
          <label className="field" htmlFor="node-count">
            How many nodes? This computer can run about {affordable}.
          </label>
          <div className="row">
            <input type="range" min={1} max={maxNodes} value={count} onChange={(e) => setCount(Number(e.target.value))} aria-label="Number of nodes" />
            <output id="node-count">{count}</output>
          </div>
          {count > affordable && <p className="warning">More nodes than this computer can comfortably run: they may be too slow to earn.</p>}
          <p className="muted">Each node needs its own stake: {status?.staking}</p>
          <div className="actions">
            <button id="wizard-create" className="primary" type="button" onClick={() => void create()} disabled={busy}>
              {busy ? "Creating…" : `Create ${count} node${count > 1 ? "s" : ""}`}
            </button>
          </div>
        </div>
      )}

      {step === 4 && (
        <div className="step" id="step-keys">
          <p>Each node has its own key, stored in your system's keychain. Back them up before you stake.</p>
          <ul className="nodes" id="node-keys">
            {created.map((n) => (
              <li key={n.id}>
                Node {n.id}: <code>{n.address}</code> · port {n.llm_port}
              </li>
            ))}
          </ul>
          <p className="muted">
            Next, stake for each node and send the node addresses to the Cortensor admins: {status?.staking}{" "}
            {status?.staking_url && (
              <a href={status.staking_url} target="_blank" rel="noreferrer">
                How to stake
              </a>
            )}
          </p>
          <div className="row backup">
            <input aria-label="Backup file" value={backupPath} onChange={(e) => setBackupPath(e.target.value)} spellCheck={false} />
            <button id="wizard-backup" type="button" onClick={() => void backup()} disabled={busy || !backupPath.trim()}>
              Back up keys
            </button>
          </div>
          {backedUp && (
            <p className="ok" id="backup-done">
              ✓ {backedUp}
            </p>
          )}
          <div className="actions">
            <button id="wizard-next-keys" className="primary" type="button" onClick={() => setStep(5)}>
              Continue
            </button>
          </div>
        </div>
      )}

      {step === 5 && (
        <div className="step" id="step-register">
          <p>Register and verify each node with the network (after staking and whitelisting).</p>
          <ul className="nodes" id="registrations">
            {created.map((n) => {
              const r = registrations[n.id];
              const text =
                r === undefined ? "not yet" : typeof r === "string" ? `failed: ${r}` : r.registered && r.verified ? "registered and verified" : `failed: ${r.output.trim().split("\n").pop()}`;
              const ok = r !== undefined && typeof r !== "string" && r.registered && r.verified;
              return (
                <li key={n.id} className={ok ? "ok" : r !== undefined ? "bad" : undefined} data-node={n.id}>
                  Node {n.id}: {text}
                </li>
              );
            })}
          </ul>
          <div className="actions">
            <button id="wizard-register" type="button" className="primary" onClick={() => void registerAll()} disabled={busy}>
              {busy ? "Registering…" : "Register all"}
            </button>
            <button id="wizard-next-register" type="button" onClick={() => setStep(6)} disabled={busy}>
              Continue
            </button>
          </div>
        </div>
      )}

      {step === 6 && (
        <div className="step" id="step-start">
          {started ? (
            <>
              <p className="ok" id="start-done">
                ✓ Started {started.started.length} node{started.started.length > 1 ? "s" : ""}.{" "}
                {started.survives_reboot
                  ? "They keep running when you close the app and start again after a restart."
                  : "They keep running when you close the app; after a restart, open the app (or run `cortensor-manager node start all`) to start them again."}
              </p>
              {started.notes.length > 0 && (
                <ul className="muted" id="start-notes">
                  {started.notes.map((n) => (
                    <li key={n}>{n}</li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <p>Start your nodes now. They run in the background, managed by your system.</p>
          )}
          <div className="actions">
            <button id="wizard-start-nodes" className={started ? undefined : "primary"} type="button" onClick={() => void start()} disabled={busy || started !== null}>
              Start nodes
            </button>
            <button id="wizard-finish" type="button" className={started ? "primary" : undefined} onClick={onDone}>
              Go to your nodes
            </button>
          </div>
        </div>
      )}

      {error && <ErrorBox message={error} />}
    </section>
  );
}

import type { Wizard } from "./useWizard";

/** Setup once something is installed: where the machine stands, and what to do next —
 * never onboarding again on top of existing nodes. */
export function SetupStatus({ w, onWizardAt }: { w: Wizard; onWizardAt: (step: number) => void }) {
  const { busy, check, doctor, fix, status } = w;
  if (!status) return null;
  const nodes = status.nodes;
  const registered = nodes.filter((n) => n.registered?.startsWith("ok")).length;
  const waiting = nodes.filter((n) => n.registered && !n.registered.startsWith("ok"));
  const backed = status.keys_backed_up;
  const docker = doctor?.checks.find((c) => c.id === "docker");
  const ipfs = doctor?.checks.find((c) => c.id === "ipfs");
  const mark = (ok: boolean) => (ok ? "✓" : "✗");
  // The next sensible action is the primary button.
  const next = !nodes.length ? "add" : !backed || backed[1] < nodes.length ? "backup" : registered < nodes.length ? "register" : null;
  return (
    <div className="setup-status" id="setup-status">
      <ul className="status-list">
        <li className={status.installed ? "ok" : "bad"}>
          {mark(!!status.installed)} cortensord {status.installed?.version ?? "not installed"}
        </li>
        <li className={nodes.length ? "ok" : "bad"}>
          {mark(nodes.length > 0)} {nodes.length} node{nodes.length === 1 ? "" : "s"}
        </li>
        <li className={backed && backed[1] >= nodes.length ? "ok" : "bad"} id="status-backup">
          {mark(!!backed && backed[1] >= nodes.length)}{" "}
          {backed ? `keys backed up ${new Date(backed[0] * 1000).toLocaleDateString()}${backed[1] < nodes.length ? ` (${backed[1]} of ${nodes.length})` : ""}` : "keys not backed up"}
        </li>
        <li className={registered === nodes.length ? "ok" : "bad"} id="status-registered">
          {mark(registered === nodes.length)} registered {registered}/{nodes.length}
          {waiting.length > 0 && <span className="muted"> · waiting for whitelisting: node {waiting.map((n) => n.spec.id).join(", ")} (staking and whitelisting take days)</span>}
        </li>
        {[docker, ipfs].map(
          (c) =>
            c && (
              <li key={c.id} className={c.status === "fail" ? "bad" : "ok"} data-check={c.id}>
                {mark(c.status !== "fail")} {c.title}
                {c.status !== "ok" && <span className="muted"> · {c.explanation}</span>}
                {c.fix?.automatic && c.status !== "ok" && (
                  <button type="button" className="small" onClick={() => void fix(c.id, c.fix!.label)} disabled={busy}>
                    Fix
                  </button>
                )}
              </li>
            ),
        )}
      </ul>
      <div className="actions">
        <button type="button" className={next === "add" ? "primary" : undefined} onClick={() => onWizardAt(3)}>
          Add nodes
        </button>
        <button type="button" className={next === "backup" ? "primary" : undefined} onClick={() => onWizardAt(4)} disabled={!nodes.length}>
          Back up keys
        </button>
        <button type="button" className={next === "register" ? "primary" : undefined} onClick={() => onWizardAt(5)} disabled={!nodes.length}>
          Register
        </button>
        <button type="button" onClick={() => void check()} disabled={busy}>
          Check again
        </button>
      </div>
    </div>
  );
}

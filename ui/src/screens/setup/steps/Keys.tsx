import type { Wizard } from "../useWizard";

/** Step 5 of the setup wizard: keys. */
export function KeysStep({ w }: { w: Wizard }) {
  const { backedUp, backup, backupPath, busy, created, notes, setBackupPath, setStep, status } = w;
  return (
    <div className="step" id="step-keys">
      <p>
        Each node has its own key, stored{" "}
        {created.some((n) => n.key_store === "file") ? "in its settings file (readable by you only)" : "in your system's keychain"}. Back them up before you
        stake.
      </p>
      {notes.length > 0 && (
        <ul className="notice" id="create-notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <ul className="nodes" id="node-keys">
        {created.map((n) => (
          <li key={n.id}>
            Node {n.id}: <code>{n.address}</code> · port {n.llm_port} · {n.network}
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
  );
}

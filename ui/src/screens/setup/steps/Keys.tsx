import { useState } from "react";
import type { Wizard } from "../useWizard";

/** Step 5 of the setup wizard: keys. */
export function KeysStep({ w }: { w: Wizard }) {
  const { backedUp, backup, busy, created, notes, setStep, status } = w;
  // The keys cannot be recovered if this computer is lost: Continue needs this confirmed.
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = (text: string, what: string) => {
    navigator.clipboard?.writeText(text).then(() => setCopied(what), () => setCopied(null));
  };
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
            Node {n.id}: <code>{n.address}</code> · {n.network}{" "}
            <button type="button" className="small" onClick={() => copy(n.address, `node ${n.id}`)} aria-label={`Copy node ${n.id}'s address`}>
              {copied === `node ${n.id}` ? "Copied" : "Copy"}
            </button>
          </li>
        ))}
      </ul>
      {created.length > 1 && (
        <button type="button" className="small" id="copy-all" onClick={() => copy(created.map((n) => n.address).join("\n"), "all")}>
          {copied === "all" ? "Copied all addresses" : "Copy all addresses (the admins need them)"}
        </button>
      )}
      <p className="muted">
        Next, stake for each node and send the node addresses to the Cortensor admins: {status?.staking}{" "}
        {status?.staking_url && (
          <a href={status.staking_url} target="_blank" rel="noreferrer">
            How to stake
          </a>
        )}
      </p>
      <div className="row backup">
        <button id="wizard-backup" type="button" onClick={() => void backup()} disabled={busy}>
          Back up keys to a file…
        </button>
        <span className="muted">A plain-text file (readable by you only) where you choose; keep it offline.</span>
      </div>
      {backedUp && (
        <p className="ok" id="backup-done">
          ✓ {backedUp}
        </p>
      )}
      <label className="check" id="keys-saved">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />I saved my keys somewhere safe (they cannot be recovered if this computer is lost)
      </label>
      <div className="actions">
        <button id="wizard-next-keys" className="primary" type="button" onClick={() => setStep(5)} disabled={!saved}>
          Continue
        </button>
      </div>
    </div>
  );
}

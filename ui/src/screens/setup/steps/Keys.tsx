import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Wizard } from "../useWizard";

/** Step 5 of the setup wizard: keys. */
export function KeysStep({ w }: { w: Wizard }) {
  const { backedUp, backup, busy, created, notes, setStep, status } = w;
  const { t } = useTranslation();
  // The keys cannot be recovered if this computer is lost: Continue needs this confirmed.
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = (text: string, what: string) => {
    navigator.clipboard?.writeText(text).then(() => setCopied(what), () => setCopied(null));
  };
  return (
    <div className="step" id="step-keys">
      <p>{created.some((n) => n.key_store === "file") ? t("keys.introFile") : t("keys.introKeychain")}</p>
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
            {t("keys.node", { id: n.id })} <code>{n.address}</code> · {n.network}{" "}
            <button type="button" className="small" onClick={() => copy(n.address, `node ${n.id}`)} aria-label={t("keys.copyAddress", { id: n.id })}>
              {copied === `node ${n.id}` ? t("keys.copied") : t("keys.copy")}
            </button>
          </li>
        ))}
      </ul>
      {created.length > 1 && (
        <button type="button" className="small" id="copy-all" onClick={() => copy(created.map((n) => n.address).join("\n"), "all")}>
          {copied === "all" ? t("keys.copiedAll") : t("keys.copyAll")}
        </button>
      )}
      <p className="muted">
        {t("keys.next")} {status?.staking}{" "}
        {status?.staking_url && (
          <a href={status.staking_url} target="_blank" rel="noreferrer">
            {t("keys.howToStake")}
          </a>
        )}
      </p>
      <div className="row backup">
        <button id="wizard-backup" type="button" onClick={() => void backup()} disabled={busy}>
          {t("keys.backup")}
        </button>
        <span className="muted">{t("keys.backupHint")}</span>
      </div>
      {backedUp && (
        <p className="ok" id="backup-done">
          ✓ {backedUp}
        </p>
      )}
      <label className="check" id="keys-saved">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />
        {t("keys.saved")}
      </label>
      <div className="actions">
        <button id="wizard-next-keys" className="primary" type="button" onClick={() => setStep(5)} disabled={!saved}>
          {t("wizard.continue")}
        </button>
      </div>
    </div>
  );
}

import { useEffect, useState } from "react";
import type { Destinations } from "../../bindings/Destinations";
import { errorMessage, reportDestinations, setReportDestination } from "../../api";

const KINDS: { kind: "endpoint" | "discord" | "github"; label: string; placeholder: string; help: string }[] = [
  { kind: "discord", label: "Discord webhook", placeholder: "https://discord.com/api/webhooks/…", help: "Channel settings → Integrations → Webhooks → Copy URL. The zip is attached to the message." },
  { kind: "endpoint", label: "Report endpoint (HTTPS)", placeholder: "https://…", help: "Receives the report as JSON and the zip (schema in the README)." },
  { kind: "github", label: "GitHub repository", placeholder: "cortensor/installer", help: "Opens a prefilled new-issue page; you attach the saved zip." },
];

/** Where bug reports go (Settings). Tokens in saved addresses are never shown again. */
export function ReportDestinations() {
  const [d, setD] = useState<Destinations | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    reportDestinations().then(setD, (e) => setErrors({ all: errorMessage(e) }));
  }, []);
  async function save(kind: string, value: string) {
    try {
      setD(await setReportDestination(kind, value));
      setDrafts((x) => ({ ...x, [kind]: "" }));
      setErrors((x) => ({ ...x, [kind]: "" }));
    } catch (e) {
      setErrors((x) => ({ ...x, [kind]: errorMessage(e) }));
    }
  }
  return (
    <details className="card" id="report-destinations">
      <summary>Bug reports: where they go</summary>
      {errors.all && <p className="inline-error">{errors.all}</p>}
      {KINDS.map(({ kind, label, placeholder, help }) => (
        <div key={kind} className="field destination" data-kind={kind}>
          <label htmlFor={`dest-${kind}`}>{label}</label>
          <p className="muted small">
            {d?.[kind] ? <>Now: <code>{d[kind]}</code></> : "Not set."} {help}
          </p>
          <div className="actions">
            <input id={`dest-${kind}`} placeholder={placeholder} value={drafts[kind] ?? ""} onChange={(e) => setDrafts((x) => ({ ...x, [kind]: e.target.value }))} aria-describedby={`dest-${kind}-error`} />
            <button type="button" className="primary" disabled={!(drafts[kind] ?? "").trim()} onClick={() => void save(kind, drafts[kind] ?? "")}>
              Save
            </button>
            {d?.[kind] && (
              <button type="button" onClick={() => void save(kind, "")}>
                Remove
              </button>
            )}
          </div>
          {errors[kind] && (
            <p className="field-error" id={`dest-${kind}-error`} role="alert">
              {errors[kind]}
            </p>
          )}
        </div>
      ))}
    </details>
  );
}

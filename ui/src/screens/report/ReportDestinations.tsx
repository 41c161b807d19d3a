import { useEffect, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import type { Destinations } from "../../bindings/Destinations";
import { errorMessage, redactionPatterns, reportDestinations, setRedactionPatterns, setReportDestination } from "../../api";

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
  const [patterns, setPatterns] = useState("");
  const [patternsSaved, setPatternsSaved] = useState<string | null>(null);
  useEffect(() => {
    reportDestinations().then(setD, (e) => setErrors({ all: errorMessage(e) }));
    redactionPatterns().then(setPatterns, () => {});
  }, []);
  async function savePatterns() {
    try {
      await setRedactionPatterns(patterns);
      setPatternsSaved("Saved: reports from now on remove these too.");
      setErrors((x) => ({ ...x, patterns: "" }));
    } catch (e) {
      setPatternsSaved(null);
      setErrors((x) => ({ ...x, patterns: errorMessage(e) }));
    }
  }
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
      {errors.all && <ErrorBox message={errors.all} action="Read the bug-report destinations" />}
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
      <div className="field">
        <label htmlFor="redaction-patterns">More to remove from reports (optional; one regular expression per line)</label>
        <textarea id="redaction-patterns" rows={3} value={patterns} placeholder={"my-server-name\nACME-[0-9]+"} onChange={(e) => setPatterns(e.target.value)} aria-describedby="redaction-patterns-error" />
        <div className="actions">
          <button type="button" onClick={() => void savePatterns()}>
            Save patterns
          </button>
        </div>
        {patternsSaved && <p className="muted">{patternsSaved}</p>}
        {errors.patterns && (
          <p className="field-error" id="redaction-patterns-error" role="alert">
            {errors.patterns}
          </p>
        )}
      </div>
    </details>
  );
}

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorBox } from "../../components/ErrorBox";
import type { Destinations } from "../../bindings/Destinations";
import { errorMessage, redactionPatterns, reportDestinations, setRedactionPatterns, setReportDestination } from "../../api";

// Label and help are catalog keys (`destinations.<kind>.label`, `.help`).
const KINDS: { kind: "endpoint" | "discord" | "github"; placeholder: string }[] = [
  { kind: "discord", placeholder: "https://discord.com/api/webhooks/…" },
  { kind: "endpoint", placeholder: "https://…" },
  { kind: "github", placeholder: "cortensor/installer" },
];

/** Where bug reports go (Settings). Tokens in saved addresses are never shown again. */
export function ReportDestinations() {
  const { t } = useTranslation();
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
      setPatternsSaved(t("destinations.patternsSaved"));
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
      <summary>{t("destinations.title")}</summary>
      {errors.all && <ErrorBox message={errors.all} action="Read the bug-report destinations" />}
      {KINDS.map(({ kind, placeholder }) => (
        <div key={kind} className="field destination" data-kind={kind}>
          <label htmlFor={`dest-${kind}`}>{t(`destinations.${kind}.label`)}</label>
          <p className="muted small">
            {d?.[kind] ? (
              <>
                {t("destinations.now")} <code>{d[kind]}</code>
              </>
            ) : (
              t("destinations.notSet")
            )}{" "}
            {t(`destinations.${kind}.help`)}
          </p>
          <div className="actions">
            <input id={`dest-${kind}`} placeholder={placeholder} value={drafts[kind] ?? ""} onChange={(e) => setDrafts((x) => ({ ...x, [kind]: e.target.value }))} aria-describedby={`dest-${kind}-error`} />
            <button type="button" className="primary" disabled={!(drafts[kind] ?? "").trim()} onClick={() => void save(kind, drafts[kind] ?? "")}>
              {t("destinations.save")}
            </button>
            {d?.[kind] && (
              <button type="button" onClick={() => void save(kind, "")}>
                {t("destinations.remove")}
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
        <label htmlFor="redaction-patterns">{t("destinations.patterns")}</label>
        <textarea id="redaction-patterns" rows={3} value={patterns} placeholder={"my-server-name\nACME-[0-9]+"} onChange={(e) => setPatterns(e.target.value)} aria-describedby="redaction-patterns-error" />
        <div className="actions">
          <button type="button" onClick={() => void savePatterns()}>
            {t("destinations.savePatterns")}
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

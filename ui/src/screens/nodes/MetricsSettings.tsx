import { useEffect, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { ErrorBox } from "../../components/ErrorBox";
import { errorMessage, metricsPort, setMetricsPort } from "../../api";

/** Opt-in Prometheus endpoint on 127.0.0.1 (for operators with several machines). */
export function MetricsSettings() {
  const { t } = useTranslation();
  const [port, setPort] = useState<number | null>(null);
  const [draft, setDraft] = useState("9184");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    metricsPort().then(
      (p) => {
        setPort(p);
        if (p != null) setDraft(String(p));
      },
      (e) => setError(errorMessage(e)),
    );
  }, []);

  async function apply(next: number | null) {
    setError(null);
    setBusy(true);
    try {
      await setMetricsPort(next);
      setPort(next);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const parsed = Number(draft);
  const valid = Number.isInteger(parsed) && parsed >= 1024 && parsed <= 65535;
  return (
    <details className="metrics-settings" id="metrics-settings">
      <summary>
        {t("metrics.title")} {port != null ? <span className="ok">{t("metrics.on", { port })}</span> : <span className="muted">{t("metrics.off")}</span>}
      </summary>
      <p className="muted">
        <Trans i18nKey="metrics.intro" components={{ code: <code /> }} />
      </p>
      <div className="actions">
        <label>
          {t("metrics.port")}{" "}
          <input type="number" min={1024} max={65535} value={draft} onChange={(e) => setDraft(e.target.value)} aria-label={t("metrics.portLabel")} />
        </label>
        <button type="button" className="primary" disabled={busy || !valid} onClick={() => void apply(parsed)}>
          {port == null ? t("metrics.turnOn") : t("metrics.move")}
        </button>
        <button type="button" disabled={busy || port == null} onClick={() => void apply(null)}>
          {t("metrics.turnOff")}
        </button>
      </div>
      {!valid && <p className="inline-error">{t("metrics.choose")}</p>}
      {port != null && (
        <p>
          <Trans i18nKey="metrics.serving" values={{ url: `http://127.0.0.1:${port}/metrics` }} components={{ code: <code id="metrics-url" /> }} />
        </p>
      )}
      {error && (
        <ErrorBox message={error} action="Prometheus metrics setting" />
      )}
    </details>
  );
}

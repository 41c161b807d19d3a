import { dateTime } from "../../format";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorBox } from "../../components/ErrorBox";
import type { ReportHistory } from "../../bindings/ReportHistory";
import { errorMessage, openReportPage, reportFlush, reportHistory } from "../../api";
import { deliveryText } from "./words";

/** The report history, read now and every 10 s (the outbox delivers in the background);
 * `refreshKey` changes to read it at once. One copy feeds the history and the result card. */
export function useReportHistory(refreshKey: number) {
  const [h, setH] = useState<ReportHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => reportHistory().then(setH, (e) => setError(errorMessage(e))), []);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => clearInterval(t);
  }, [load, refreshKey]);
  return { h, error, setError, load };
}

/** Every report, its status per destination and reference; "Try now" for waiting ones. */
export function ReportHistoryList({ history }: { history: ReturnType<typeof useReportHistory> }) {
  const { h, error, setError, load } = history;
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  if (!h) return error ? <ErrorBox message={error} action="Read the report history" /> : null;
  return (
    <section className="card report-history" id="report-history" aria-labelledby="report-history-h">
      <h3 id="report-history-h">{t("history.title")}</h3>
      <p id="report-count">
        {h.reports.length === 0
          ? t("history.none")
          : t("history.count", { count: h.reports.length, delivered: h.delivered }) + (h.waiting ? t("history.waiting", { n: h.waiting }) : "")}
      </p>
      {h.waiting > 0 && (
        <button
          type="button"
          id="report-flush"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            reportFlush()
              .then(() => load(), (e) => setError(errorMessage(e)))
              .finally(() => setBusy(false));
          }}
        >
          {busy ? t("history.trying") : t("history.tryNow")}
        </button>
      )}
      {error && <ErrorBox message={error} action="Deliver waiting reports" />}
      <ul className="history">
        {h.reports.map((r) => (
          <li key={r.id} data-report={r.id}>
            <strong>{r.title}</strong> <span className="muted">
              {dateTime(r.created_at)} · {t(`report.categoryName.${r.category.replace("-", "_")}`, { defaultValue: r.category.replace("-", " ") })} ·{" "}
              {t(`report.severityName.${r.severity}`, { defaultValue: r.severity })}
            </span>
            <ul>
              {r.deliveries.length === 0 && <li className="delivery status-saved">{r.bundle ? t("history.savedAt", { bundle: r.bundle }) : t("history.saved")}</li>}
              {r.deliveries.map((d) => (
                <li key={d.id} className={`delivery status-${d.status}`}>
                  {deliveryText(d)}
                  {d.kind === "github" && d.status === "manual" && (
                    <button type="button" className="small" onClick={() => void openReportPage(r.id).catch((e) => setError(errorMessage(e)))}>
                      {t("history.openGithub")}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

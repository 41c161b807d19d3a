import { useContext, useState } from "react";
import { useTranslation } from "react-i18next";
import type { UserError } from "../bindings/UserError";
import { redactText } from "../api";
import { ReportContext } from "../screens/report/reportContext";

/** An error where the user looks: what happened, what to do, the button that helps, the raw
 * text behind "Details" (copied through the app's redactor), and "Report this", which opens
 * the Report screen with this error and where it happened. `error` is the command's
 * `UserError` (or plain text in `message`); `action` names what the user was doing. */
export function ErrorBox({
  error,
  message,
  onRetry,
  action,
  node,
}: {
  error?: UserError | null;
  message?: string;
  onRetry?: () => void;
  action?: string;
  node?: number | null;
}) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<string | null>(null);
  const report = useContext(ReportContext);
  const raw = error?.message ?? message ?? "";
  const title = error?.title ?? raw;
  const hint = error?.hint ?? null;
  const copy = () =>
    redactText(raw)
      .catch(() => t("error.withheld"))
      .then((safe) => navigator.clipboard?.writeText(safe))
      .then(
        () => setCopied(t("error.copied")),
        () => setCopied(t("error.notCopied")),
      );
  return (
    <div role="alert" className="inline-error wizard-error">
      <div>
        <p className="error-title">{title}</p>
        {hint && <p className="error-hint">{hint}</p>}
        {error && (
          <details className="error-details">
            <summary>{t("error.details")}</summary>
            <p className="error-raw">{raw}</p>
            <button type="button" className="small" onClick={() => void copy()}>
              {copied ?? t("error.copy")}
            </button>
          </details>
        )}
      </div>
      <div className="error-actions">
        {onRetry && error?.action !== "fix_input" && (
          <button type="button" className="primary" onClick={onRetry}>
            {t("error.retry")}
          </button>
        )}
        {!error && (
          <button type="button" onClick={() => void copy()}>
            {copied ?? t("error.copy")}
          </button>
        )}
        <button
          type="button"
          className="report-this"
          onClick={() => report.open({ screen: report.screen, action: action ?? "", node: node ?? null, error: raw })}
        >
          {t("error.report")}
        </button>
      </div>
    </div>
  );
}

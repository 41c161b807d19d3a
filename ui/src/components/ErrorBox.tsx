import { useState } from "react";
import type { UserError } from "../bindings/UserError";
import { errorMessage, prepareBugReport } from "../api";

/** An error where the user looks: what happened, what to do, the button that helps, and the
 * raw text behind "Details". `error` is the command's `UserError` (or plain text). */
export function ErrorBox({ error, message, onRetry }: { error?: UserError | null; message?: string; onRetry?: () => void }) {
  const [copied, setCopied] = useState(false);
  const [report, setReport] = useState<string | null>(null);
  const raw = error?.message ?? message ?? "";
  const title = error?.title ?? raw;
  const hint = error?.hint ?? null;
  return (
    <div role="alert" className="inline-error wizard-error">
      <div>
        <p className="error-title">{title}</p>
        {hint && <p className="error-hint">{hint}</p>}
        {error && (
          <details className="error-details">
            <summary>Details</summary>
            <p className="error-raw">{raw}</p>
            <button
              type="button"
              className="small"
              onClick={() => {
                navigator.clipboard?.writeText(raw).then(() => setCopied(true), () => setCopied(false));
              }}
            >
              {copied ? "Copied" : "Copy details"}
            </button>
          </details>
        )}
        {report && <p className="report-saved">{report}</p>}
      </div>
      <div className="error-actions">
        {onRetry && error?.action !== "fix_input" && (
          <button type="button" className="primary" onClick={onRetry}>
            Try again
          </button>
        )}
        {!error && (
          <button
            type="button"
            onClick={() => {
              navigator.clipboard?.writeText(raw).then(() => setCopied(true), () => setCopied(false));
            }}
          >
            {copied ? "Copied" : "Copy details"}
          </button>
        )}
        <button
          type="button"
          onClick={() =>
            prepareBugReport(raw).then(
              (d) => setReport(`Diagnostics saved to ${d.path} (secrets removed). Attach it to your report to the Cortensor team.`),
              (e) => setReport(`Could not save diagnostics: ${errorMessage(e)}`),
            )
          }
        >
          Report this
        </button>
      </div>
    </div>
  );
}

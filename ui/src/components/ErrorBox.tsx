import { useState } from "react";
import { errorMessage, prepareBugReport } from "../api";

/** An error where the user looks, with its details one click away. */
export function ErrorBox({ message }: { message: string }) {
  const [copied, setCopied] = useState(false);
  const [report, setReport] = useState<string | null>(null);
  return (
    <div role="alert" className="inline-error wizard-error">
      <div>
        <p>{message}</p>
        {report && <p className="report-saved">{report}</p>}
      </div>
      <div className="error-actions">
        <button
          type="button"
          onClick={() => {
            navigator.clipboard?.writeText(message).then(() => setCopied(true), () => setCopied(false));
          }}
        >
          {copied ? "Copied" : "Copy details"}
        </button>
        <button
          type="button"
          onClick={() =>
            prepareBugReport(message).then(
              (d) => setReport(`Diagnostics saved to ${d.path} (secrets removed). Attach it to your report to the Cortensor team.`),
              (e) => setReport(`Could not save diagnostics: ${errorMessage(e)}`),
            )
          }
        >
          Report a bug
        </button>
      </div>
    </div>
  );
}


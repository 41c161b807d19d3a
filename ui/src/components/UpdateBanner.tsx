import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { asUserError, onAlert, updateAvailable, updateBinary } from "../api";
import type { UserError } from "../bindings/UserError";
import { ErrorBox } from "./ErrorBox";

/** "cortensord X is available" with an Update button: outdated nodes are refused by the network. */
export function UpdateBanner() {
  const { t } = useTranslation();
  const [available, setAvailable] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [failure, setFailure] = useState<UserError | null>(null);

  useEffect(() => {
    updateAvailable().then(setAvailable, () => {});
    const un = onAlert((a) => {
      if (a.kind === "update_available") updateAvailable().then(setAvailable, () => {});
    });
    return () => void un.then((f) => f());
  }, []);

  if (!available && !result && !failure) return null;

  async function update() {
    setBusy(true);
    setResult(null);
    setFailure(null);
    try {
      const r = await updateBinary();
      setResult(r.rolled_back ? t("update.rolledBack", { why: r.rolled_back }) : t("update.updated", { version: r.to }));
      if (!r.rolled_back) setAvailable(null);
    } catch (e) {
      setFailure(asUserError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="notice update-banner" role="status" id="update-banner">
      {available && (
        <>
          <span>{t("update.available", { version: available })}</span>{" "}
          <button type="button" className="primary small" onClick={() => void update()} disabled={busy}>
            {busy ? t("update.updating") : t("update.update")}
          </button>
        </>
      )}
      {result && <p id="update-result">{result}</p>}
      {failure && <ErrorBox error={failure} action="Update cortensord" onRetry={() => void update()} />}
    </div>
  );
}

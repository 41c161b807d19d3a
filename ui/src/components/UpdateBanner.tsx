import { useEffect, useState } from "react";
import { asUserError, onAlert, updateAvailable, updateBinary } from "../api";
import type { UserError } from "../bindings/UserError";
import { ErrorBox } from "./ErrorBox";

/** "cortensord X is available" with an Update button: outdated nodes are refused by the network. */
export function UpdateBanner() {
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
      setResult(r.rolled_back ? `The update was rolled back: ${r.rolled_back}.` : `Updated to cortensord ${r.to}; your nodes restarted one at a time.`);
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
          <span>
            cortensord {available} is available. Nodes that are not up to date are refused by the network.
          </span>{" "}
          <button type="button" className="primary small" onClick={() => void update()} disabled={busy}>
            {busy ? "Updating…" : "Update"}
          </button>
        </>
      )}
      {result && <p id="update-result">{result}</p>}
      {failure && <ErrorBox error={failure} action="Update cortensord" onRetry={() => void update()} />}
    </div>
  );
}

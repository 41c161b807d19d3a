import { useEffect, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { errorMessage, metricsPort, setMetricsPort } from "../../api";

/** Opt-in Prometheus endpoint on 127.0.0.1 (for operators with several machines). */
export function MetricsSettings() {
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
      <summary>Prometheus metrics {port != null ? <span className="ok">on, port {port}</span> : <span className="muted">off</span>}</summary>
      <p className="muted">
        Serves every node's state, uptime, restarts and resources at <code>http://127.0.0.1:PORT/metrics</code> for Prometheus and Grafana (a dashboard ships in
        monitoring/). Only this machine can reach it.
      </p>
      <div className="actions">
        <label>
          Port{" "}
          <input type="number" min={1024} max={65535} value={draft} onChange={(e) => setDraft(e.target.value)} aria-label="Metrics port" />
        </label>
        <button type="button" className="primary" disabled={busy || !valid} onClick={() => void apply(parsed)}>
          {port == null ? "Turn on" : "Move"}
        </button>
        <button type="button" disabled={busy || port == null} onClick={() => void apply(null)}>
          Turn off
        </button>
      </div>
      {!valid && <p className="inline-error">Choose a port between 1024 and 65535.</p>}
      {port != null && (
        <p>
          Serving at <code id="metrics-url">http://127.0.0.1:{port}/metrics</code> (within a few seconds).
        </p>
      )}
      {error && (
        <ErrorBox message={error} action="Prometheus metrics setting" />
      )}
    </details>
  );
}

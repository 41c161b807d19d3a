import { useEffect, useState } from "react";
import type { UserError } from "../../bindings/UserError";
import { appLogs, asUserError, getSetting, machineStatus, openDataFolder, setSetting } from "../../api";
import type { LogFile } from "../../bindings/LogFile";
import { bytes } from "../../format";
import { AppAutostart } from "../../components/AppAutostart";
import { ErrorBox } from "../../components/ErrorBox";
import { applyTheme, asTheme, type Theme } from "./theme";

/** Settings: where the data is (and a way to open it), desktop notifications, colours. */
export function GeneralSettings() {
  const [dataDir, setDataDir] = useState<string | null>(null);
  const [notifications, setNotifications] = useState(true);
  const [theme, setTheme] = useState<Theme>("system");
  const [error, setError] = useState<UserError | null>(null);
  const [logs, setLogs] = useState<LogFile[]>([]);

  useEffect(() => {
    machineStatus().then((s) => setDataDir(s?.data_dir ?? null), (e) => setError(asUserError(e)));
    getSetting("ui.notifications").then((v) => setNotifications(v !== "off"), () => {});
    getSetting("ui.theme").then((v) => setTheme(asTheme(v)), () => {});
    appLogs().then((l) => setLogs(l ?? []), () => {});
  }, []);

  async function save(key: "ui.notifications" | "ui.theme", value: string) {
    setError(null);
    try {
      await setSetting(key, value);
    } catch (e) {
      setError(asUserError(e));
    }
  }

  return (
    <div className="card general-settings" id="general-settings">
      <h3>General</h3>
      <div className="field">
        <span>Data folder (nodes, keys kept in files, logs, reports)</span>
        <div className="row">
          <code id="data-dir">{dataDir ?? "…"}</code>
          <button type="button" id="open-data-dir" onClick={() => openDataFolder().catch((e) => setError(asUserError(e)))} disabled={!dataDir}>
            Open
          </button>
        </div>
      </div>
      <div className="field">
        <span>The app's own logs (in the data folder's logs/; bug reports include them)</span>
        <ul className="logs" id="app-logs">
          {logs.length === 0 && <li className="muted">None yet.</li>}
          {logs.map((l) => (
            <li key={l.name}>
              <code>{l.name}</code> · {bytes(l.bytes)}
            </li>
          ))}
        </ul>
      </div>
      <AppAutostart />
      <label className="check">
        <input
          type="checkbox"
          id="notifications"
          checked={notifications}
          onChange={(e) => {
            setNotifications(e.target.checked);
            void save("ui.notifications", e.target.checked ? "on" : "off");
          }}
        />
        Desktop notifications of new alerts
      </label>
      <label className="field">
        <span>Colours</span>
        <select
          id="theme"
          value={theme}
          onChange={(e) => {
            const t = asTheme(e.target.value);
            setTheme(t);
            applyTheme(t);
            void save("ui.theme", t);
          }}
        >
          <option value="system">As the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      {error && <ErrorBox error={error} action="Change a setting" />}
    </div>
  );
}

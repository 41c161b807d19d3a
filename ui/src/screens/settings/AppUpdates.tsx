import { useEffect, useState } from "react";
import type { AppUpdate } from "../../bindings/AppUpdate";
import type { AppUpdateProgress } from "../../bindings/AppUpdateProgress";
import type { UserError } from "../../bindings/UserError";
import { appRestart, appUpdateCheck, appUpdateInstall, asUserError, getSetting, onAppUpdateProgress, setSetting } from "../../api";
import { bytes } from "../../format";
import { ErrorBox } from "../../components/ErrorBox";

type Channel = "stable" | "beta";

/** The app's own updates: the channel, a check, the download with its progress (the signature
 * is checked before anything is installed), and a restart into the new version. */
export function AppUpdates() {
  const [channel, setChannel] = useState<Channel>("stable");
  const [update, setUpdate] = useState<AppUpdate | null>(null);
  const [busy, setBusy] = useState<"checking" | "installing" | null>(null);
  const [progress, setProgress] = useState<AppUpdateProgress | null>(null);
  const [error, setError] = useState<UserError | null>(null);

  useEffect(() => {
    getSetting("update.channel").then((v) => setChannel(v === "beta" ? "beta" : "stable"), () => {});
    const un = onAppUpdateProgress(setProgress);
    return () => void un.then((f) => f());
  }, []);

  async function run(what: "checking" | "installing") {
    setError(null);
    setBusy(what);
    setProgress(null);
    try {
      setUpdate(await (what === "checking" ? appUpdateCheck() : appUpdateInstall()));
    } catch (e) {
      setError(asUserError(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="card app-updates" id="app-updates">
      <h3>App updates</h3>
      <label className="field">
        <span>Update channel</span>
        <select
          id="update-channel"
          value={channel}
          onChange={(e) => {
            const c: Channel = e.target.value === "beta" ? "beta" : "stable";
            setChannel(c);
            setUpdate(null);
            setSetting("update.channel", c).catch((err) => setError(asUserError(err)));
          }}
        >
          <option value="stable">Stable</option>
          <option value="beta">Beta (earlier, less tested)</option>
        </select>
      </label>
      <div className="row">
        <button type="button" id="app-update-check" onClick={() => void run("checking")} disabled={busy !== null}>
          {busy === "checking" ? "Checking…" : "Check for updates"}
        </button>
        {update && <span className="muted">This is version {update.current}.</span>}
      </div>
      <div id="app-update-state" role="status">
        {update && !update.available && <p>Cortensor Node Manager is up to date.</p>}
        {update?.available && !update.installed && (
          <>
            <p>
              Version <strong>{update.available}</strong> is available.
            </p>
            {update.notes && <p className="muted notes">{update.notes}</p>}
            <button type="button" id="app-update-install" className="primary" onClick={() => void run("installing")} disabled={busy !== null}>
              Download and install
            </button>
          </>
        )}
        {busy === "installing" && (
          <div className="progress">
            <progress id="app-update-progress" aria-label="Downloading the update" max={progress?.total ?? 1} value={progress?.total ? progress.downloaded : undefined} />
            <span>{progress ? `${bytes(progress.downloaded)}${progress.total ? ` of ${bytes(progress.total)}` : ""}` : "Starting…"}</span>
          </div>
        )}
        {update?.installed && (
          <p>
            ✓ Version {update.available} is installed (its signature checked); it runs from the next start. Your nodes keep running.{" "}
            <button type="button" id="app-restart" onClick={() => void appRestart()}>
              Restart now
            </button>
          </p>
        )}
      </div>
      {error && <ErrorBox error={error} action="Update the app" />}
    </div>
  );
}

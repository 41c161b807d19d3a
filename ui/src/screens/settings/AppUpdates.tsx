import { useEffect, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import type { AppUpdate } from "../../bindings/AppUpdate";
import type { AppUpdateProgress } from "../../bindings/AppUpdateProgress";
import type { UserError } from "../../bindings/UserError";
import { appRestart, appUpdateCheck, appUpdateInstall, appUpdateKnown, asUserError, getSetting, onAppUpdateProgress, setSetting } from "../../api";
import { bytes } from "../../format";
import { ErrorBox } from "../../components/ErrorBox";

type Channel = "stable" | "beta";

/** The app's own updates: the channel, a check, the download with its progress (the signature
 * is checked before anything is installed), and a restart into the new version. */
export function AppUpdates() {
  const { t } = useTranslation();
  const [channel, setChannel] = useState<Channel>("stable");
  const [update, setUpdate] = useState<AppUpdate | null>(null);
  const [busy, setBusy] = useState<"checking" | "installing" | null>(null);
  const [progress, setProgress] = useState<AppUpdateProgress | null>(null);
  const [error, setError] = useState<UserError | null>(null);

  useEffect(() => {
    getSetting("update.channel").then((v) => setChannel(v === "beta" ? "beta" : "stable"), () => {});
    // What the app's own daily check (or the tray's) already found: shown without asking again.
    appUpdateKnown().then((u) => u?.available && setUpdate((cur) => cur ?? u), () => {});
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
      <h3>{t("appUpdate.title")}</h3>
      <label className="field">
        <span>{t("appUpdate.channel")}</span>
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
          <option value="stable">{t("appUpdate.stable")}</option>
          <option value="beta">{t("appUpdate.beta")}</option>
        </select>
      </label>
      <div className="row">
        <button type="button" id="app-update-check" onClick={() => void run("checking")} disabled={busy !== null}>
          {busy === "checking" ? t("appUpdate.checking") : t("appUpdate.check")}
        </button>
        {update && <span className="muted">{t("appUpdate.current", { version: update.current })}</span>}
      </div>
      <div id="app-update-state" role="status">
        {update && !update.available && <p>{t("appUpdate.upToDate")}</p>}
        {update?.available && !update.installed && (
          <>
            <p>
              <Trans i18nKey="appUpdate.available" values={{ version: update.available }} components={{ b: <strong /> }} />
            </p>
            {update.notes && <p className="muted notes">{update.notes}</p>}
            <button type="button" id="app-update-install" className="primary" onClick={() => void run("installing")} disabled={busy !== null}>
              {t("appUpdate.install")}
            </button>
          </>
        )}
        {busy === "installing" && (
          <div className="progress">
            <progress id="app-update-progress" aria-label={t("appUpdate.downloading")} max={progress?.total ?? 1} value={progress?.total ? progress.downloaded : undefined} />
            <span>{progress ? (progress.total ? t("appUpdate.progressOf", { done: bytes(progress.downloaded), total: bytes(progress.total) }) : bytes(progress.downloaded)) : t("appUpdate.starting")}</span>
          </div>
        )}
        {update?.installed && (
          <p>
            {t("appUpdate.installed", { version: update.available })}{" "}
            <button type="button" id="app-restart" onClick={() => void appRestart()}>
              {t("appUpdate.restart")}
            </button>
          </p>
        )}
      </div>
      {error && <ErrorBox error={error} action="Update the app" />}
    </div>
  );
}

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { applyLanguage } from "../../i18n";
import type { UiSetting } from "../../bindings/UiSetting";
import type { UserError } from "../../bindings/UserError";
import { appLogs, asUserError, getSetting, machineStatus, openDataFolder, setSetting } from "../../api";
import type { LogFile } from "../../bindings/LogFile";
import { bytes } from "../../format";
import { AppAutostart } from "../../components/AppAutostart";
import { ErrorBox } from "../../components/ErrorBox";
import { applyTheme, asTheme, type Theme } from "./theme";

/** Settings: where the data is (and a way to open it), desktop notifications, colours, language,
 * and on Linux how the window is drawn. */
export function GeneralSettings() {
  const { t } = useTranslation();
  const [language, setLanguage] = useState("system");
  const [dataDir, setDataDir] = useState<string | null>(null);
  const [os, setOs] = useState<string | null>(null);
  const [drawing, setDrawing] = useState<"software" | "gpu">("software");
  const [notifications, setNotifications] = useState(true);
  const [theme, setTheme] = useState<Theme>("system");
  const [error, setError] = useState<UserError | null>(null);
  const [logs, setLogs] = useState<LogFile[]>([]);

  useEffect(() => {
    machineStatus().then(
      (s) => {
        setDataDir(s?.data_dir ?? null);
        setOs(s?.os ?? null);
      },
      (e) => setError(asUserError(e)),
    );
    getSetting("ui.rendering").then((v) => setDrawing(v === "gpu" ? "gpu" : "software"), () => {});
    getSetting("ui.notifications").then((v) => setNotifications(v !== "off"), () => {});
    getSetting("ui.theme").then((v) => setTheme(asTheme(v)), () => {});
    getSetting("ui.language").then((v) => setLanguage(v === "en" || v === "es" ? v : "system"), () => {});
    appLogs().then((l) => setLogs(l ?? []), () => {});
  }, []);

  async function save(key: UiSetting, value: string) {
    setError(null);
    try {
      await setSetting(key, value);
    } catch (e) {
      setError(asUserError(e));
    }
  }

  return (
    <div className="card general-settings" id="general-settings">
      <h3>{t("settings.general")}</h3>
      <div className="field">
        <span>{t("settings.dataFolder")}</span>
        <div className="row">
          <code id="data-dir">{dataDir ?? "…"}</code>
          <button type="button" id="open-data-dir" onClick={() => openDataFolder().catch((e) => setError(asUserError(e)))} disabled={!dataDir}>
            {t("settings.open")}
          </button>
        </div>
      </div>
      <div className="field">
        <span>{t("settings.logs")}</span>
        <ul className="logs" id="app-logs">
          {logs.length === 0 && <li className="muted">{t("settings.noLogs")}</li>}
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
        {t("settings.notifications")}
      </label>
      <label className="field">
        <span>{t("settings.colours")}</span>
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
          <option value="system">{t("settings.asSystem")}</option>
          <option value="light">{t("settings.light")}</option>
          <option value="dark">{t("settings.dark")}</option>
        </select>
      </label>
      <label className="field">
        <span>{t("settings.language")}</span>
        <select
          id="language"
          value={language}
          onChange={(e) => {
            const l = e.target.value;
            setLanguage(l);
            applyLanguage(l);
            void save("ui.language", l);
          }}
        >
          <option value="system">{t("settings.asSystem")}</option>
          <option value="en" lang="en">English</option>
          <option value="es" lang="es">Español</option>
        </select>
      </label>
      {os === "linux" && (
        <>
          <label className="field">
            <span>{t("settings.drawing")}</span>
            <select
              id="drawing"
              value={drawing}
              aria-describedby="drawing-next"
              onChange={(e) => {
                const d = e.target.value === "gpu" ? "gpu" : "software";
                setDrawing(d);
                void save("ui.rendering", d);
              }}
            >
              <option value="software">{t("settings.drawSoftware")}</option>
              <option value="gpu">{t("settings.drawGpu")}</option>
            </select>
          </label>
          <p className="muted drawing-next" id="drawing-next">
            {t("settings.drawingNext")}
          </p>
        </>
      )}
      {error && <ErrorBox error={error} action="Change a setting" />}
    </div>
  );
}

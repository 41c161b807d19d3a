import type { Wizard } from "../useWizard";
import { useTranslation } from "react-i18next";
import { Autostart } from "../../../components/Autostart";
import { AppAutostart } from "../../../components/AppAutostart";

/** Step 7 of the setup wizard: start. */
export function StartStep({ w }: { w: Wizard }) {
  const { busy, onDone, start, started } = w;
  const { t } = useTranslation();
  return (
    <div className="step" id="step-start">
      {started ? (
        <>
          {started.notes.some((n) => n.startsWith("Docker is not")) && (
            <p className="warning" id="start-not-earning" role="alert">
              ⚠ {started.notes.find((n) => n.startsWith("Docker is not"))}
            </p>
          )}
          <p className="ok" id="start-done">
            {t("start.started", { count: started.started.length })}{" "}
            {started.survives_reboot ? t("start.survivesReboot") : t("start.keepsRunning")}
          </p>
          {!started.survives_reboot && <Autostart />}
          <AppAutostart />
          {started.notes.length > 0 && (
            <ul className="muted" id="start-notes">
              {started.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p>{t("start.intro")}</p>
      )}
      <div className="actions">
        <button id="wizard-start-nodes" className={started ? undefined : "primary"} type="button" onClick={() => void start()} disabled={busy || started !== null}>
          {t("start.start")}
        </button>
        <button id="wizard-finish" type="button" className={started ? "primary" : undefined} onClick={onDone}>
          {t("start.finish")}
        </button>
      </div>
    </div>
  );
}

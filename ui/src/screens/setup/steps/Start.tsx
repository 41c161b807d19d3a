import type { Wizard } from "../useWizard";
import { Autostart } from "../../../components/Autostart";
import { AppAutostart } from "../../../components/AppAutostart";

/** Step 7 of the setup wizard: start. */
export function StartStep({ w }: { w: Wizard }) {
  const { busy, onDone, start, started } = w;
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
            ✓ Started {started.started.length} node{started.started.length > 1 ? "s" : ""}.{" "}
            {started.survives_reboot
              ? "They keep running when you close the app and start again after a restart."
              : "They keep running when you close the app."}
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
        <p>Start your nodes now. They run in the background, managed by your system.</p>
      )}
      <div className="actions">
        <button id="wizard-start-nodes" className={started ? undefined : "primary"} type="button" onClick={() => void start()} disabled={busy || started !== null}>
          Start nodes
        </button>
        <button id="wizard-finish" type="button" className={started ? "primary" : undefined} onClick={onDone}>
          Go to your nodes
        </button>
      </div>
    </div>
  );
}

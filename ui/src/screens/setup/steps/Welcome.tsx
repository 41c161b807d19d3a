import type { Wizard } from "../useWizard";

/** Step 1 of the setup wizard: welcome. */
export function WelcomeStep({ w }: { w: Wizard }) {
  const { adopt, official, setAdopt, setStep, status } = w;
  return (
    <div className="step" id="step-welcome">
      <p>
        This installs Cortensor's node software, creates a key for each node (kept in your system's keychain, or where you choose), and starts the
        nodes so they keep running for the whole contest, also after a restart.
      </p>
      {official && (
        <label className="check">
          <input type="checkbox" checked={adopt} onChange={(e) => setAdopt(e.target.checked)} />
          Import the existing Cortensor install found at <code>{official.env_file}</code> (node {official.address ?? "?"})
        </label>
      )}
      {status?.keychain_error && (
        <p className="notice" id="no-keychain">
          This computer has no keychain available: node keys will be kept in each node's settings file, readable by you only, as the official install does.
        </p>
      )}
      <button id="wizard-start" className="primary" type="button" onClick={() => setStep(1)}>
        Start
      </button>
    </div>
  );
}

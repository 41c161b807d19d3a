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
      <h3>What you will need</h3>
      <ul className="needs" id="welcome-needs">
        <li>A stake for each node. {status?.staking}</li>
        <li>Whitelisting of your node addresses by the Cortensor admins: it can take days; the app remembers where you are.</li>
        {status?.per_node && (
          <li>
            For each node: about {status.per_node.cores} CPU cores, {status.per_node.ram_gib} GB of memory and {status.per_node.disk_gib} GB of disk.
          </li>
        )}
        <li>Docker, which runs the nodes' AI model (the next step checks it and can install it).</li>
      </ul>
      <p className="muted" id="welcome-time">
        Setting up takes about 15 minutes; the first node then downloads its AI model images (several GB, up to 20 minutes) before the others start.
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

import type { Wizard } from "../useWizard";

/** Step 6 of the setup wizard: register. */
export function RegisterStep({ w }: { w: Wizard }) {
  const { busy, created, registerAll, registrations, setStep } = w;
  return (
    <div className="step" id="step-register">
      <p>Register and verify each node with the network (after staking and whitelisting).</p>
      <ul className="nodes" id="registrations">
        {created.map((n) => {
          const r = registrations[n.id];
          const text =
            r === undefined ? "not yet" : typeof r === "string" ? `failed: ${r}` : r.registered && r.verified ? "registered and verified" : `failed: ${r.output.trim().split("\n").pop()}`;
          const ok = r !== undefined && typeof r !== "string" && r.registered && r.verified;
          return (
            <li key={n.id} className={ok ? "ok" : r !== undefined ? "bad" : undefined} data-node={n.id}>
              Node {n.id}: {text}
            </li>
          );
        })}
      </ul>
      <div className="actions">
        <button id="wizard-register" type="button" className="primary" onClick={() => void registerAll()} disabled={busy}>
          {busy ? "Registering…" : "Register all"}
        </button>
        <button id="wizard-next-register" type="button" onClick={() => setStep(6)} disabled={busy}>
          Continue
        </button>
      </div>
    </div>
  );
}

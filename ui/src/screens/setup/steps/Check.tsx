import type { Wizard } from "../useWizard";

/** Step 2 of the setup wizard: check. */
export function CheckStep({ w }: { w: Wizard }) {
  const { busy, check, doctor, failed, fix, setStep } = w;
  return (
    <div className="step" id="step-check">
      {busy && !doctor && <p className="muted">Checking this computer…</p>}
      {doctor && (
        <ul className="checks">
          {doctor.checks.map((c) => (
            <li key={c.id} className={`check-${c.status}`} data-check={c.id}>
              <span className="dot" aria-label={c.status} />
              <div>
                <strong>{c.title}</strong> <span>{c.explanation}</span>
                {c.fix && c.status !== "ok" && (
                  <div className="fix">
                    {c.fix.label}
                    {c.fix.command && <code className="cmd">{c.fix.command}</code>}
                    {c.fix.url && (
                      <a href={c.fix.url} target="_blank" rel="noreferrer">
                        instructions
                      </a>
                    )}
                    {c.fix.automatic && (
                      <button type="button" className="small" onClick={() => void fix(c.id, c.fix!.label)} disabled={busy}>
                        Fix for me
                      </button>
                    )}
                  </div>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {failed > 0 && <p className="warning">{failed} check(s) failed: you can install now, but nodes will not run until they are fixed.</p>}
      <div className="actions">
        <button type="button" onClick={() => void check()} disabled={busy}>
          Check again
        </button>
        <button id="wizard-next-check" className="primary" type="button" onClick={() => setStep(2)} disabled={!doctor}>
          Continue
        </button>
      </div>
    </div>
  );
}

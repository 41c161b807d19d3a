import type { Wizard } from "../useWizard";
import { useTranslation } from "react-i18next";

/** Step 2 of the setup wizard: check. */
export function CheckStep({ w }: { w: Wizard }) {
  const { busy, check, doctor, failed, fix, setStep } = w;
  const { t } = useTranslation();
  return (
    <div className="step" id="step-check">
      {busy && !doctor && <p className="muted">{t("check.checking")}</p>}
      {doctor && (
        <ul className="checks">
          {doctor.checks.map((c) => (
            <li key={c.id} className={`check-${c.status}`} data-check={c.id}>
              <span className="dot" aria-label={t(`check.status.${c.status}`)} />
              <div>
                <strong>{c.title}</strong> <span>{c.explanation}</span>
                {c.fix && c.status !== "ok" && (
                  <div className="fix">
                    {c.fix.label}
                    {c.fix.command && <code className="cmd">{c.fix.command}</code>}
                    {c.fix.url && (
                      <a href={c.fix.url} target="_blank" rel="noreferrer">
                        {t("check.instructions")}
                      </a>
                    )}
                    {c.fix.automatic && (
                      <button type="button" className="small" onClick={() => void fix(c.id, c.fix!.label)} disabled={busy}>
                        {t("check.fix")}
                      </button>
                    )}
                  </div>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {failed > 0 && <p className="warning">{t("check.failed", { count: failed })}</p>}
      <div className="actions">
        <button type="button" onClick={() => void check()} disabled={busy}>
          {t("check.again")}
        </button>
        <button id="wizard-next-check" className="primary" type="button" onClick={() => setStep(2)} disabled={!doctor}>
          {t("wizard.continue")}
        </button>
      </div>
    </div>
  );
}

import type { Wizard } from "../useWizard";
import { useTranslation } from "react-i18next";

/** Step 6 of the setup wizard: register. */
export function RegisterStep({ w }: { w: Wizard }) {
  const { busy, created, registerAll, registrations, setStep } = w;
  const { t } = useTranslation();
  return (
    <div className="step" id="step-register">
      <p>{t("register.intro")}</p>
      <ul className="nodes" id="registrations">
        {created.map((n) => {
          const r = registrations[n.id];
          const text =
            r === undefined
              ? t("register.notYet")
              : typeof r === "string"
                ? t("register.failed", { why: r })
                : r.registered && r.verified
                  ? t("register.done")
                  : t("register.failed", { why: r.output.trim().split("\n").pop() });
          const ok = r !== undefined && typeof r !== "string" && r.registered && r.verified;
          return (
            <li key={n.id} className={ok ? "ok" : r !== undefined ? "bad" : undefined} data-node={n.id}>
              {t("register.node", { id: n.id, text })}
            </li>
          );
        })}
      </ul>
      <div className="actions">
        <button id="wizard-register" type="button" className="primary" onClick={() => void registerAll()} disabled={busy}>
          {busy ? t("register.registering") : t("register.all")}
        </button>
        <button id="wizard-next-register" type="button" onClick={() => setStep(6)} disabled={busy}>
          {t("wizard.continue")}
        </button>
      </div>
    </div>
  );
}

import type { Wizard } from "../useWizard";
import { num } from "../../../format";
import { Trans, useTranslation } from "react-i18next";

/** Step 1 of the setup wizard: welcome. */
export function WelcomeStep({ w }: { w: Wizard }) {
  const { adopt, official, setAdopt, setStep, status } = w;
  const { t } = useTranslation();
  return (
    <div className="step" id="step-welcome">
      <p>{t("welcome.intro")}</p>
      <h3>{t("welcome.needs")}</h3>
      <ul className="needs" id="welcome-needs">
        <li>{t("welcome.stake")} {status?.staking}</li>
        <li>{t("welcome.whitelist")}</li>
        {status?.per_node && (
          <li>
            {t("welcome.perNode", { cores: num(status.per_node.cores), ram: num(status.per_node.ram_gib), disk: num(status.per_node.disk_gib) })}
          </li>
        )}
        <li>{t("welcome.docker")}</li>
      </ul>
      <p className="muted" id="welcome-time">
        {t("welcome.time")}
      </p>
      {official && (
        <label className="check">
          <input type="checkbox" checked={adopt} onChange={(e) => setAdopt(e.target.checked)} />
          <Trans i18nKey="welcome.import" values={{ file: official.env_file, address: official.address ?? "?" }} components={{ code: <code /> }} />
        </label>
      )}
      {status?.keychain_error && (
        <p className="notice" id="no-keychain">
          {t("welcome.noKeychain")}
        </p>
      )}
      <button id="wizard-start" className="primary" type="button" onClick={() => setStep(1)}>
        {t("welcome.start")}
      </button>
    </div>
  );
}

import { ErrorBox } from "../../components/ErrorBox";
import { useTranslation } from "react-i18next";
import { useWizard } from "./useWizard";
import { WelcomeStep } from "./steps/Welcome";
import { CheckStep } from "./steps/Check";
import { InstallStep } from "./steps/Install";
import { NodesStep } from "./steps/Nodes";
import { KeysStep } from "./steps/Keys";
import { RegisterStep } from "./steps/Register";
import { StartStep } from "./steps/Start";
import { SetupStatus } from "./SetupStatus";
import { useEffect, useState } from "react";

const STEPS = ["welcome", "check", "install", "nodes", "keys", "register", "start"] as const;

type Props = { onDone: () => void };

/** First run: check, install, create nodes, back up keys, register, start. */
export function SetupWizard({ onDone }: Props) {
  const w = useWizard(onDone);
  const { t } = useTranslation();
  // Once something is installed and nodes exist, Setup is a status page; the wizard opens at
  // a step from there. Steps reached once stay clickable.
  const [wizard, setWizard] = useState<boolean | null>(null);
  const [reached, setReached] = useState(0);
  useEffect(() => {
    if (wizard === null && w.status) setWizard(!(w.status.installed && w.status.nodes.length > 0));
  }, [w.status, wizard]);
  useEffect(() => {
    setReached((r) => Math.max(r, w.step));
  }, [w.step]);
  useEffect(() => {
    // The status page shows Docker and IPFS: check once.
    if (wizard === false && !w.doctor && !w.busy) void w.check();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wizard]);
  if (wizard === false) {
    return (
      <section className="card wizard" aria-labelledby="wizard-title">
        <h2 id="wizard-title">{t("wizard.yourSetup")}</h2>
        <SetupStatus
          w={w}
          onWizardAt={(step) => {
            w.setStep(step);
            setReached(step);
            setWizard(true);
          }}
        />
        {w.error && <ErrorBox error={w.error} onRetry={() => void w.check()} />}
      </section>
    );
  }
  // "Try again" redoes what the current step does.
  const retry: Record<number, () => void> = {
    1: () => void w.check(),
    2: () => void w.install(),
    3: () => void w.create(),
    5: () => void w.registerAll(),
    6: () => void w.start(),
  };
  return (
    <section className="card wizard" aria-labelledby="wizard-title">
      <h2 id="wizard-title">{t("wizard.title")}</h2>
      <ol className="steps" aria-label={t("wizard.steps")}>
        {STEPS.map((s, i) => {
          const warn = i === 1 && w.failed > 0;
          const label = `${warn ? "⚠ " : ""}${t(`wizard.step.${s}`)}`;
          return (
            <li key={s} className={`${i === w.step ? "current" : i < w.step ? "done" : ""}${warn ? " warn" : ""}`} aria-current={i === w.step ? "step" : undefined}>
              {i <= reached && i !== w.step ? (
                <button type="button" className="chip" onClick={() => w.setStep(i)}>
                  {label}
                </button>
              ) : (
                label
              )}
            </li>
          );
        })}
      </ol>

      {w.step === 0 && <WelcomeStep w={w} />}
      {w.step === 1 && <CheckStep w={w} />}
      {w.step === 2 && <InstallStep w={w} />}
      {w.step === 3 && <NodesStep w={w} />}
      {w.step === 4 && <KeysStep w={w} />}
      {w.step === 5 && <RegisterStep w={w} />}
      {w.step === 6 && <StartStep w={w} />}

      {w.error && <ErrorBox error={w.error} onRetry={retry[w.step]} />}
    </section>
  );
}

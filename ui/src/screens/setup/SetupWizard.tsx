import { ErrorBox } from "../../components/ErrorBox";
import { useWizard } from "./useWizard";
import { WelcomeStep } from "./steps/Welcome";
import { CheckStep } from "./steps/Check";
import { InstallStep } from "./steps/Install";
import { NodesStep } from "./steps/Nodes";
import { KeysStep } from "./steps/Keys";
import { RegisterStep } from "./steps/Register";
import { StartStep } from "./steps/Start";

const STEPS = ["Welcome", "System check", "Install", "Nodes", "Keys", "Register", "Start"] as const;

type Props = { onDone: () => void };

/** First run: check, install, create nodes, back up keys, register, start. */
export function SetupWizard({ onDone }: Props) {
  const w = useWizard(onDone);
  return (
    <section className="card wizard" aria-labelledby="wizard-title">
      <h2 id="wizard-title">Set up your nodes</h2>
      <ol className="steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li key={s} className={i === w.step ? "current" : i < w.step ? "done" : undefined} aria-current={i === w.step ? "step" : undefined}>
            {s}
          </li>
        ))}
      </ol>

      {w.step === 0 && <WelcomeStep w={w} />}
      {w.step === 1 && <CheckStep w={w} />}
      {w.step === 2 && <InstallStep w={w} />}
      {w.step === 3 && <NodesStep w={w} />}
      {w.step === 4 && <KeysStep w={w} />}
      {w.step === 5 && <RegisterStep w={w} />}
      {w.step === 6 && <StartStep w={w} />}

      {w.error && <ErrorBox message={w.error} />}
    </section>
  );
}

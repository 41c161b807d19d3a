import type { Wizard } from "./useWizard";
import { date } from "../../format";
import { useTranslation } from "react-i18next";

/** Setup once something is installed: where the machine stands, and what to do next —
 * never onboarding again on top of existing nodes. */
export function SetupStatus({ w, onWizardAt }: { w: Wizard; onWizardAt: (step: number) => void }) {
  const { t } = useTranslation();
  const { busy, check, doctor, fix, status } = w;
  if (!status) return null;
  const nodes = status.nodes;
  const registered = nodes.filter((n) => n.registered?.startsWith("ok")).length;
  const waiting = nodes.filter((n) => n.registered && !n.registered.startsWith("ok"));
  const backed = status.keys_backed_up;
  const docker = doctor?.checks.find((c) => c.id === "docker");
  const ipfs = doctor?.checks.find((c) => c.id === "ipfs");
  const mark = (ok: boolean) => (ok ? "✓" : "✗");
  // The next sensible action is the primary button.
  const next = !nodes.length ? "add" : !backed || backed[1] < nodes.length ? "backup" : registered < nodes.length ? "register" : null;
  return (
    <div className="setup-status" id="setup-status">
      <ul className="status-list">
        <li className={status.installed ? "ok" : "bad"}>
          {mark(!!status.installed)} cortensord {status.installed?.version ?? t("status.notInstalled")}
        </li>
        <li className={nodes.length ? "ok" : "bad"}>
          {mark(nodes.length > 0)} {t("status.nodes", { count: nodes.length })}
        </li>
        <li className={backed && backed[1] >= nodes.length ? "ok" : "bad"} id="status-backup">
          {mark(!!backed && backed[1] >= nodes.length)}{" "}
          {backed
            ? t("status.backedUp", { date: date(backed[0]) }) +
              (backed[1] < nodes.length ? t("status.backedUpOf", { done: backed[1], all: nodes.length }) : "")
            : t("status.notBackedUp")}
        </li>
        <li className={registered === nodes.length ? "ok" : "bad"} id="status-registered">
          {mark(registered === nodes.length)} {t("status.registered", { done: registered, all: nodes.length })}
          {waiting.length > 0 && <span className="muted"> · {t("status.waiting", { nodes: waiting.map((n) => n.spec.id).join(", ") })}</span>}
        </li>
        {[docker, ipfs].map(
          (c) =>
            c && (
              <li key={c.id} className={c.status === "fail" ? "bad" : "ok"} data-check={c.id}>
                {mark(c.status !== "fail")} {c.title}
                {c.status !== "ok" && <span className="muted"> · {c.explanation}</span>}
                {c.fix?.automatic && c.status !== "ok" && (
                  <button type="button" className="small" onClick={() => void fix(c.id, c.fix!.label)} disabled={busy}>
                    {t("status.fix")}
                  </button>
                )}
              </li>
            ),
        )}
      </ul>
      <div className="actions">
        <button type="button" className={next === "add" ? "primary" : undefined} onClick={() => onWizardAt(3)}>
          {t("status.add")}
        </button>
        <button type="button" className={next === "backup" ? "primary" : undefined} onClick={() => onWizardAt(4)} disabled={!nodes.length}>
          {t("status.backup")}
        </button>
        <button type="button" className={next === "register" ? "primary" : undefined} onClick={() => onWizardAt(5)} disabled={!nodes.length}>
          {t("status.register")}
        </button>
        <button type="button" onClick={() => void check()} disabled={busy}>
          {t("check.again")}
        </button>
      </div>
    </div>
  );
}

// The actions a "not earning" line offers, done the same way wherever the button is (the
// Overview's next action, the node page). Each returns what to tell the user, or null when the
// user declined.
import i18n from "../../i18n";
import { fixCheck, registerNode } from "../../api";

/** Start Docker through the doctor's fix, after the user agreed to the administrator prompt. */
export async function startDocker(): Promise<string | null> {
  if (!window.confirm(i18n.t("actions.confirmDocker"))) return null;
  await fixCheck("docker");
  return i18n.t("actions.dockerStarted");
}

/** Register these nodes with the network (`tool register` and `verify`). */
export async function registerNodes(ids: number[]): Promise<string> {
  let ok = 0;
  for (const id of ids) if ((await registerNode(id)).registered) ok++;
  return ok === ids.length
    ? i18n.t("actions.registered")
    : i18n.t("actions.registeredSome", { ok, all: ids.length });
}

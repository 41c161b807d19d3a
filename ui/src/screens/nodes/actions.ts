// The actions a "not earning" line offers, done the same way wherever the button is (the
// Overview's next action, the node page). Each returns what to tell the user, or null when the
// user declined.
import { fixCheck, registerNode } from "../../api";

/** Start Docker through the doctor's fix, after the user agreed to the administrator prompt. */
export async function startDocker(): Promise<string | null> {
  if (!window.confirm("Start Docker: the app runs the steps as administrator (your password is asked). Continue?")) return null;
  await fixCheck("docker");
  return "Docker was started; your nodes show it within a minute.";
}

/** Register these nodes with the network (`tool register` and `verify`). */
export async function registerNodes(ids: number[]): Promise<string> {
  let ok = 0;
  for (const id of ids) if ((await registerNode(id)).registered) ok++;
  return ok === ids.length
    ? "Registered; nodes that are whitelisted start earning."
    : `${ok} of ${ids.length} registered; see the node's log for the others.`;
}

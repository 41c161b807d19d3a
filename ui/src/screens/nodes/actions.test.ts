import { expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import { registerNodes, startDocker } from "./actions";

it("does a not-earning line's actions the same way everywhere", async () => {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "register_node") return { registered: (args as { id: number }).id !== 2 };
    return [];
  });
  expect(await registerNodes([1, 3])).toBe("Registered; nodes that are whitelisted start earning.");
  expect(await registerNodes([1, 2])).toBe("1 of 2 registered; see the node's log for the others.");
  const confirm = window.confirm;
  window.confirm = () => false;
  expect(await startDocker()).toBeNull();
  expect(calls).not.toContain("fix_check");
  window.confirm = () => true;
  expect(await startDocker()).toMatch(/^Docker was started/);
  expect(calls).toContain("fix_check");
  window.confirm = confirm;
});

import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { Overview, nextAction, progressText } from "./Overview";
import type { NodeHealth } from "../../bindings/NodeHealth";
import type { Ruleset } from "../../bindings/Ruleset";
import ruleset from "../../test/ruleset-phase3.json";

const phase3 = ruleset as Ruleset;

function node(id: number, over: { earning?: NodeHealth["earning"]; qualified?: number; measuring?: boolean; lost?: boolean }): NodeHealth {
  const qualified = over.qualified ?? 3;
  return {
    id,
    earning: over.earning ?? { earning: true, blocker: null, action: null },
    uptime: {
      last_24h_pct: 100,
      last_7d_pct: 100,
      contest_pct: 100,
      qualified_days: qualified,
      required_day_pct: 90,
      required_days: 30,
      days_to_go: 30 - qualified,
      qualifies_at: qualified >= 30 ? 0 : 1_798_286_400, // 26 Dec 2026
      up_minutes_24h: over.measuring ? 3 : 1440,
      seen_minutes_24h: over.measuring ? 3 : 1440,
      measuring: over.measuring ?? false,
      today_lost: over.lost ?? false,
    },
  } as unknown as NodeHealth;
}

const docker = { earning: false, blocker: "Docker is stopped: the node's LLM engine cannot run", action: "Start Docker" };

describe("Overview", () => {
  it("answers 'are my nodes earning, how much' in one sentence, node by node, with the next action", async () => {
    const calls: string[] = [];
    mockIPC(
      (cmd, args) => {
        calls.push(cmd);
        if (cmd === "node_health") return [node(1, {}), node(2, { earning: docker }), node(3, { earning: docker, measuring: true })];
        if (cmd === "active_alerts") return [{ id: 4, node_id: 2, kind: "low_balance", message: "node 2 has 0.010000 ETH", at: 1, resolved_at: null, dismissed_at: null }];
        if (cmd === "compute_rewards") {
          expect((args as { input: { nodes: number } }).input.nodes).toBe(3);
          return { total: "66.00" };
        }
        if (cmd === "fix_check") return [];
        return null;
      },
      { shouldMockEvents: true },
    );
    const confirm = window.confirm;
    window.confirm = () => true;
    render(<Overview rules={phase3} onSetup={() => {}} onNode={() => {}} />);
    await waitFor(() => expect(document.getElementById("fleet-sentence")).toHaveTextContent(/^1 of 3 nodes earning · 0 of 3 qualify yet · first qualifies (26 Dec|Dec 26) · projected \$66\.00 \/ month$/));
    expect(document.querySelector('[data-node="2"]')).toHaveTextContent("Node 2 (this PC) not earning: Docker is stopped");
    expect(document.querySelector('[data-node="1"]')).toHaveTextContent("earning · day 3 of 30 · on track");
    expect(document.querySelector('[data-node="3"]')).toHaveTextContent("measuring uptime (running 3 min)");
    expect(screen.getByText(/node 2 has 0.010000 ETH/)).toBeInTheDocument();
    expect(document.getElementById("next-action")).toHaveTextContent("2 nodes: Docker is stopped");
    await userEvent.setup().click(screen.getByRole("button", { name: "Start Docker" }));
    await waitFor(() => expect(document.getElementById("overview-said")).toHaveTextContent("Docker was started"));
    expect(calls).toContain("fix_check");
    window.confirm = confirm;
  });

  it("picks one next action and words progress plainly", () => {
    expect(nextAction([])).toEqual({ label: "Set up your nodes", why: "No node yet." });
    expect(nextAction([node(1, {})])).toBeNull();
    const reg = { earning: false, blocker: "Not registered with the network", action: "Register" };
    expect(nextAction([node(1, { earning: reg }), node(2, { earning: docker })])?.label).toBe("Start Docker");
    expect(progressText(node(1, { qualified: 30 }))).toBe("qualifies");
    expect(progressText(node(1, { lost: true }))).toMatch(/^day 3 of 30 · today will not count/);
  });
});

import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { RewardsCalculator } from "./RewardsCalculator";
import type { RewardsInput } from "../../bindings/RewardsInput";
import type { RewardsBreakdown } from "../../bindings/RewardsBreakdown";
import type { Ruleset } from "../../bindings/Ruleset";
import ruleset from "../../test/ruleset-phase3.json";

// The real Phase #3 ruleset, written by the Rust tests (crates/api) like the bindings.
const phase3 = ruleset as Ruleset;

const breakdown = (over: Partial<RewardsBreakdown>): RewardsBreakdown => ({
  base: "0.00",
  multi_node_bonus: "0.00",
  role_bonus: "0.00",
  rank_rewards: "0.00",
  total: "0.00",
  warnings: [],
  notes: [],
  ...over,
});

describe("RewardsCalculator", () => {
  it("sends the typed request and shows the backend's breakdown", async () => {
    const calls: RewardsInput[] = [];
    mockIPC((cmd, args) => {
      expect(cmd).toBe("compute_rewards");
      const input = (args as { input: RewardsInput }).input;
      calls.push(input);
      if (input.nodes === 3 && input.role_bonus_pct === "10") {
        return breakdown({ base: "60.00", multi_node_bonus: "6.00", role_bonus: "6.60", total: "72.60" });
      }
      return breakdown({ base: "20.00", total: "20.00" });
    });
    const user = userEvent.setup();
    render(<RewardsCalculator rules={phase3} projectedRankRewards={null} />);
    const nodes = screen.getByRole("textbox", { name: /qualifying nodes/i });
    await user.clear(nodes);
    await user.type(nodes, "3");
    await user.selectOptions(screen.getByRole("combobox", { name: /role bonus/i }), "10");
    await waitFor(() => expect(screen.getByTestId("total")).toHaveTextContent("$72.60"));
    expect(screen.getByText("$6.60")).toBeInTheDocument();
    const last = calls[calls.length - 1];
    expect(last).toEqual({ nodes: 3, role_bonus_pct: "10", months: "1", bonus_cap_pct: "40", rank_rewards: "0" });
  });

  it("shows the backend's error inline and no stale total", async () => {
    mockIPC((_cmd, args) => {
      const input = (args as { input: RewardsInput }).input;
      if (input.nodes === 0) throw { message: "the number of nodes must be at least 1 (got 0)" };
      return breakdown({ total: "20.00" });
    });
    const user = userEvent.setup();
    render(<RewardsCalculator rules={phase3} projectedRankRewards={null} />);
    await waitFor(() => expect(screen.getByTestId("total")).toHaveTextContent("$20.00"));
    const nodes = screen.getByRole("textbox", { name: /qualifying nodes/i });
    await user.clear(nodes);
    await user.type(nodes, "0");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("at least 1"));
    expect(screen.queryByTestId("total")).toBeNull();
  });

  it("rejects a non-number before asking the backend", async () => {
    let called = 0;
    mockIPC(() => {
      called++;
      return breakdown({ total: "20.00" });
    });
    const user = userEvent.setup();
    render(<RewardsCalculator rules={phase3} projectedRankRewards={null} />);
    await waitFor(() => expect(called).toBe(1));
    const nodes = screen.getByRole("textbox", { name: /qualifying nodes/i });
    await user.clear(nodes);
    await user.type(nodes, "abc");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("whole number"));
    expect(called).toBe(1);
  });

  it("shows warnings and uses the projected rank rewards", async () => {
    const seen: string[] = [];
    mockIPC((_cmd, args) => {
      const input = (args as { input: RewardsInput }).input;
      seen.push(input.rank_rewards);
      return breakdown({ rank_rewards: input.rank_rewards, total: "1.00", warnings: ["26 nodes is above the contest's limit"] });
    });
    render(<RewardsCalculator rules={phase3} projectedRankRewards="85.00" />);
    await waitFor(() => expect(screen.getByText(/above the contest's limit/)).toHaveClass("warning"));
    expect(seen).toContain("85.00");
    expect(screen.getByText("85.00")).toBeInTheDocument();
  });
});

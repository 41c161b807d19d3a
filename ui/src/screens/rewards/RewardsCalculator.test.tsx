import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { RewardsCalculator, inputProblems } from "./RewardsCalculator";
import { usd } from "../../format";
import type { RewardsInput } from "../../bindings/RewardsInput";
import type { RewardsBreakdown } from "../../bindings/RewardsBreakdown";
import type { NodeHealth } from "../../bindings/NodeHealth";
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
  rewarded_nodes: 1,
  excess_nodes: 0,
  excess_base: "0.00",
  warnings: [],
  notes: [],
  ...over,
});

type Handler = (cmd: string, args: unknown) => unknown;

/** The app's backend for the calculator: settings in a map, no nodes unless given. */
function backend(compute: (input: RewardsInput) => RewardsBreakdown, opts: { health?: NodeHealth[]; settings?: Map<string, string> } = {}): { settings: Map<string, string>; calls: RewardsInput[] } {
  const settings = opts.settings ?? new Map<string, string>();
  const calls: RewardsInput[] = [];
  const handler: Handler = (cmd, args) => {
    const a = args as Record<string, unknown>;
    if (cmd === "get_setting") return settings.get(a.key as string) ?? null;
    if (cmd === "set_setting") {
      settings.set(a.key as string, a.value as string);
      return null;
    }
    if (cmd === "node_health") return opts.health ?? [];
    if (cmd === "compute_rewards") {
      const input = a.input as RewardsInput;
      calls.push(input);
      return compute(input);
    }
    return null;
  };
  mockIPC(handler, { shouldMockEvents: true });
  return { settings, calls };
}

/** A node watched for `qualified` days (30 qualify it). */
function node(id: number, qualified: number): NodeHealth {
  return {
    uptime: {
      last_24h_pct: 100,
      last_7d_pct: 100,
      contest_pct: 100,
      qualified_days: qualified,
      required_day_pct: 90,
      required_days: 30,
      days_to_go: 30 - qualified,
      // 26 Dec 2026, 12:00 UTC.
      qualifies_at: qualified >= 30 ? 1_790_000_000 : 1_798_286_400,
      up_minutes_24h: 1440,
      seen_minutes_24h: 1440,
      measuring: false,
      today_lost: false,
    },
    id,
  } as unknown as NodeHealth;
}

describe("RewardsCalculator", () => {
  it("sends the typed request and shows the backend's breakdown", async () => {
    const { calls } = backend((input) =>
      input.nodes === 3 && input.role_bonus_pct === "10"
        ? breakdown({ base: "60.00", multi_node_bonus: "6.00", role_bonus: "6.60", total: "72.60", rewarded_nodes: 3 })
        : breakdown({ base: "20.00", total: "20.00" }),
    );
    const user = userEvent.setup();
    render(<RewardsCalculator rules={phase3} projectedRankRewards={null} />);
    const nodes = screen.getByRole("textbox", { name: /qualifying nodes/i });
    await user.clear(nodes);
    await user.type(nodes, "3");
    await user.selectOptions(screen.getByRole("combobox", { name: /role bonus/i }), "10");
    await waitFor(() => expect(screen.getByTestId("total")).toHaveTextContent("$72.60"));
    expect(screen.getByText("$6.60")).toBeInTheDocument();
    expect(calls[calls.length - 1]).toEqual({ nodes: 3, role_bonus_pct: "10", months: "1", bonus_cap_pct: "40", rank_rewards: "0" });
  });

  it("says under each field what is wrong, and never asks the backend with it", async () => {
    const { calls } = backend(() => breakdown({ total: "20.00" }));
    const user = userEvent.setup();
    render(<RewardsCalculator rules={phase3} projectedRankRewards={null} />);
    await waitFor(() => expect(calls.length).toBe(1));
    const nodes = screen.getByRole("textbox", { name: /qualifying nodes/i });
    for (const bad of ["abc", "0", "2.5"]) {
      await user.clear(nodes);
      await user.type(nodes, bad);
      await waitFor(() => expect(document.getElementById("nodes-error")).toHaveTextContent("whole number from 1"));
      expect(screen.queryByTestId("total")).toBeNull();
    }
    await user.clear(nodes);
    await user.type(nodes, "2");
    const months = screen.getByRole("textbox", { name: /months/i });
    await user.clear(months);
    await user.type(months, "two");
    await waitFor(() => expect(document.getElementById("months-error")).toHaveTextContent("a number above 0"));
    await user.clear(months);
    await user.type(months, "99999");
    await waitFor(() => expect(document.getElementById("months-error")).toHaveTextContent("At most 120 months"));
    // Only well-formed requests reached the backend.
    expect(calls.every((c) => Number.isInteger(c.nodes) && c.nodes >= 1 && /^\d+(\.\d+)?$/.test(c.months))).toBe(true);
    expect(document.body.textContent).not.toMatch(/invalid args|Decimal/);
  });

  it("writes money with the locale's grouping and currency, exactly from the core's decimal", () => {
    expect(usd("72.60", "en-US")).toBe("$72.60");
    expect(usd("1234567.5", "en-US")).toBe("$1,234,567.50");
    expect(usd("9007199254740993.01", "en-US")).toBe("$9,007,199,254,740,993.01");
    expect(usd("1234.50", "de-DE")).toBe("1.234,50\u00a0$");
    expect(usd("0", "en-US")).toBe("$0.00");
    expect(usd("-5.5", "en-US")).toBe("-$5.50");
    expect(usd("n/a", "en-US")).toBe("n/a");
  });

  it("validates every field by the contest's bounds", () => {
    const ok = { nodes: "3", months: "1", cap: "40", rank: "0" };
    expect(inputProblems(ok, 25)).toEqual({ nodes: null, months: null, cap: null, rank: null });
    expect(inputProblems({ ...ok, cap: "101" }, 25).cap).toMatch("0 to 100");
    expect(inputProblems({ ...ok, cap: "-1" }, 25).cap).toMatch("0 to 100");
    expect(inputProblems({ ...ok, rank: "1e9" }, 25).rank).toMatch("in dollars");
    expect(inputProblems({ ...ok, rank: "2000000" }, 25).rank).toMatch("At most");
    expect(inputProblems({ ...ok, nodes: "1e3" }, 25).nodes).toMatch("whole number");
    expect(inputProblems({ ...ok, nodes: "5000" }, 25).nodes).toMatch("At most 1,000");
  });

  it("opens with the user's nodes, says how many qualify, and shows projected and qualifying-now apart", async () => {
    const health = [node(1, 3), node(2, 3), node(3, 3)];
    const { settings } = backend((input) => breakdown({ base: `${input.nodes * 20}.00`, total: `${input.nodes * 20 + Number(input.rank_rewards)}.00`, rewarded_nodes: input.nodes }), { health });
    render(<RewardsCalculator rules={phase3} projectedRankRewards="25.00" />);
    await waitFor(() => expect(screen.getByRole("textbox", { name: /qualifying nodes/i })).toHaveValue("3"));
    expect(document.getElementById("fleet-summary")).toHaveTextContent(/^3 nodes · 0 qualify yet · first qualifies on (26 Dec|Dec 26)$/);
    await waitFor(() => expect(screen.getByTestId("total")).toHaveTextContent("$85.00"));
    // None qualifies: nothing now, and no rank rewards added to it.
    expect(document.getElementById("qualifying-now")).toHaveTextContent("$0.00 (no node qualifies yet)");
    // The inputs are kept for the next time (another tab, a relaunch).
    await waitFor(() => expect(JSON.parse(settings.get("calc.inputs") ?? "{}").nodes).toBe("3"));
  });

  it("restores the inputs kept from last time over the fleet's count", async () => {
    const settings = new Map([["calc.inputs", JSON.stringify({ nodes: "7", role: "5", months: "2", cap: null, rankRewards: "0", useProjection: true })]]);
    backend(() => breakdown({ total: "1.00" }), { health: [node(1, 30)], settings });
    render(<RewardsCalculator rules={phase3} projectedRankRewards={null} />);
    await waitFor(() => expect(screen.getByRole("textbox", { name: /qualifying nodes/i })).toHaveValue("7"));
    expect(screen.getByRole("combobox", { name: /role bonus/i })).toHaveValue("5");
    expect(screen.getByRole("textbox", { name: /months/i })).toHaveValue("2");
    expect(document.getElementById("fleet-summary")).toHaveTextContent(/^1 node · 1 qualifies$/);
    await waitFor(() => expect(document.getElementById("qualifying-now")).toHaveTextContent("$1.00"));
  });

  it("shows nodes past the limit apart from the total, and uses the projected rank rewards", async () => {
    const { calls } = backend((input) =>
      breakdown({
        rank_rewards: input.rank_rewards,
        total: "600.00",
        rewarded_nodes: 25,
        excess_nodes: 1,
        excess_base: "20.00",
        warnings: ["26 nodes is above the contest's limit of about 25 nodes per participant"],
      }),
    );
    render(<RewardsCalculator rules={phase3} projectedRankRewards="85.00" nodeCount={26} />);
    await waitFor(() => expect(screen.getByText(/above the contest's limit/)).toHaveClass("warning"));
    expect(document.getElementById("excess")).toHaveTextContent("1 node · $20.00");
    expect(screen.getByTestId("total")).toHaveTextContent("$600.00");
    expect(calls.map((c) => c.rank_rewards)).toContain("85.00");
    expect(screen.getByText("85.00")).toBeInTheDocument();
  });
});

import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, act, fireEvent } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { Dashboard } from "./Dashboard";
import type { NodeHealth } from "../../bindings/NodeHealth";

// uPlot draws on a canvas, which jsdom does not have; the charts' data path is what is tested.
const setData = vi.fn();
vi.mock("uplot", () => ({
  default: class {
    setData = setData;
    destroy() {}
  },
}));

const log = {
  session_id: 1101, state: 4, state_name: "Precommit", states: {}, sessions_seen: 3, tasks_assigned: 5, tasks_committed: 4,
  transactions: 8, pings: 120, errors: 0, warnings: 0, crashes: 0, malformed: 2, other: 1, last_error: null,
  last_line_at: 1000, last_progress_at: 999, last_ping_at: 1000, pings_since_progress: 0, version: "0.0.1-test", cognitive_level: 3,
};

const node = (id: number, state: NodeHealth["state"], reason: string): NodeHealth => ({
  id, address: `0x${String(id).padStart(40, "0")}`, state, reason, pid: state === "down" ? null : 100 + id, restarts: 0,
  up_since: 900, cpu_pct: 3.5, rss_bytes: 50 << 20, threads: 4, open_files: 12, processes: 2, log_age_secs: 1, log,
  // Node 1 has been watched a day; node 2 started 3 minutes ago (still measured).
  uptime:
    id === 1
      ? { last_24h_pct: 99.5, last_7d_pct: 99.9, contest_pct: 99.9, qualified_days: 3, required_day_pct: 90, required_days: 30, days_to_go: 27, qualifies_at: null, up_minutes_24h: 1433, seen_minutes_24h: 1440, measuring: false, today_lost: false }
      : { last_24h_pct: 0, last_7d_pct: 0, contest_pct: 0, qualified_days: 0, required_day_pct: 90, required_days: 30, days_to_go: 30, qualifies_at: null, up_minutes_24h: 0, seen_minutes_24h: 3, measuring: true, today_lost: false },
  earning:
    state === "healthy"
      ? { earning: true, blocker: null, action: null }
      : { earning: false, blocker: `Not running: ${reason}`, action: "Restart" },
  // Node 1 runs its LLM engine in Docker; node 2's was never seen (Docker unknown).
  containers: id === 1 ? [{ name: "cortensor-node1-llm-0", state: "running", status: "running since 2026-11-26T08:00:00Z", restarts: 1, started_at: "2026-11-26T08:00:00Z" }] : null,
  container_restarts: id === 1 ? 2 : 0,
  ports: [
    { name: "llm", port: 8090 + id, listening: id === 1 },
    { name: "worker", port: 18000 + id, listening: false },
  ],
  // Node 1 is short of gas money; node 2's balance was not read yet.
  balance:
    id === 1
      ? { wei: "10000000000000000", eth: "0.010000 ETH", low: true, min_eth: "0.050000 ETH", error: null, checked_at: 990 }
      : null,
  at: 1000,
});

const machine = {
  cpu_pct: 7, ram_used: 2 * 2 ** 30, ram_total: 16 * 2 ** 30, disk_free: 100 * 2 ** 30, gpus: null, containers: null,
  ping: null, dashboard_ping: null, global_ping: [],
};

describe("Dashboard", () => {
  it("shows a card per node with state and reason, live updates, alerts, and a node page", async () => {
    const controls: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "node_health") return [node(1, "healthy", "session 1101, state Precommit"), node(2, "down", "crashed (exit code 1); restarting in 2.0 s")];
        if (cmd === "active_alerts") return [];
        if (cmd === "dismiss_alert") {
          controls.push({ dismissed: (args as { id: number }).id });
          return null;
        }
        if (cmd === "system_health") return machine;
        if (cmd === "node_control") {
          controls.push(args);
          return { nodes: [], notes: [] };
        }
        if (cmd === "watch_node_log") return ["Pinging network...", "* Latest ID:  1101  / Latest State:  4", "Error: RPC timeout"];
        if (cmd === "unwatch_node_log") return null;
        if (cmd === "uptime_timeline") return [{ at: 60, up: true }, { at: 120, up: false }];
        return null;
      },
      { shouldMockEvents: true },
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    await waitFor(() => expect(document.querySelector('[data-node="2"]')).toHaveTextContent("crashed (exit code 1)"));
    expect(document.querySelector('[data-node="1"]')).toHaveClass("state-healthy");
    expect(document.querySelector('[data-node="1"] .level')).toHaveTextContent("3");
    // One uptime: the core's figure on the card and in the header; a new node is "measuring".
    expect(document.querySelector('[data-node="1"] .uptime')).toHaveTextContent("99.5 %");
    expect(document.querySelector('[data-node="2"] .uptime')).toHaveTextContent("measuring (running 3 min)");
    expect(document.getElementById("fleet-uptime")).toHaveTextContent("uptime 24 h 99.5 %");
    expect(document.querySelector('[data-node="1"] .earning')).toHaveTextContent("Earning");
    expect(document.querySelector('[data-node="2"] .earning')).toHaveTextContent("Not earning: Not running: crashed (exit code 1); restarting in 2.0 s — Restart");
    expect(document.getElementById("earning-total")).toHaveTextContent("1 of 2 earning");
    expect(document.querySelector('[data-node="1"] .balance')).toHaveTextContent("0.010000 ETH");
    expect(document.querySelector('[data-node="1"] .fund')).toHaveTextContent("Below 0.050000 ETH");
    expect(document.querySelector('[data-node="2"] .balance')).toHaveTextContent("–");
    expect(document.querySelector('[data-node="2"] .fund')).toBeNull();
    expect(screen.getByText("1 healthy")).toBeInTheDocument();
    expect(screen.getByText("1 down")).toBeInTheDocument();
    // The machine bar is there before the first pushed sample.
    await waitFor(() => expect(document.getElementById("system")).toHaveTextContent("RAM 2.0 GB / 16.0 GB"));
    expect(document.getElementById("system")).toHaveTextContent("Docker not available");
    expect(document.querySelector('[data-node="1"] .llm')).toHaveTextContent("running · 2 restarts");
    // Node 2 is down: its live fields say nothing stale.
    expect(document.querySelector('[data-node="2"] .llm')).toHaveTextContent(/^–$/);

    // Pushed from Rust: node 2 comes back.
    await act(async () => {
      await emit("node-health", [node(1, "healthy", "session 1102, state Create"), node(2, "starting", "started 2 s ago")]);
      await emit("active-alerts", [{ id: 1, node_id: 2, kind: "crash_loop", message: "node 2 crashed 5 times in 120 s", at: 1000, resolved_at: null, dismissed_at: null }]);
      await emit("system-health", {
        cpu_pct: 12, ram_used: 4 * 2 ** 30, ram_total: 16 * 2 ** 30, disk_free: 200 * 2 ** 30, gpus: null,
        containers: [{ name: "cortensor-node1-llm", state: "running", status: "Up" }], ping: { target: "https://rpc", ms: 42.4 },
        dashboard_ping: { target: "https://dash", ms: null }, global_ping: [{ target: "a", ms: 100 }, { target: "b", ms: 200 }],
      });
    });
    expect(document.getElementById("system")).toHaveTextContent("RAM 4.0 GB / 16.0 GB");
    expect(document.getElementById("system")).toHaveTextContent("no GPU (CPU mode)");
    expect(document.getElementById("system")).toHaveTextContent("1/1 LLM containers up");
    expect(document.getElementById("system")).toHaveTextContent("RPC ping 42 ms");
    expect(document.getElementById("system")).toHaveTextContent("dashboard ping unreachable");
    expect(document.getElementById("system")).toHaveTextContent("global ping 150 ms");
    await waitFor(() => expect(screen.getByText("1 starting")).toBeInTheDocument());
    expect(screen.getByText(/node 2 crashed 5 times/)).toBeInTheDocument();
    // An alert the user dismisses goes away (the core keeps it in the history).
    await user.click(screen.getByRole("button", { name: /Dismiss: node 2 crashed/ }));
    await waitFor(() => expect(screen.queryByText(/node 2 crashed 5 times/)).toBeNull());
    expect(controls).toContainEqual({ dismissed: 1 });
    // One resolved by the core (the node came back) leaves when the open list is pushed.
    await act(async () => {
      await emit("active-alerts", [{ id: 2, node_id: 1, kind: "down", message: "node 1 has been down for 5 min", at: 1001, resolved_at: null, dismissed_at: null }]);
    });
    expect(screen.getByText(/node 1 has been down/)).toBeInTheDocument();
    await act(async () => {
      await emit("active-alerts", []);
    });
    expect(screen.queryByText(/node 1 has been down/)).toBeNull();

    // Stop all asks first and says what it costs; a "no" stops nothing.
    const asked: string[] = [];
    const confirm = window.confirm;
    window.confirm = (q?: string) => {
      asked.push(q ?? "");
      return asked.length > 1;
    };
    await user.click(screen.getByRole("button", { name: "Stop all" }));
    expect(controls).not.toContainEqual({ selection: "all", action: "stop" });
    await user.click(screen.getByRole("button", { name: "Stop all" }));
    expect(controls).toContainEqual({ selection: "all", action: "stop" });
    expect(asked[0]).toBe("Stop all 2 nodes? While stopped they earn nothing. Stopped minutes count against today's uptime: a day needs 90 % to count towards qualification.");
    window.confirm = confirm;
    // Every node runs: nothing to start.
    expect(screen.getByRole("button", { name: "Start all" })).toBeDisabled();

    await user.click(document.querySelector('[data-node="1"]') as HTMLElement);
    await waitFor(() => expect(screen.getByText(/Error: RPC timeout/)).toBeInTheDocument());
    expect(screen.getByText("session 1102, state Create")).toBeInTheDocument();
    // The same uptime as the card (the ledger's), not one recomputed from the timeline.
    expect(screen.getByText("Uptime, last 24 h: 99.5 %")).toBeInTheDocument();
    expect(document.getElementById("node-earning")).toHaveTextContent("Earning");
    expect(document.getElementById("node-engine")).toHaveTextContent("cortensor-node1-llm-0 running since 2026-11-26T08:00:00Z · 1 Docker restarts");
    expect(document.getElementById("node-engine")).toHaveTextContent("llm port 8091: listening");
    expect(document.getElementById("node-balance")).toHaveTextContent("0.010000 ETH");
    expect(document.getElementById("node-fund")).toHaveTextContent(`Send ETH on its network to ${node(1, "healthy", "").address}`);
    expect(screen.getByRole("button", { name: "Copy address" })).toBeInTheDocument();
    expect(document.getElementById("node-engine")).toHaveTextContent("worker port 18001: not listening");
    // New lines are pushed from Rust; another node's lines are not shown here.
    await act(async () => {
      await emit("node-log", { id: 1, lines: ["* Latest ID:  1102  / Latest State:  1"] });
      await emit("node-log", { id: 2, lines: ["node 2 line"] });
    });
    await waitFor(() => expect(document.getElementById("node-log")).toHaveTextContent("Latest ID: 1102"));
    expect(document.getElementById("node-log")).not.toHaveTextContent("node 2 line");
    expect(document.getElementById("node-log-count")).toHaveTextContent("4 lines, live");
    await user.type(screen.getByRole("searchbox", { name: "Filter the log" }), "latest");
    await waitFor(() => expect(document.getElementById("node-log")).not.toHaveTextContent("RPC timeout"));
    expect(document.getElementById("node-log")).toHaveTextContent("Latest ID: 1101 / Latest State: 4");
    expect(document.getElementById("node-log-count")).toHaveTextContent("2 of 4 lines match");
    // "Latest ID" and "Latest State" on each of the two lines.
    expect(document.querySelectorAll("#node-log mark")).toHaveLength(4);
    await user.click(screen.getByRole("button", { name: "Restart" }));
    expect(controls).toContainEqual({ selection: { one: 1 }, action: "restart" });
    // The log follows its tail until the user scrolls up; "Jump to latest" brings it back.
    const pre = document.getElementById("node-log")!;
    Object.defineProperty(pre, "scrollHeight", { value: 1000, configurable: true });
    Object.defineProperty(pre, "clientHeight", { value: 200, configurable: true });
    expect(document.getElementById("jump-latest")).toBeNull();
    pre.scrollTop = 100;
    fireEvent.scroll(pre);
    await user.click(screen.getByRole("button", { name: "Jump to latest" }));
    expect(document.getElementById("jump-latest")).toBeNull();
    // The charts were fed the pushed samples (CPU 3.5 % at t = 1000).
    expect(setData).toHaveBeenCalled();
  });
});

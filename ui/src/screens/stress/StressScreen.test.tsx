import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { StressScreen } from "./StressScreen";
import { ReportContext } from "../report/reportContext";
import type { CycleResult } from "../../bindings/CycleResult";
import type { StressOutcome } from "../../bindings/StressOutcome";

const ok = (cycle: number): CycleResult => ({
  cycle,
  phases: [
    { phase: "install", ms: 1200 },
    { phase: "launch", ms: 300 },
    { phase: "healthy", ms: 2100 },
    { phase: "stop", ms: 150 },
    { phase: "uninstall", ms: 40 },
  ],
  failure: null,
  overhead_ms: 5,
});
const failed: CycleResult = {
  cycle: 2,
  phases: [{ phase: "install", ms: 900 }],
  failure: { cycle: 2, phase: "launch", class: "port", message: "Error: LLM port 9591 is not available" },
  overhead_ms: 5,
};

const outcome = (cycles: CycleResult[]): StressOutcome => ({
  dir: "/d/stress/r1",
  chart_svg: '<svg xmlns="http://www.w3.org/2000/svg"><title>chart</title></svg>',
  report: {
    schema: 1,
    id: "r1",
    started_at: 0,
    finished_at: 9,
    cycles_requested: 2,
    parallel: 2,
    phases_timed: ["install", "launch", "healthy", "stop", "uninstall"],
    source: "official",
    timeout_secs: 600,
    cycles,
    phases: [
      { phase: "install", count: 2, min_ms: 900, p50_ms: 900, p95_ms: 1200, max_ms: 1200 },
      { phase: "launch", count: 1, min_ms: 300, p50_ms: 300, p95_ms: 300, max_ms: 300 },
    ],
    failures: cycles.flatMap((c) => (c.failure ? [c.failure] : [])),
    environment: { os: "Debian", os_version: "13", kernel: "6", arch: "x86_64", cpu: "x", cores: 2, ram_bytes: 1, disk_free_bytes: 1, docker: "not installed", app_version: "0.1.0", cortensord_version: "1.0" },
    peaks: { cpu_pct: 80, rss_bytes: 64 << 20, disk_bytes: 12 << 20 },
    notes: ["Docker is absent here"],
    cancelled: false,
  },
});

describe("StressScreen", () => {
  it("runs with the form's values, shows each cycle as it ends, then the report, and reports it in one click", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let finish: (() => void) | null = null;
    mockIPC(
      async (cmd, args) => {
        calls.push({ cmd, args });
        if (cmd === "machine_status") return { max_nodes: 25 };
        if (cmd === "stress_latest") return null;
        if (cmd === "choose_path") return [{ token: "grant:f1", name: "rel", shown: "/srv/rel" }];
        if (cmd === "stress_run") {
          await emit("stress-progress", { id: "r1", cycle: 1, cycles: 2, phase: "healthy", done: 0, failed: 0, finished: null });
          await emit("stress-progress", { id: "r1", cycle: 1, cycles: 2, phase: null, done: 1, failed: 0, finished: ok(1) });
          await new Promise<void>((r) => (finish = r));
          return outcome([ok(1), failed]);
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    const open = vi.fn();
    const user = userEvent.setup();
    render(
      <ReportContext.Provider value={{ open, screen: "Stress test" }}>
        <StressScreen />
      </ReportContext.Provider>,
    );
    const cycles = screen.getByLabelText("Cycles");
    await user.clear(cycles);
    await user.type(cycles, "0");
    expect(screen.getByRole("alert")).toHaveTextContent("Cycles: from 1 to 10,000");
    expect(screen.getByRole("button", { name: "Start" })).toBeDisabled();
    await user.clear(cycles);
    await user.type(cycles, "2");
    const nodes = screen.getByLabelText("Nodes per cycle");
    await waitFor(() => expect(calls.some((c) => c.cmd === "machine_status")).toBe(true));
    await user.clear(nodes);
    await user.type(nodes, "26");
    expect(screen.getByRole("alert")).toHaveTextContent("Nodes per cycle: from 1 to 25");
    await user.clear(nodes);
    await user.type(nodes, "2");
    await user.click(screen.getByRole("checkbox", { name: "Stop" }));
    await user.click(screen.getByRole("button", { name: "Use a folder on this computer…" }));
    await waitFor(() => expect(screen.getByText("/srv/rel")).toBeInTheDocument());
    await user.click(screen.getByRole("button", { name: "Start" }));

    // Live: the phase under way, and the finished cycle's row.
    await waitFor(() => expect(document.getElementById("stress-status")).toHaveTextContent("Cycle 1 of 2 · 1 done · 0 failed"));
    expect(document.querySelector('tr[data-cycle="1"]')).toHaveTextContent("1.2 s");
    expect(document.querySelector('tr[data-cycle="1"]')).toHaveTextContent("✓");
    expect(screen.getByRole("button", { name: "Cancel" })).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === "stress_run")!.args).toEqual({
      request: { cycles: 2, parallel: 2, phases: ["install", "launch", "healthy", "uninstall"], source: "grant:f1", timeout_secs: 600 },
    });
    finish!();

    // The report: the summary, the statistics, the failure in its row, the chart.
    await waitFor(() => expect(document.getElementById("stress-summary")).toHaveTextContent("1 of 2 cycles passed · 2 node(s) per cycle"));
    const stats = document.getElementById("stress-stats")!;
    expect(within(stats).getByText("Install").closest("tr")).toHaveTextContent("Install20.9 s0.9 s1.2 s1.2 s");
    expect(document.querySelector('tr[data-cycle="2"]')).toHaveTextContent("✗ Launch: port — Error: LLM port 9591 is not available");
    expect((document.getElementById("stress-chart") as HTMLImageElement).src).toContain("data:image/svg+xml");
    await user.click(screen.getByRole("button", { name: "Report this run" }));
    expect(open).toHaveBeenCalledWith({
      screen: "Stress test",
      action: "Stress test r1",
      node: null,
      error: "1 of 2 cycles passed · 2 node(s) per cycle · source official\ncycle 2: Launch failed (port): Error: LLM port 9591 is not available",
    });
  });

  it("cancels a run, shows the latest report on open, and cleans up after an interrupted run", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "stress_latest") return outcome([ok(1)]);
      if (cmd === "stress_clean") return { sandboxes: 1, processes: 2, in_use: 0 };
      if (cmd === "stress_run") return new Promise(() => {});
      return null;
    });
    const user = userEvent.setup();
    render(<StressScreen />);
    await waitFor(() => expect(document.getElementById("stress-summary")).toHaveTextContent("1 of 1 cycles passed"));
    await user.click(screen.getByRole("button", { name: "Clean up after an interrupted run" }));
    await waitFor(() => expect(document.getElementById("stress-cleaned")).toHaveTextContent("Removed 1 sandbox(es) and 2 process(es)"));
    await user.click(screen.getByRole("button", { name: "Start" }));
    await user.click(await screen.findByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(calls).toContain("stress_cancel"));
  });
});

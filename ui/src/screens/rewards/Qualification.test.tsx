import { expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { Qualification } from "./Qualification";

const base = { address: "0x0", reason: "", pid: 1, restarts: 0, up_since: 0, cpu_pct: null, rss_bytes: null, threads: null, open_files: null, log_age_secs: null, at: 0, state: "healthy" };
const log = { session_id: null, state: null, state_name: null, states: {}, sessions_seen: 0, tasks_assigned: 0, tasks_committed: 0, transactions: 0, pings: 0, errors: 0, warnings: 0, crashes: 0, malformed: 0, other: 0, last_error: null, last_line_at: null, last_progress_at: null, last_ping_at: null, pings_since_progress: 0, version: null };

it("says which nodes qualify and when the rest will, and feeds the calculator", async () => {
  mockIPC((cmd) =>
    cmd === "node_health"
      ? [
          { ...base, id: 1, log, uptime: { last_24h_pct: 100, last_7d_pct: 100, contest_pct: 100, qualified_days: 30, required_day_pct: 90, required_days: 30, days_to_go: 0, qualifies_at: 0 } },
          { ...base, id: 2, log, uptime: { last_24h_pct: 99, last_7d_pct: 99, contest_pct: 99, qualified_days: 12, required_day_pct: 90, required_days: 30, days_to_go: 18, qualifies_at: Date.UTC(2026, 11, 14) / 1000 } },
          { ...base, id: 3, log, uptime: null },
        ]
      : null,
  );
  const use = vi.fn();
  render(<Qualification onUseCount={use} />);
  await waitFor(() => expect(document.querySelector('[data-node="1"]')).toHaveTextContent("qualifies"));
  expect(document.querySelector('[data-node="2"]')).toHaveTextContent(/12\/30 days, qualifies on .*2026/);
  expect(document.querySelector('[data-node="3"]')).toHaveTextContent("measuring (just started)");
  await userEvent.setup().click(screen.getByRole("button", { name: "Calculate with 1 qualifying node" }));
  expect(use).toHaveBeenCalledWith(1);
});

it("offers nothing to calculate with while no node qualifies", async () => {
  mockIPC((cmd) =>
    cmd === "node_health"
      ? [{ ...base, id: 1, log, uptime: { last_24h_pct: 100, last_7d_pct: 100, contest_pct: 100, qualified_days: 2, required_day_pct: 90, required_days: 30, days_to_go: 28, qualifies_at: 0, up_minutes_24h: 3, seen_minutes_24h: 3, measuring: true, today_lost: false } }]
      : null,
  );
  render(<Qualification onUseCount={vi.fn()} />);
  await waitFor(() => expect(screen.getByRole("button", { name: "No node qualifies yet" })).toBeDisabled());
  expect(document.querySelector('[data-node="1"]')).toHaveTextContent("measuring (running 3 min)");
});

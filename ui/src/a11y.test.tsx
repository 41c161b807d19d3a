// Accessibility: every screen of the app, rendered with the real App, checked with axe-core
// (labels, names, roles, structure). Colour contrast needs a browser's layout, which jsdom has
// not: it is left to axe in a real browser (see the closing notes).
import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import axe from "axe-core";
import { App } from "./App";
import ruleset from "./test/ruleset-phase3.json";

// uPlot draws on a canvas, which jsdom does not have (the charts are checked in the real app).
vi.mock("uplot", () => ({
  default: class {
    setData() {}
    destroy() {}
  },
}));

const status = {
  installed: { version: "1.2.3", sha256: "ab", source: "official", installed_at: 0, previous_version: null, previous_sha256: null, released_at: null },
  nodes: [],
  backend: "supervisor",
  official_installs: [],
  data_dir: "/home/ann/.local/share/cortensor-manager",
  keychain_error: null,
  staking: "Stake 4,000 $COR per node on Pool 3.",
  staking_url: "https://docs.example",
  max_nodes: 25,
  networks: ["testnet0"],
  keys_backed_up: null,
  os: "linux",
  per_node: { cores: 6, ram_gib: 12, disk_gib: 100 },
};

function mock() {
  mockIPC((cmd) => {
    switch (cmd) {
      case "ruleset":
        return ruleset;
      case "machine_status":
        return status;
      case "node_health":
      case "active_alerts":
      case "recent_alerts":
      case "app_logs":
        return [];
      case "report_history":
        return { reports: [], delivered: 0 };
      case "report_destinations":
        return { endpoint: null, discord: null, github: null };
      case "redaction_patterns":
        return "";
      case "autostart":
        return false;
      default:
        return null;
    }
  });
}

async function violations(): Promise<string[]> {
  const r = await axe.run(document.body, { rules: { "color-contrast": { enabled: false } } });
  return r.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("accessibility (axe-core)", () => {
  it("sees a control without a name (the check can fail)", async () => {
    render(
      <main>
        <input id="x" />
        <button type="button" />
      </main>,
    );
    const v = await violations();
    expect(v.some((x) => x.startsWith("label:"))).toBe(true);
    expect(v.some((x) => x.startsWith("button-name:"))).toBe(true);
  });

  it("finds nothing wrong on any screen", async () => {
    mock();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getByText(ruleset.name)).toBeInTheDocument());
    const found: Record<string, string[]> = {};
    for (const [id, name] of [
      ["tab-overview", "Overview"],
      ["tab-setup", "Setup"],
      ["tab-nodes", "Nodes"],
      ["tab-rewards", "Rewards & Rank"],
      ["tab-stress", "Stress test"],
      ["tab-settings", "Settings"],
      ["tab-report", "Report a problem"],
    ]) {
      await user.click(document.getElementById(id)!);
      await waitFor(() => expect(document.getElementById(id)).toHaveAttribute("aria-current", "page"));
      // The screen loads (the ones not shown first load when opened) and shows its content (a
      // heading), not nothing; then its first answers arrive.
      await waitFor(() => expect(document.querySelector("main h2, main h3"), name).not.toBeNull());
      await new Promise((r) => setTimeout(r, 50));
      const v = await violations();
      if (v.length) found[name] = v;
    }
    expect(found).toEqual({});
  });
});

import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { useNodeHealth } from "./useNodeHealth";
import * as api from "../api";

// Count the window's node-health subscriptions (the real listen runs underneath).
vi.mock("../api", async (original) => {
  const real = await original<typeof import("../api")>();
  return { ...real, onNodeHealth: vi.fn(real.onNodeHealth) };
});

function Count({ label }: { label: string }) {
  const { nodes } = useNodeHealth();
  return (
    <p>
      {label}: {nodes.map((n) => `${n.id}=${n.uptime?.last_24h_pct}`).join(",")}
    </p>
  );
}

describe("useNodeHealth", () => {
  it("shares one node-health subscription and one first paint between screens", async () => {
    let snapshots = 0;
    mockIPC(
      (cmd) => {
        if (cmd === "node_health") {
          snapshots += 1;
          return [{ id: 1, uptime: { last_24h_pct: 50 } }];
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    render(
      <>
        <Count label="cards" />
        <Count label="rewards" />
      </>,
    );
    await waitFor(() => expect(screen.getByText("cards: 1=50")).toBeInTheDocument());
    expect(screen.getByText("rewards: 1=50")).toBeInTheDocument();
    // A pushed batch reaches both with the same figure.
    await emit("node-health", [{ id: 1, uptime: { last_24h_pct: 100 } }]);
    await waitFor(() => expect(screen.getByText("cards: 1=100")).toBeInTheDocument());
    expect(screen.getByText("rewards: 1=100")).toBeInTheDocument();
    expect(api.onNodeHealth).toHaveBeenCalledTimes(1);
    expect(snapshots).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { UpdateBanner } from "./UpdateBanner";

describe("UpdateBanner", () => {
  it("says a newer cortensord is there and updates with one click", async () => {
    const calls: string[] = [];
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        if (cmd === "update_available") return calls.includes("update_binary") ? null : "lfs-309ff463@3afcfd9";
        if (cmd === "update_binary") return { from: "lfs-ef103fa7@0c55ced", to: "lfs-309ff463@3afcfd9", up_to_date: false, rolled_back: null };
        return null;
      },
      { shouldMockEvents: true },
    );
    render(<UpdateBanner />);
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("cortensord lfs-309ff463@3afcfd9 is available"));
    await userEvent.setup().click(screen.getByRole("button", { name: "Update" }));
    await waitFor(() => expect(document.getElementById("update-result")).toHaveTextContent("Updated to cortensord lfs-309ff463@3afcfd9"));
    expect(screen.queryByRole("button", { name: "Update" })).toBeNull();
  });

  it("shows nothing when the nodes are up to date", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const { container } = render(<UpdateBanner />);
    await new Promise((r) => setTimeout(r, 50));
    expect(container).toBeEmptyDOMElement();
  });
});

import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { AppUpdates } from "./AppUpdates";

describe("AppUpdates", () => {
  it("finds a newer app, shows the download's progress, and offers the restart into it", async () => {
    const saved: Record<string, string> = {};
    let release: () => void = () => {};
    mockIPC(
      (cmd, args) => {
        const a = args as { key?: string; value?: string };
        if (cmd === "get_setting") return saved[a.key!] ?? null;
        if (cmd === "set_setting") {
          saved[a.key!] = a.value!;
          return null;
        }
        if (cmd === "app_update_check") return { current: "0.1.0", available: "0.2.0", notes: "Faster start.", installed: false };
        if (cmd === "app_update_install")
          return new Promise((resolve) => {
            release = () => resolve({ current: "0.1.0", available: "0.2.0", notes: null, installed: true });
          });
        return null;
      },
      { shouldMockEvents: true },
    );
    const user = userEvent.setup();
    render(<AppUpdates />);
    await user.selectOptions(screen.getByLabelText("Update channel"), "beta");
    expect(saved["update.channel"]).toBe("beta");

    await user.click(screen.getByRole("button", { name: "Check for updates" }));
    await waitFor(() => expect(document.getElementById("app-update-state")).toHaveTextContent("Version 0.2.0 is available."));
    expect(document.getElementById("app-update-state")).toHaveTextContent("Faster start.");
    await user.click(screen.getByRole("button", { name: "Download and install" }));
    await waitFor(() => expect(screen.getByLabelText("Downloading the update")).toBeInTheDocument());
    await emit("app-update-progress", { downloaded: 2048, total: 4096 });
    await waitFor(() => expect(document.getElementById("app-update-state")).toHaveTextContent("2 kB of 4 kB"));
    expect(screen.getByLabelText("Downloading the update")).toHaveAttribute("value", "2048");
    release();
    await waitFor(() => expect(document.getElementById("app-update-state")).toHaveTextContent("Version 0.2.0 is installed (its signature checked); it runs from the next start."));
    expect(screen.getByRole("button", { name: "Restart now" })).toBeEnabled();
    expect(screen.queryByRole("button", { name: "Download and install" })).toBeNull();
  });

  it("says a refused update was refused and keeps the check possible", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_update_check") return { current: "0.1.0", available: "0.2.0", notes: null, installed: false };
        if (cmd === "app_update_install")
          throw { message: "The update was refused: it is not signed by the app's release key (signature mismatch). Nothing was changed; this version keeps running." };
        return null;
      },
      { shouldMockEvents: true },
    );
    const user = userEvent.setup();
    render(<AppUpdates />);
    await user.click(screen.getByRole("button", { name: "Check for updates" }));
    await user.click(await screen.findByRole("button", { name: "Download and install" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("The update was refused: it is not signed by the app's release key"));
    expect(document.getElementById("app-update-state")).not.toHaveTextContent("installed");
    expect(screen.getByRole("button", { name: "Check for updates" })).toBeEnabled();
  });

  it("shows an update the app's own check already found, without asking the feed", async () => {
    const calls: string[] = [];
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        if (cmd === "app_update_known") return { current: "0.1.0", available: "0.3.0", notes: null, installed: false };
        return null;
      },
      { shouldMockEvents: true },
    );
    render(<AppUpdates />);
    await waitFor(() => expect(document.getElementById("app-update-state")).toHaveTextContent("Version 0.3.0 is available."));
    expect(screen.getByRole("button", { name: "Download and install" })).toBeEnabled();
    expect(calls).not.toContain("app_update_check");
  });

  it("says when the app is up to date", async () => {
    mockIPC((cmd) => (cmd === "app_update_check" ? { current: "0.1.0", available: null, notes: null, installed: false } : null), { shouldMockEvents: true });
    render(<AppUpdates />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Check for updates" }));
    await waitFor(() => expect(document.getElementById("app-update-state")).toHaveTextContent("Cortensor Node Manager is up to date."));
  });
});

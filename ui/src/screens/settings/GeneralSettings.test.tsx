import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { GeneralSettings } from "./GeneralSettings";

describe("GeneralSettings", () => {
  it("shows and opens the data folder, turns notifications off, and applies the chosen colours", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    const saved: Record<string, string> = { "ui.theme": "light" };
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      const a = args as { key?: string; value?: string };
      if (cmd === "machine_status") return { data_dir: "/home/ann/.local/share/cortensor-manager", os: "linux" };
      if (cmd === "get_setting") return saved[a.key!] ?? null;
      if (cmd === "app_autostart") return saved["autostart"] === "on";
      if (cmd === "set_app_autostart") {
        saved["autostart"] = (args as { on: boolean }).on ? "on" : "off";
        return (args as { on: boolean }).on;
      }
      if (cmd === "app_logs") return [{ name: "app.log", bytes: 2048 }, { name: "daemon-events.log", bytes: 10 }];
      if (cmd === "set_setting") {
        if (a.key === "ui.theme" && !["system", "light", "dark"].includes(a.value!)) throw { message: "bad" };
        saved[a.key!] = a.value!;
        return null;
      }
      return null;
    });
    const user = userEvent.setup();
    render(<GeneralSettings />);
    await waitFor(() => expect(document.getElementById("data-dir")).toHaveTextContent("/home/ann/.local/share/cortensor-manager"));
    await waitFor(() => expect(screen.getByLabelText("Colours")).toHaveValue("light"));
    await waitFor(() => expect(document.getElementById("app-logs")).toHaveTextContent("app.log · 2 kB"));
    expect(document.getElementById("app-logs")).toHaveTextContent("daemon-events.log · 10 B");
    await user.click(screen.getByRole("button", { name: "Open" }));
    expect(calls.some((c) => c.cmd === "open_data_folder")).toBe(true);

    // Opening at login: off until turned on.
    const login = screen.getByRole("checkbox", { name: /Open Cortensor Node Manager when I log in/ });
    await waitFor(() => expect(login).toBeEnabled());
    expect(login).not.toBeChecked();
    await user.click(login);
    await waitFor(() => expect(login).toBeChecked());
    expect(saved["autostart"]).toBe("on");

    const box = screen.getByRole("checkbox", { name: "Desktop notifications of new alerts" });
    expect(box).toBeChecked();
    await user.click(box);
    expect(saved["ui.notifications"]).toBe("off");

    await user.selectOptions(screen.getByLabelText("Colours"), "dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(saved["ui.theme"]).toBe("dark");
    await user.selectOptions(screen.getByLabelText("Colours"), "system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(saved["ui.theme"]).toBe("system");

    // How the window is drawn (Linux): in software unless the graphics card is chosen; from the
    // next start, which the field says.
    const drawing = screen.getByLabelText("How the window is drawn");
    await waitFor(() => expect(drawing).toHaveValue("software"));
    expect(drawing).toHaveAccessibleDescription("Takes effect the next time the app starts.");
    await user.selectOptions(drawing, "gpu");
    expect(saved["ui.rendering"]).toBe("gpu");

    // Language: Spanish chosen, the screen speaks Spanish at once (and formats the Spanish way);
    // "as the system" goes back to the system's (English here).
    await user.selectOptions(screen.getByLabelText("Language"), "es");
    expect(saved["ui.language"]).toBe("es");
    await waitFor(() => expect(screen.getByLabelText("Colores")).toBeInTheDocument());
    expect(document.documentElement.lang).toBe("es");
    expect(screen.getByRole("checkbox", { name: "Notificaciones de escritorio de alertas nuevas" })).toBeInTheDocument();
    expect(document.getElementById("app-logs")).toHaveTextContent("app.log · 2 kB");
    await user.selectOptions(screen.getByLabelText("Idioma"), "system");
    await waitFor(() => expect(screen.getByLabelText("Colours")).toBeInTheDocument());
    expect(saved["ui.language"]).toBe("system");
  });

  it("offers how the window is drawn on Linux only (other systems' web views have no such switch)", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "machine_status") return { data_dir: "C:\\Users\\ann\\AppData\\cortensor-manager", os: "windows" };
      if (cmd === "get_setting") return (args as { key: string }).key === "ui.rendering" ? "gpu" : null;
      if (cmd === "app_logs") return [];
      return null;
    });
    render(<GeneralSettings />);
    await waitFor(() => expect(document.getElementById("data-dir")).toHaveTextContent("cortensor-manager"));
    expect(screen.getByLabelText("Colours")).toBeInTheDocument();
    expect(screen.queryByLabelText("How the window is drawn")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { MetricsSettings } from "./MetricsSettings";

describe("MetricsSettings", () => {
  it("turns the endpoint on, shows a refused port's reason, and turns it off", async () => {
    const calls: unknown[] = [];
    let current: number | null = null;
    mockIPC((cmd, args) => {
      if (cmd === "metrics_port") return current;
      if (cmd === "set_metrics_port") {
        const port = (args as { port: number | null }).port;
        calls.push(port);
        if (port === 9300) throw "port 9300 is already in use by another program; choose another";
        current = port;
        return null;
      }
      return null;
    });
    const user = userEvent.setup();
    render(<MetricsSettings />);
    await user.click(screen.getByText(/Prometheus metrics/));
    expect(screen.getByText("off")).toBeInTheDocument();

    const input = screen.getByRole("spinbutton", { name: "Metrics port" });
    await user.clear(input);
    await user.type(input, "80");
    expect(screen.getByText("Choose a port between 1024 and 65535.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Turn on" })).toBeDisabled();

    await user.clear(input);
    await user.type(input, "9300");
    await user.click(screen.getByRole("button", { name: "Turn on" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("port 9300 is already in use"));

    await user.clear(input);
    await user.type(input, "9200");
    await user.click(screen.getByRole("button", { name: "Turn on" }));
    await waitFor(() => expect(document.getElementById("metrics-url")).toHaveTextContent("http://127.0.0.1:9200/metrics"));
    expect(screen.getByText("on, port 9200")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Turn off" }));
    await waitFor(() => expect(screen.getByText("off")).toBeInTheDocument());
    expect(calls).toEqual([9300, 9200, null]);
  });
});

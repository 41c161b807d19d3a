import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { ReportScreen } from "./ReportScreen";
import { deliveryText } from "./words";

const files = [
  { path: "report.md", size: 300, sha256: "a", redactions: 0, truncated: null },
  { path: "nodes/node-1/cortensord.log", size: 2048, sha256: "b", redactions: 3, truncated: "last 2000 lines of cortensord.log (9000 bytes)" },
  { path: "attachments/1-shot.png", size: 4096, sha256: "c", redactions: 0, truncated: "binary: included as chosen, not redacted" },
];

describe("ReportScreen", () => {
  it("checks each field, shows every file before sending, leaves out what is unticked, and says where it went", async () => {
    const calls: { cmd: string; args: any }[] = [];
    mockIPC((cmd, args: any) => {
      calls.push({ cmd, args });
      if (cmd === "machine_status") return { nodes: [{ spec: { id: 1 } }, { spec: { id: 2 } }] };
      if (cmd === "report_destinations") return { endpoint: "https://reports.example/…[redacted]", discord: null, github: null };
      if (cmd === "report_check")
        return args.form.title ? [] : [{ field: "title", message: "Give the report a title (one line)." }];
      if (cmd === "report_prepare") return { id: "r1", dir: "/data/reports/r1", files };
      if (cmd === "report_view") return `content of ${args.path}: key 0x…[redacted key]`;
      if (cmd === "report_submit")
        return {
          id: "r1",
          bundle: "/data/reports/r1.zip",
          status: "sent",
          reference: "BR-7",
          error: null,
          files: [],
          deliveries: [{ id: 1, report_id: "r1", kind: "endpoint", status: "sent", reference: "BR-7", attempts: 1, next_try_at: 0, last_error: null, sent_at: 1 }],
        };
      if (cmd === "report_history") return { reports: [], delivered: 0, waiting: 0 };
      return null;
    });
    const user = userEvent.setup();
    render(<ReportScreen prefill={{ screen: "Nodes", action: "Start all", node: 2, error: "cannot start node 2: port 8091 in use" }} />);
    // The error's context is shown and prefilled (title, node).
    expect(screen.getByText(/while: Start all/)).toBeInTheDocument();
    expect(screen.getByLabelText("Title")).toHaveValue("Error: cannot start node 2: port 8091 in use");
    await waitFor(() => expect(screen.getByLabelText("Node 2")).toBeChecked());
    await user.clear(screen.getByLabelText("Title"));
    await user.click(screen.getByRole("button", { name: /see what will be sent/ }));
    await waitFor(() => expect(document.getElementById("report-title-error")).toHaveTextContent("Give the report a title"));
    expect(calls.some((c) => c.cmd === "report_prepare")).toBe(false);

    await user.type(screen.getByLabelText("Title"), "Node 2 will not start");
    await user.type(screen.getByLabelText("What happened"), "Start all fails for node 2");
    await user.click(screen.getByRole("button", { name: /see what will be sent/ }));
    await waitFor(() => expect(document.getElementById("report-preview")).toBeInTheDocument());
    const prepared = calls.find((c) => c.cmd === "report_prepare")!.args.form;
    expect(prepared).toMatchObject({ title: "Node 2 will not start", nodes: [2], context: { screen: "Nodes", node: 2 } });
    expect(document.getElementById("report-summary")).toHaveTextContent("3 files · 6.3 KiB before compression · 3 secrets removed");
    const row = document.querySelector("tr[data-path='nodes/node-1/cortensord.log']") as HTMLElement;
    await user.click(within(row).getByRole("button", { name: "View" }));
    await waitFor(() => expect(document.getElementById("report-file-view")).toHaveTextContent("content of nodes/node-1/cortensord.log"));
    await user.click(screen.getByLabelText("Send attachments/1-shot.png"));
    expect(document.getElementById("report-summary")).toHaveTextContent("2 files");
    await user.click(screen.getByRole("button", { name: "Send report" }));
    await waitFor(() => expect(document.getElementById("report-result")).toHaveTextContent("Report endpoint: sent (reference BR-7)"));
    expect(calls.find((c) => c.cmd === "report_submit")!.args).toEqual({ id: "r1", leaveOut: ["attachments/1-shot.png"], saveOnly: false });
  });

  it("words each delivery state", () => {
    const d = { id: 1, report_id: "r", kind: "discord", status: "queued" as const, reference: null, attempts: 1, next_try_at: 1_090, last_error: "cannot reach the destination (offline?)", sent_at: null };
    expect(deliveryText(d, 1_000)).toBe("Discord: waiting to be delivered — cannot reach the destination (offline?); next try in 2 min");
    expect(deliveryText({ ...d, status: "failed", last_error: "HTTP 422: bad" })).toBe("Discord: refused — HTTP 422: bad");
    expect(deliveryText({ ...d, kind: "github", status: "manual" })).toBe("GitHub: open the prefilled page and attach the bundle");
  });
});

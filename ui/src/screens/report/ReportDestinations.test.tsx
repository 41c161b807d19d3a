import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { ReportDestinations } from "./ReportDestinations";

describe("ReportDestinations", () => {
  it("saves a webhook shown without its token, explains a bad one under its field, refuses a bad pattern", async () => {
    const calls: { cmd: string; args: any }[] = [];
    mockIPC((cmd, args: any) => {
      calls.push({ cmd, args });
      if (cmd === "report_destinations") return { endpoint: null, discord: null, github: null };
      if (cmd === "redaction_patterns") return "";
      if (cmd === "set_report_destination") {
        if (!args.value.startsWith("https://discord.com/api/webhooks/"))
          throw { message: "a Discord webhook looks like https://discord.com/api/webhooks/<number>/<token>", kind: "input", title: "", hint: "", action: "fix_input" };
        return { endpoint: null, discord: "https://discord.com/…[redacted]", github: null };
      }
      if (cmd === "set_redaction_patterns") throw { message: "the redaction pattern '(bad' is not valid: unclosed group", kind: "input", title: "", hint: "", action: "fix_input" };
      return null;
    });
    const user = userEvent.setup();
    render(<ReportDestinations />);
    await user.click(screen.getByText("Bug reports: where they go"));
    await user.type(screen.getByLabelText("Discord webhook"), "https://example.org/hook");
    await user.click(document.querySelector(".destination[data-kind='discord'] button.primary")!);
    await waitFor(() => expect(document.getElementById("dest-discord-error")).toHaveTextContent("a Discord webhook looks like"));
    await user.clear(screen.getByLabelText("Discord webhook"));
    await user.type(screen.getByLabelText("Discord webhook"), "https://discord.com/api/webhooks/1/TOKEN");
    await user.click(document.querySelector(".destination[data-kind='discord'] button.primary")!);
    await waitFor(() => expect(screen.getByText("https://discord.com/…[redacted]")).toBeInTheDocument());
    expect(document.getElementById("dest-discord-error")).toBeNull();
    expect(document.body.textContent).not.toContain("TOKEN");
    await user.type(screen.getByLabelText(/More to remove from reports/), "(bad");
    await user.click(screen.getByRole("button", { name: "Save patterns" }));
    await waitFor(() => expect(document.getElementById("redaction-patterns-error")).toHaveTextContent("'(bad' is not valid"));
  });
});

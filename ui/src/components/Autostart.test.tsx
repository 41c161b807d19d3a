import { expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { Autostart } from "./Autostart";

it("turns 'start my nodes when I log in' on and off through the core, and shows a refusal", async () => {
  let on = false;
  const asked: boolean[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "autostart") return on;
    if (cmd === "set_autostart") {
      const want = (args as { on: boolean }).on;
      asked.push(want);
      if (asked.length === 3) throw { message: "could not write /home/ann/.config/autostart: permission denied" };
      on = want;
      return on;
    }
    return null;
  });
  const user = userEvent.setup();
  render(<Autostart />);
  const box = screen.getByRole("checkbox", { name: "Start my nodes when I log in" });
  await waitFor(() => expect(box).toBeEnabled());
  expect(box).not.toBeChecked();
  await user.click(box);
  await waitFor(() => expect(box).toBeChecked());
  await user.click(box);
  await waitFor(() => expect(box).not.toBeChecked());
  await user.click(box);
  await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("permission denied"));
  expect(box).not.toBeChecked();
  expect(asked).toEqual([true, false, true]);
});

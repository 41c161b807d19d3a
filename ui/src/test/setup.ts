import "@testing-library/jest-dom/vitest";
import "../i18n";
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";

afterEach(async () => {
  cleanup();
  // Let unmounted components finish unlistening before the mocked IPC goes away.
  await new Promise((r) => setTimeout(r, 0));
  clearMocks();
});

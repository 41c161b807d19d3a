import { afterEach, expect, it, vi } from "vitest";

afterEach(() => {
  vi.resetModules();
  delete (navigator as unknown as Record<string, unknown>).language;
  delete (navigator as unknown as Record<string, unknown>).languages;
});

it("replaces the POSIX 'C' locale, which Intl rejects, with en-US", async () => {
  Object.defineProperty(navigator, "language", { value: "C", configurable: true });
  expect(() => new Intl.NumberFormat(navigator.language)).toThrow(RangeError);
  await import("./locale");
  expect(navigator.language).toBe("en-US");
  expect(() => new Intl.NumberFormat(navigator.language)).not.toThrow();
});

it("keeps a valid locale", async () => {
  Object.defineProperty(navigator, "language", { value: "de-DE", configurable: true });
  await import("./locale");
  expect(navigator.language).toBe("de-DE");
});

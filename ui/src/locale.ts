// WebKitGTK reports the POSIX locale "C" as navigator.language when LANG is unset or "C", and
// Intl rejects it ("invalid language tag"), which breaks any formatting code (uPlot formats
// numbers at load). Fall back to en-US before anything else loads.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
  Object.defineProperty(navigator, "languages", { value: ["en-US"], configurable: true });
}
export {};

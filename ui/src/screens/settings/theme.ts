// The window's colours: `system` follows the desktop, `light` and `dark` override it (the
// stylesheet reads `data-theme` on the root element).
export type Theme = "system" | "light" | "dark";

export function applyTheme(theme: Theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

export function asTheme(v: string | null | undefined): Theme {
  return v === "light" || v === "dark" ? v : "system";
}

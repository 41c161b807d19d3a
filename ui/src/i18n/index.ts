// The UI's words: every user-facing string comes from a catalog (`en.json`, and `es.json`, which
// must have every key of it — `catalog.test.ts` checks), through i18next. The language is the
// user's choice in Settings (`ui.language`: `system`, `en`, `es`), else the system's.
// Messages written by the Rust core (errors, what the nodes say) stay in English.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import es from "./es.json";

export const LANGUAGES = ["en", "es"] as const;
export type Language = (typeof LANGUAGES)[number];
export type LanguageChoice = "system" | Language;

/** The language for a choice: the chosen one, or the system's when supported, else English. */
export function resolveLanguage(choice: string | null | undefined, system: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  if (choice === "en" || choice === "es") return choice;
  for (const tag of system) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if ((LANGUAGES as readonly string[]).includes(base)) return base as Language;
  }
  return "en";
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, es: { translation: es } },
  lng: resolveLanguage(null),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
});

/** Switch the UI to a choice (Settings); formatting follows (`format.ts` reads the language). */
export function applyLanguage(choice: string | null | undefined) {
  const lng = resolveLanguage(choice);
  if (i18next.language !== lng) void i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
}

/** The locale numbers, money and dates are formatted in (the UI's language and the system's region when they agree). */
export function locale(): string {
  const lng = i18next.language || "en";
  const sys = navigator.language || "en-US";
  return sys.toLowerCase().startsWith(lng) ? sys : lng;
}

export default i18next;

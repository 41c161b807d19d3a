import { useEffect, useState } from "react";
import i18n, { locale } from "./i18n";

// Display helpers only: no business rules here (those live in the Rust core). Every number,
// amount and date is formatted in the UI's locale (`i18n.locale()`).

export function shortAddress(a: string): string {
  return a.length > 14 ? `${a.slice(0, 8)}…${a.slice(-6)}` : a;
}

export function age(seconds: number): string {
  const t = i18n.t.bind(i18n);
  if (seconds < 5) return t("format.justNow");
  if (seconds < 90) return t("format.secondsAgo", { n: num(seconds) }); // not-a-contest-number
  if (seconds < 90 * 60) return t("format.minutesAgo", { n: num(Math.round(seconds / 60)) }); // not-a-contest-number
  if (seconds < 48 * 3600) return t("format.hoursAgo", { n: num(Math.round(seconds / 3600)) });
  return t("format.daysAgo", { n: num(Math.round(seconds / 86400)) });
}

/** A number in the UI's locale (`digits`: fixed fraction digits). */
export function num(n: number, digits?: number): string {
  return new Intl.NumberFormat(locale(), digits === undefined ? undefined : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** A day (Unix seconds) as the UI's locale writes a date. */
export function date(unix: number): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(unix * 1000));
}

/** A day (Unix seconds) as day and short month ("12 Dec"), in the UI's locale. */
export function dayMonth(unix: number): string {
  return new Date(unix * 1000).toLocaleDateString(locale(), { day: "numeric", month: "short" });
}

/** A moment (Unix seconds) as the time of day in the UI's locale. */
export function time(unix: number): string {
  return new Date(unix * 1000).toLocaleTimeString(locale());
}

/** A moment (Unix seconds) as date and time in the UI's locale. */
export function dateTime(unix: number): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(unix * 1000));
}

/** Debounce a value: returns it once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Bytes in a GiB. */
export const GIB = 1024 ** 3;

/** A byte count for people. */
export function bytes(n: number): string {
  if (n >= GIB) return `${num(n / GIB, 2)} GB`;
  if (n >= 1 << 20) return `${num(n / MIB, 1)} MB`;
  if (n < 1024) return `${num(n)} B`;
  return `${num(Math.round(n / 1024))} kB`;
}

const MIB = 1024 ** 2;

/** Money as the user's locale writes dollars: its grouping, decimal mark and the currency's
 * place, applied to the core's exact decimal string (no floating point touches the amount). */
export function usd(amount: string, loc: string = locale()): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return amount;
  // A seven-digit amount shows the locale's group mark (some locales leave four digits ungrouped).
  const parts = new Intl.NumberFormat(loc, { style: "currency", currency: "USD" }).formatToParts(1234567.5);
  const sym = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const group = sym("group");
  const decimal = sym("decimal") || ".";
  const digits = m[2].replace(/^0+(?=\d)/, "");
  const groupsFour = new Intl.NumberFormat(loc).format(1234).length > 4;
  const grouped = digits.length > 4 || (digits.length === 4 && groupsFour) ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, group) : digits;
  const number = `${grouped}${decimal}${(m[3] ?? "").padEnd(2, "0")}`;
  // The currency where the locale puts it, with the spacing it uses.
  const i = parts.findIndex((p) => p.type === "currency");
  const first = parts.findIndex((p) => p.type === "integer");
  const space = (j: number) => (parts[j]?.type === "literal" ? parts[j].value : "");
  const body = i < first ? `${sym("currency")}${space(i + 1)}${number}` : `${number}${space(i - 1)}${sym("currency")}`;
  return `${m[1]}${body}`;
}

import { useEffect, useState } from "react";

// Display helpers only: no business rules here (those live in the Rust core).

export function shortAddress(a: string): string {
  return a.length > 14 ? `${a.slice(0, 8)}…${a.slice(-6)}` : a;
}

export function age(seconds: number): string {
  if (seconds < 5) return "just now";
  if (seconds < 90) return `${seconds} s ago`; // not-a-contest-number
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`; // not-a-contest-number
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
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
  if (n >= GIB) return `${(n / GIB).toFixed(2)} GB`;
  if (n >= 1 << 20) return `${(n / MIB).toFixed(1)} MB`;
  if (n < 1024) return `${n} B`;
  return `${Math.round(n / 1024)} kB`;
}

const MIB = 1024 ** 2;

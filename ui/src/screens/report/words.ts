// How a report's deliveries read, in words (the Report screen and its history).
import type { Delivery } from "../../bindings/Delivery";

const WHERE: Record<string, string> = { endpoint: "Report endpoint", discord: "Discord", github: "GitHub" };

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "Discord: sent (discord message 11…)", "Report endpoint: waiting — offline; next try 14:02". */
export function deliveryText(d: Delivery, now = Date.now() / 1000): string {
  const where = WHERE[d.kind] ?? d.kind;
  switch (d.status) {
    case "sent":
      return `${where}: sent${d.reference ? ` (reference ${d.reference})` : ""}`;
    case "manual":
      return `${where}: open the prefilled page and attach the bundle`;
    case "failed":
      return `${where}: refused — ${d.last_error ?? "no reason given"}`;
    default: {
      const wait = Math.max(0, Math.round(d.next_try_at - now));
      return `${where}: waiting to be delivered — ${d.last_error ?? "not tried yet"}; next try ${wait < 60 ? `in ${wait} s` : `in ${Math.round(wait / 60)} min`}`;
    }
  }
}

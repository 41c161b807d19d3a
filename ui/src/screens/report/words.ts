// How a report's deliveries read, in words (the Report screen and its history).
import i18n from "../../i18n";
import { num } from "../../format";
import type { Delivery } from "../../bindings/Delivery";

const WHERE: Record<string, () => string> = { endpoint: () => i18n.t("deliveries.endpoint"), discord: () => "Discord", github: () => "GitHub" };

export function bytes(n: number): string {
  if (n < 1024) return `${num(n)} B`;
  if (n < 1024 * 1024) return `${num(n / 1024, 1)} KiB`;
  return `${num(n / 1024 / 1024, 1)} MiB`;
}

/** "Discord: sent (discord message 11…)", "Report endpoint: waiting — offline; next try 14:02". */
export function deliveryText(d: Delivery, now = Date.now() / 1000): string {
  const where = WHERE[d.kind]?.() ?? d.kind;
  switch (d.status) {
    case "sent":
      return d.reference ? i18n.t("deliveries.sentRef", { where, reference: d.reference }) : i18n.t("deliveries.sent", { where });
    case "manual":
      return i18n.t("deliveries.manual", { where });
    case "failed":
      return i18n.t("deliveries.failed", { where, why: d.last_error ?? i18n.t("deliveries.noReason") });
    default: {
      const wait = Math.max(0, Math.round(d.next_try_at - now));
      const next = wait < 60 ? i18n.t("deliveries.inSeconds", { n: num(wait) }) : i18n.t("deliveries.inMinutes", { n: num(Math.round(wait / 60)) });
      return i18n.t("deliveries.waiting", { where, why: d.last_error ?? i18n.t("deliveries.notTried"), next });
    }
  }
}

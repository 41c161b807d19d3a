import { date, num } from "../../format";
import { useNodeHealth } from "../../hooks/useNodeHealth";
import { useTranslation } from "react-i18next";

type Props = { onUseCount: (n: number) => void };

/** Which of this machine's nodes qualify for rewards (by measured uptime), and when the rest will. */
export function Qualification({ onUseCount }: Props) {
  const { nodes } = useNodeHealth();
  const { t } = useTranslation();

  if (nodes.length === 0) return null;
  const qualifying = nodes.filter((n) => n.uptime && n.uptime.days_to_go === 0);
  return (
    <section className="card" aria-labelledby="qual-title" id="qualification">
      <h2 id="qual-title">{t("qualification.title")}</h2>
      <p className="muted">
        {nodes[0].uptime
          ? t("qualification.rule", { pct: num(nodes[0].uptime.required_day_pct), days: nodes[0].uptime.required_days })
          : t("qualification.notYet")}
      </p>
      <ul className="nodes">
        {nodes.map((n) => (
          <li key={n.id} data-node={n.id}>
            {t("keys.node", { id: n.id })}{" "}
            {!n.uptime || n.uptime.measuring
              ? n.uptime?.seen_minutes_24h
                ? t("words.measuringFor", { min: num(n.uptime.seen_minutes_24h) })
                : t("qualification.justStarted")
              : n.uptime.days_to_go === 0
                ? t("qualification.qualifies")
                : t("qualification.progress", {
                    done: n.uptime.qualified_days,
                    days: n.uptime.required_days,
                    date: n.uptime.qualifies_at ? date(n.uptime.qualifies_at) : "–",
                  })}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => onUseCount(qualifying.length)} id="use-qualifying" disabled={qualifying.length === 0}>
        {qualifying.length === 0 ? t("qualification.none") : t("qualification.use", { count: qualifying.length })}
      </button>
    </section>
  );
}

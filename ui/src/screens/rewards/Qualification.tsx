import { useNodeHealth } from "../../hooks/useNodeHealth";

type Props = { onUseCount: (n: number) => void };

/** Which of this machine's nodes qualify for rewards (by measured uptime), and when the rest will. */
export function Qualification({ onUseCount }: Props) {
  const { nodes } = useNodeHealth();

  if (nodes.length === 0) return null;
  const qualifying = nodes.filter((n) => n.uptime && n.uptime.days_to_go === 0);
  return (
    <section className="card" aria-labelledby="qual-title" id="qualification">
      <h2 id="qual-title">Your nodes' uptime</h2>
      <p className="muted">
        {nodes[0].uptime
          ? `A day counts when a node was up at least ${nodes[0].uptime.required_day_pct} % of it; ${nodes[0].uptime.required_days} days qualify a node.`
          : "Uptime is measured once a node runs."}
      </p>
      <ul className="nodes">
        {nodes.map((n) => (
          <li key={n.id} data-node={n.id}>
            Node {n.id}:{" "}
            {!n.uptime || n.uptime.measuring
              ? n.uptime?.seen_minutes_24h
                ? `measuring (running ${n.uptime.seen_minutes_24h} min)`
                : "measuring (just started)"
              : n.uptime.days_to_go === 0
                ? "qualifies"
                : `${n.uptime.qualified_days}/${n.uptime.required_days} days, qualifies on ${
                    n.uptime.qualifies_at ? new Date(n.uptime.qualifies_at * 1000).toLocaleDateString() : "–"
                  } if it stays up`}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => onUseCount(qualifying.length)} id="use-qualifying" disabled={qualifying.length === 0}>
        {qualifying.length === 0 ? "No node qualifies yet" : `Calculate with ${qualifying.length} qualifying node${qualifying.length === 1 ? "" : "s"}`}
      </button>
    </section>
  );
}

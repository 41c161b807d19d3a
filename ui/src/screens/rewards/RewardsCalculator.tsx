import { useEffect, useRef, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import type { Ruleset } from "../../bindings/Ruleset";
import type { RewardsBreakdown } from "../../bindings/RewardsBreakdown";
import { computeRewards, errorMessage, getSetting, setSetting } from "../../api";
import { useDebounced } from "../../format";
import { useNodeHealth } from "../../hooks/useNodeHealth";

type Props = { rules: Ruleset | null; projectedRankRewards: string | null; nodeCount?: number | null };

/** The calculator's inputs, kept across tabs and relaunches (the `calc.inputs` setting). */
type Inputs = { nodes: string; role: string; months: string; cap: string | null; rankRewards: string; useProjection: boolean };
const SETTING = "calc.inputs";

/** What is wrong with each input, in words under its field (`null`: fine). */
export function inputProblems(i: { nodes: string; months: string; cap: string; rank: string }, maxNodes: number | null) {
  const num = (t: string) => (/^\s*\d+(\.\d+)?\s*$/.test(t) ? Number(t) : NaN);
  const n = Number(i.nodes);
  const months = num(i.months);
  const cap = num(i.cap);
  const rank = num(i.rank);
  return {
    nodes:
      i.nodes.trim() === "" || !/^\s*\d+\s*$/.test(i.nodes) || n < 1
        ? `Enter the number of nodes as a whole number from 1${maxNodes ? ` (the contest pays up to ${maxNodes})` : ""}.`
        : n > 1000
          ? "At most 1,000 nodes."
          : null,
    months: Number.isNaN(months) || months <= 0 ? "Enter the months as a number above 0, such as 1 or 1.5." : months > 120 ? "At most 120 months." : null,
    cap: Number.isNaN(cap) || cap > 100 ? "Enter a percentage from 0 to 100." : null,
    rank: Number.isNaN(rank) ? "Enter an amount in dollars, such as 12.50." : rank > 1_000_000 ? "At most $1,000,000." : null,
  };
}

/** Money as the user's locale writes dollars: its grouping, decimal mark and the currency's
 * place, applied to the core's exact decimal string (no floating point touches the amount). */
export function usd(amount: string, locale?: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return amount;
  const parts = new Intl.NumberFormat(locale, { style: "currency", currency: "USD" }).formatToParts(1234.5);
  const sym = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const group = sym("group");
  const decimal = sym("decimal") || ".";
  const digits = m[2].replace(/^0+(?=\d)/, "");
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const number = `${grouped}${decimal}${(m[3] ?? "").padEnd(2, "0")}`;
  // The currency where the locale puts it, with the spacing it uses.
  const i = parts.findIndex((p) => p.type === "currency");
  const first = parts.findIndex((p) => p.type === "integer");
  const space = (j: number) => (parts[j]?.type === "literal" ? parts[j].value : "");
  const body = i < first ? `${sym("currency")}${space(i + 1)}${number}` : `${number}${space(i - 1)}${sym("currency")}`;
  return `${m[1]}${body}`;
}

export function RewardsCalculator({ rules, projectedRankRewards, nodeCount }: Props) {
  const { nodes: fleet } = useNodeHealth();
  const [nodes, setNodes] = useState("1");
  const [role, setRole] = useState("0");
  const [months, setMonths] = useState("1");
  const [cap, setCap] = useState<string | null>(null);
  const [rankRewards, setRankRewards] = useState("0");
  const [useProjection, setUseProjection] = useState(true);
  const [result, setResult] = useState<RewardsBreakdown | null>(null);
  const [now, setNow] = useState<RewardsBreakdown | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Restored inputs win over the fleet's count; without any, the fleet's count pre-fills.
  const [restored, setRestored] = useState<"pending" | "saved" | "none">("pending");
  const seq = useRef(0);

  useEffect(() => {
    getSetting(SETTING).then(
      (v) => {
        const saved = v ? (JSON.parse(v) as Partial<Inputs>) : null;
        if (saved) {
          if (saved.nodes) setNodes(saved.nodes);
          if (saved.role) setRole(saved.role);
          if (saved.months) setMonths(saved.months);
          if (saved.cap !== undefined) setCap(saved.cap);
          if (saved.rankRewards) setRankRewards(saved.rankRewards);
          if (saved.useProjection !== undefined) setUseProjection(saved.useProjection);
        }
        setRestored(saved ? "saved" : "none");
      },
      () => setRestored("none"),
    );
  }, []);
  useEffect(() => {
    if (restored === "none" && fleet.length) setNodes(String(fleet.length));
  }, [restored, fleet.length]);
  useEffect(() => {
    if (nodeCount != null) setNodes(String(nodeCount));
  }, [nodeCount]);

  const capValue = cap ?? rules?.rewards.bonus_cap_default_pct ?? "";
  const rank = useProjection && projectedRankRewards !== null ? projectedRankRewards : rankRewards;
  const request = useDebounced({ nodes, role, months, cap: capValue, rank }, 60);

  const roles = rules?.rewards.role_bonus_allowed_pct ?? [];
  const maxNodes = rules?.rewards.max_nodes_per_operator ?? null;
  const problems = inputProblems({ nodes, months, cap: capValue, rank: rankRewards }, maxNodes);
  const qualifying = fleet.filter((n) => n.uptime && n.uptime.days_to_go === 0).length;
  const firstQualifies = fleet
    .map((n) => n.uptime?.qualifies_at)
    .filter((t): t is number => t != null)
    .sort((a, b) => a - b)[0];

  useEffect(() => {
    if (restored === "pending") return;
    const saved: Inputs = { nodes, role, months, cap, rankRewards, useProjection };
    setSetting(SETTING, JSON.stringify(saved)).catch(() => {});
  }, [restored, nodes, role, months, cap, rankRewards, useProjection]);

  useEffect(() => {
    if (!rules) return;
    const p = inputProblems({ nodes: request.nodes, months: request.months, cap: request.cap, rank: request.rank }, maxNodes);
    if (p.nodes || p.months || p.cap || p.rank) {
      setResult(null);
      setNow(null);
      setError(null);
      return;
    }
    const id = ++seq.current;
    const input = {
      nodes: Number(request.nodes),
      role_bonus_pct: request.role,
      months: request.months.trim(),
      bonus_cap_pct: request.cap,
      rank_rewards: request.rank.trim() || "0",
    };
    // "Qualifying now": the nodes that qualify today, one month, no rank rewards without one.
    const current = qualifying
      ? computeRewards({ ...input, nodes: qualifying, months: "1" })
      : Promise.resolve(null);
    Promise.all([computeRewards(input), current]).then(
      ([r, c]) => {
        if (id !== seq.current) return;
        setResult(r);
        setNow(c);
        setError(null);
      },
      (e) => {
        if (id !== seq.current) return;
        setResult(null);
        setNow(null);
        setError(errorMessage(e));
      },
    );
  }, [request, rules, maxNodes, qualifying]);

  return (
    <section className="card" aria-labelledby="calc-title">
      <h2 id="calc-title">Rewards calculator</h2>
      <p className="muted">Your contest rewards under the rules in force. Money is exact to the cent.</p>
      {fleet.length > 0 && (
        <p id="fleet-summary">
          {fleet.length} node{fleet.length === 1 ? "" : "s"} · {qualifying === 0 ? "0 qualify yet" : `${qualifying} qualif${qualifying === 1 ? "ies" : "y"}`}
          {qualifying < fleet.length && firstQualifies ? ` · first qualifies on ${new Date(firstQualifies * 1000).toLocaleDateString(undefined, { day: "numeric", month: "short" })}` : ""}
        </p>
      )}
      <div className="form">
        <div className="field">
          <label htmlFor="nodes">Qualifying nodes</label>
          <div className="row">
            <input
              type="range"
              min={1}
              max={maxNodes ?? undefined}
              value={Number(nodes) || 1}
              onChange={(e) => setNodes(e.target.value)}
              aria-label="Qualifying nodes slider"
            />
            <input
              id="nodes"
              name="nodes"
              className="num"
              inputMode="numeric"
              value={nodes}
              onChange={(e) => setNodes(e.target.value)}
              aria-invalid={problems.nodes !== null}
            />
          </div>
          {problems.nodes && (
            <p className="field-error" id="nodes-error" role="alert">
              {problems.nodes}
            </p>
          )}
        </div>
        <label>
          <span title="The contest sets which role bonuses exist">Role bonus <small className="muted">(set by the contest)</small></span>
          <select id="role" name="role" value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r === "0" ? "None (0 %)" : `${r} %`}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Months</span>
          <input id="months" name="months" className="num" inputMode="decimal" value={months} onChange={(e) => setMonths(e.target.value)} aria-invalid={problems.months !== null} />
          {problems.months && (
            <span className="field-error" id="months-error" role="alert">
              {problems.months}
            </span>
          )}
        </label>
        <div className="field">
          <label htmlFor="cap" title="The contest caps bonuses at a share of the base reward">
            Bonus cap (% of base) <small className="muted">(set by the contest)</small>
          </label>
          <div className="row">
            <input type="range" min={0} max={100} value={Number(capValue) || 0} onChange={(e) => setCap(e.target.value)} aria-label="Bonus cap slider" />
            <input id="cap" name="cap" className="num" inputMode="decimal" value={capValue} onChange={(e) => setCap(e.target.value)} aria-invalid={problems.cap !== null} />
          </div>
          {problems.cap && (
            <p className="field-error" id="cap-error" role="alert">
              {problems.cap}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="rank-rewards">Rank rewards ($)</label>
          {projectedRankRewards !== null && useProjection ? (
            <div className="row">
              <output id="rank-rewards">{projectedRankRewards}</output>
              <button type="button" className="link" onClick={() => setUseProjection(false)}>
                enter by hand
              </button>
            </div>
          ) : (
            <div className="row">
              <input id="rank-rewards" name="rank-rewards" className="num" inputMode="decimal" value={rankRewards} onChange={(e) => setRankRewards(e.target.value)} aria-invalid={problems.rank !== null} />
              {projectedRankRewards !== null && (
                <button type="button" className="link" onClick={() => setUseProjection(true)}>
                  use projection
                </button>
              )}
            </div>
          )}
        </div>
      </div>

      {!useProjection || projectedRankRewards === null ? (
        problems.rank && (
          <p className="field-error" id="rank-error-field" role="alert">
            {problems.rank}
          </p>
        )
      ) : null}
      {error && (
        <div id="rewards-error">
          <ErrorBox message={error} action="Compute rewards" />
        </div>
      )}
      {result && !(problems.nodes || problems.months || problems.cap || (problems.rank && !(useProjection && projectedRankRewards !== null))) && (
        <div className="breakdown" aria-live="polite">
          <dl>
            <dt>Base</dt>
            <dd id="base">{usd(result.base)}</dd>
            <dt>Multi-node bonus</dt>
            <dd id="multi">{usd(result.multi_node_bonus)}</dd>
            <dt>Role bonus</dt>
            <dd id="role-bonus">{usd(result.role_bonus)}</dd>
            <dt>Rank rewards</dt>
            <dd id="rank">{usd(result.rank_rewards)}</dd>
            <dt className="total">Projected if they stay up</dt>
            <dd className="total" id="total" data-testid="total">
              {usd(result.total)}
            </dd>
            {result.excess_nodes > 0 && (
              <>
                <dt>Past the limit (not in the total)</dt>
                <dd id="excess">
                  {result.excess_nodes} node{result.excess_nodes === 1 ? "" : "s"} · {usd(result.excess_base)}
                </dd>
              </>
            )}
            {fleet.length > 0 && (
              <>
                <dt title="What the nodes that qualify today earn in a month (rank rewards only once one qualifies)">Qualifying now, per month</dt>
                <dd id="qualifying-now">{now ? usd(now.total) : `${usd("0")} (no node qualifies yet)`}</dd>
              </>
            )}
          </dl>
          {result.warnings.map((w) => (
            <p key={w} className="warning">
              ⚠ {w}
            </p>
          ))}
          {result.notes.map((n) => (
            <p key={n} className="note">
              {n}
            </p>
          ))}
        </div>
      )}
    </section>
  );
}

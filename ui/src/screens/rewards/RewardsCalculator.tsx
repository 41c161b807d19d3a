import { useEffect, useRef, useState } from "react";
import type { Ruleset } from "../../bindings/Ruleset";
import type { RewardsBreakdown } from "../../bindings/RewardsBreakdown";
import { computeRewards, errorMessage } from "../../api";
import { useDebounced } from "../../format";

type Props = { rules: Ruleset | null; projectedRankRewards: string | null; nodeCount?: number | null };

export function RewardsCalculator({ rules, projectedRankRewards, nodeCount }: Props) {
  const [nodes, setNodes] = useState("1");
  useEffect(() => {
    if (nodeCount != null) setNodes(String(nodeCount));
  }, [nodeCount]);
  const [role, setRole] = useState("0");
  const [months, setMonths] = useState("1");
  const [cap, setCap] = useState<string | null>(null);
  const [rankRewards, setRankRewards] = useState("0");
  const [useProjection, setUseProjection] = useState(true);
  const [result, setResult] = useState<RewardsBreakdown | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);

  const capValue = cap ?? rules?.rewards.bonus_cap_default_pct ?? "";
  const rank = useProjection && projectedRankRewards !== null ? projectedRankRewards : rankRewards;
  const request = useDebounced({ nodes, role, months, cap: capValue, rank }, 60);

  const roles = rules?.rewards.role_bonus_allowed_pct ?? [];
  const maxNodes = rules?.rewards.max_nodes_per_operator ?? null;

  useEffect(() => {
    if (!rules) return;
    const n = Number(request.nodes);
    if (request.nodes.trim() === "" || !Number.isInteger(n) || n < 0) {
      setError(`Enter the number of nodes as a whole number (1–${maxNodes}).`);
      setResult(null);
      return;
    }
    const id = ++seq.current;
    computeRewards({
      nodes: n,
      role_bonus_pct: request.role,
      months: request.months.trim() || "0",
      bonus_cap_pct: request.cap,
      rank_rewards: request.rank.trim() || "0",
    }).then(
      (r) => {
        if (id !== seq.current) return;
        setResult(r);
        setError(null);
      },
      (e) => {
        if (id !== seq.current) return;
        setResult(null);
        setError(errorMessage(e));
      },
    );
  }, [request, rules, maxNodes]);

  return (
    <section className="card" aria-labelledby="calc-title">
      <h2 id="calc-title">Rewards calculator</h2>
      <p className="muted">Your contest rewards under the rules in force. Money is exact to the cent.</p>
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
            />
          </div>
        </div>
        <label>
          <span>Role bonus</span>
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
          <input id="months" name="months" className="num" inputMode="decimal" value={months} onChange={(e) => setMonths(e.target.value)} />
        </label>
        <div className="field">
          <label htmlFor="cap">Bonus cap (% of base)</label>
          <div className="row">
            <input type="range" min={0} max={100} value={Number(capValue) || 0} onChange={(e) => setCap(e.target.value)} aria-label="Bonus cap slider" />
            <input id="cap" name="cap" className="num" inputMode="decimal" value={capValue} onChange={(e) => setCap(e.target.value)} />
          </div>
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
              <input id="rank-rewards" name="rank-rewards" className="num" inputMode="decimal" value={rankRewards} onChange={(e) => setRankRewards(e.target.value)} />
              {projectedRankRewards !== null && (
                <button type="button" className="link" onClick={() => setUseProjection(true)}>
                  use projection
                </button>
              )}
            </div>
          )}
        </div>
      </div>

      {error && (
        <p role="alert" className="inline-error" id="rewards-error">
          {error}
        </p>
      )}
      {result && (
        <div className="breakdown" aria-live="polite">
          <dl>
            <dt>Base</dt>
            <dd id="base">${result.base}</dd>
            <dt>Multi-node bonus</dt>
            <dd id="multi">${result.multi_node_bonus}</dd>
            <dt>Role bonus</dt>
            <dd id="role-bonus">${result.role_bonus}</dd>
            <dt>Rank rewards</dt>
            <dd id="rank">${result.rank_rewards}</dd>
            <dt className="total">Total</dt>
            <dd className="total" id="total" data-testid="total">
              ${result.total}
            </dd>
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

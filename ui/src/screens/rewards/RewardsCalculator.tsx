import i18n from "../../i18n";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorBox } from "../../components/ErrorBox";
import type { Ruleset } from "../../bindings/Ruleset";
import type { RewardsBreakdown } from "../../bindings/RewardsBreakdown";
import { computeRewards, errorMessage, getSetting, setSetting } from "../../api";
import { dayMonth, num as fmt, usd, useDebounced } from "../../format";
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
        ? maxNodes
          ? i18n.t("calc.nodesProblemMax", { max: maxNodes })
          : i18n.t("calc.nodesProblem")
        : n > 1000
          ? i18n.t("calc.nodesAtMost", { max: fmt(1000) })
          : null,
    months:
      Number.isNaN(months) || months <= 0
        ? i18n.t("calc.monthsProblem", { a: fmt(1), b: fmt(1.5) })
        : months > 120
          ? i18n.t("calc.monthsAtMost", { max: fmt(120) })
          : null,
    cap: Number.isNaN(cap) || cap > 100 ? i18n.t("calc.capProblem") : null,
    rank: Number.isNaN(rank) ? i18n.t("calc.rankProblem", { example: fmt(12.5, 2) }) : rank > 1_000_000 ? i18n.t("calc.rankAtMost", { max: usd("1000000").replace(/[.,]00$/, "") }) : null,
  };
}

export function RewardsCalculator({ rules, projectedRankRewards, nodeCount }: Props) {
  const { nodes: fleet } = useNodeHealth();
  const { t } = useTranslation();
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
      <h2 id="calc-title">{t("calc.title")}</h2>
      <p className="muted">{t("calc.intro")}</p>
      {fleet.length > 0 && (
        <p id="fleet-summary">
          {t("status.nodes", { count: fleet.length })} · {qualifying === 0 ? t("calc.noneQualify") : t("calc.qualify", { count: qualifying })}
          {qualifying < fleet.length && firstQualifies
            ? t("calc.firstQualifies", { date: dayMonth(firstQualifies) })
            : ""}
        </p>
      )}
      <div className="form">
        <div className="field">
          <label htmlFor="nodes">{t("calc.nodes")}</label>
          <div className="row">
            <input
              type="range"
              min={1}
              max={maxNodes ?? undefined}
              value={Number(nodes) || 1}
              onChange={(e) => setNodes(e.target.value)}
              aria-label={t("calc.nodesSlider")}
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
          <span title={t("calc.roleHelp")}>
            {t("calc.role")} <small className="muted">{t("calc.setByContest")}</small>
          </span>
          <select id="role" name="role" value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r === "0" ? t("calc.roleNone") : `${r} %`}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t("calc.months")}</span>
          <input id="months" name="months" className="num" inputMode="decimal" value={months} onChange={(e) => setMonths(e.target.value)} aria-invalid={problems.months !== null} />
          {problems.months && (
            <span className="field-error" id="months-error" role="alert">
              {problems.months}
            </span>
          )}
        </label>
        <div className="field">
          <label htmlFor="cap" title={t("calc.capHelp")}>
            {t("calc.cap")} <small className="muted">{t("calc.setByContest")}</small>
          </label>
          <div className="row">
            <input type="range" min={0} max={100} value={Number(capValue) || 0} onChange={(e) => setCap(e.target.value)} aria-label={t("calc.capSlider")} />
            <input id="cap" name="cap" className="num" inputMode="decimal" value={capValue} onChange={(e) => setCap(e.target.value)} aria-invalid={problems.cap !== null} />
          </div>
          {problems.cap && (
            <p className="field-error" id="cap-error" role="alert">
              {problems.cap}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="rank-rewards">{t("calc.rankRewards")}</label>
          {projectedRankRewards !== null && useProjection ? (
            <div className="row">
              <output id="rank-rewards">{projectedRankRewards}</output>
              <button type="button" className="link" onClick={() => setUseProjection(false)}>
                {t("calc.byHand")}
              </button>
            </div>
          ) : (
            <div className="row">
              <input id="rank-rewards" name="rank-rewards" className="num" inputMode="decimal" value={rankRewards} onChange={(e) => setRankRewards(e.target.value)} aria-invalid={problems.rank !== null} />
              {projectedRankRewards !== null && (
                <button type="button" className="link" onClick={() => setUseProjection(true)}>
                  {t("calc.useProjection")}
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
            <dt>{t("calc.base")}</dt>
            <dd id="base">{usd(result.base)}</dd>
            <dt>{t("calc.multi")}</dt>
            <dd id="multi">{usd(result.multi_node_bonus)}</dd>
            <dt>{t("calc.role")}</dt>
            <dd id="role-bonus">{usd(result.role_bonus)}</dd>
            <dt>{t("calc.rank")}</dt>
            <dd id="rank">{usd(result.rank_rewards)}</dd>
            <dt className="total">{t("calc.total")}</dt>
            <dd className="total" id="total" data-testid="total">
              {usd(result.total)}
            </dd>
            {result.excess_nodes > 0 && (
              <>
                <dt>{t("calc.excess")}</dt>
                <dd id="excess">
                  {t("status.nodes", { count: result.excess_nodes })} · {usd(result.excess_base)}
                </dd>
              </>
            )}
            {fleet.length > 0 && (
              <>
                <dt title={t("calc.nowHelp")}>{t("calc.now")}</dt>
                <dd id="qualifying-now">{now ? usd(now.total) : t("calc.nowNone", { amount: usd("0") })}</dd>
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

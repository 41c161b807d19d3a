import i18n from "../../i18n";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { RankResponse } from "../../bindings/RankResponse";
import type { WhatIf } from "../../bindings/WhatIf";
import type { WhatIfField } from "../../bindings/WhatIfField";
import { asUserError, choosePath, errorMessage, getSetting, leaderboardAddress, projectRank, setLeaderboardAddress, setSetting } from "../../api";
import type { ChosenPath } from "../../bindings/ChosenPath";
import { ErrorBox } from "../../components/ErrorBox";
import type { UserError } from "../../bindings/UserError";
import { age, num, shortAddress, usd, useDebounced } from "../../format";
import { useNodeHealth } from "../../hooks/useNodeHealth";

type Props = { onRankRewards: (usd: string | null) => void };

/** Slider ranges of the what-if fields (display only; the backend validates); their names are `rank.field.<field>` in the catalog. */
const FIELDS: { field: WhatIfField; min: number; max: number; step: number; start: number }[] = [
  { field: "score", min: 0, max: 100, step: 0.1, start: 90 }, // what-if start: not-a-contest-number
  { field: "uptime", min: 0, max: 1, step: 0.001, start: 0.999 },
  { field: "responsiveness", min: 0, max: 1, step: 0.001, start: 0.99 },
  { field: "precommit", min: 0, max: 1, step: 0.001, start: 0.99 },
  { field: "commit", min: 0, max: 1, step: 0.001, start: 0.99 },
  { field: "ping_ms", min: 0, max: 2000, step: 1, start: 50 },
  { field: "global_ping_ms", min: 0, max: 3000, step: 1, start: 150 }, // what-if start: not-a-contest-number
  { field: "tasks_completed", min: 0, max: 5000, step: 10, start: 1000 },
  { field: "task_accuracy", min: 0, max: 1, step: 0.001, start: 0.99 },
];

/** What is wrong with a leaderboard location the user typed (`null`: usable). */
export function leaderboardProblem(raw: string): string | null {
  const t = raw.trim();
  if (!t) return null;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      return i18n.t("rank.incomplete");
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") return i18n.t("rank.useHttps");
    return null;
  }
  // A scheme without "//" (two letters or more: "C:" is a Windows drive), "www.", or a host
  // name before the first "/".
  if (/^[a-z][a-z0-9+.-]+:/i.test(t) || /^www\./i.test(t) || /^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(t))
    return i18n.t("rank.typo");
  // A path typed by hand: the app opens only files chosen in its dialog.
  return i18n.t("rank.writeAddress");
}

export function RankProjection({ onRankRewards }: Props) {
  const { t } = useTranslation();
  const [operator, setOperator] = useState("");
  const [source, setSource] = useState("");
  // A leaderboard file chosen in the dialog (its token stands for the path).
  const [boardFile, setBoardFile] = useState<ChosenPath | null>(null);
  const [baseline, setBaseline] = useState<RankResponse | null>(null);
  const [current, setCurrent] = useState<RankResponse | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [whatIfError, setWhatIfError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [whatIfs, setWhatIfs] = useState<WhatIf[]>([]);
  const [wiNode, setWiNode] = useState("");
  const [wiField, setWiField] = useState<WhatIfField>("score");
  // No leaderboard address known for the network: why, in words (shown under the field).
  const [unknownBoard, setUnknownBoard] = useState<string | null>(null);
  const seq = useRef(0);
  // This machine's nodes: with no operator address typed, they are "you" on the board.
  const { nodes: fleet } = useNodeHealth();
  const localNodes = operator.trim() ? [] : fleet.map((n) => n.address);
  const nameOf = useMemo(() => new Map(fleet.map((n) => [n.address.toLowerCase(), i18n.t("overview.node", { id: n.id })])), [fleet]);

  useEffect(() => {
    getSetting("rank.operator").then((v) => v && setOperator(v), () => {});
    Promise.all([getSetting("rank.leaderboard").catch(() => null), leaderboardAddress().catch(() => null)]).then(([saved, known]) => {
      if (saved) setSource(saved);
      else if (known?.url) setSource(known.url);
      else if (known) setUnknownBoard(known.explanation);
      // A board projected before is projected again on open (fresh figures, not last time's).
      if (saved) setAutoProject(true);
    });
  }, []);
  const [autoProject, setAutoProject] = useState(false);
  useEffect(() => {
    if (autoProject && source.trim() && !leaderboardProblem(source) && (operator.trim() || fleet.length)) {
      setAutoProject(false);
      void project();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoProject, source, operator, fleet.length]);
  const boardProblem = boardFile ? null : leaderboardProblem(source);
  const board = boardFile?.token ?? source.trim();

  async function openBoardFile() {
    try {
      const chosen = await choosePath("leaderboard_file");
      if (chosen[0]) {
        setBoardFile(chosen[0]);
        setError(null);
      }
    } catch (e) {
      setError(asUserError(e));
    }
  }

  async function project() {
    const id = ++seq.current;
    setBusy(true);
    setError(null);
    try {
      const r = await projectRank({ leaderboard: board, operator: operator.trim(), what_ifs: [], local_nodes: localNodes, others: {} });
      if (id !== seq.current) return;
      setBaseline(r);
      setCurrent(r);
      setWhatIfs([]);
      setWiNode(r.nodes[0]?.node ?? "");
      onRankRewards(r.rank_rewards);
      setSetting("rank.operator", operator.trim()).catch(() => {});
      // A web address that worked is remembered, and becomes the network's leaderboard address
      // (the CLI's too); a chosen file is not (it is chosen again next time).
      if (!boardFile && /^https?:\/\//.test(source.trim())) {
        setSetting("rank.leaderboard", source.trim()).catch(() => {});
        setLeaderboardAddress(source.trim()).catch(() => {});
      }
      setUnknownBoard(null);
    } catch (e) {
      if (id !== seq.current) return;
      setError(asUserError(e));
      setBaseline(null);
      setCurrent(null);
      onRankRewards(null);
    } finally {
      if (id === seq.current) setBusy(false);
    }
  }

  // Re-project whenever the what-ifs change (debounced while a slider moves).
  const debouncedWhatIfs = useDebounced(whatIfs, 120);
  useEffect(() => {
    if (!baseline) return;
    if (debouncedWhatIfs.length === 0) {
      setCurrent(baseline);
      setWhatIfError(null);
      onRankRewards(baseline.rank_rewards);
      return;
    }
    const id = ++seq.current;
    projectRank({
      leaderboard: board,
      operator: operator.trim() ? baseline.operator : "",
      what_ifs: debouncedWhatIfs,
      local_nodes: operator.trim() ? [] : localNodes,
      others: {},
    }).then(
      (r) => {
        if (id !== seq.current) return;
        setCurrent(r);
        setWhatIfError(null);
        onRankRewards(r.rank_rewards);
      },
      (e) => {
        if (id !== seq.current) return;
        setWhatIfError(errorMessage(e));
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debouncedWhatIfs, baseline]);

  const fieldInfo = FIELDS.find((f) => f.field === wiField)!;
  const active = whatIfs.find((w) => w.node === wiNode && w.field === wiField);
  const baseScore = baseline?.nodes.find((n) => n.node === wiNode)?.score ?? null;
  const sliderValue = active?.value ?? (wiField === "score" && baseScore !== null ? baseScore : fieldInfo.start);

  function upsertWhatIf(value: number) {
    setWhatIfs((list) => [...list.filter((w) => !(w.node === wiNode && w.field === wiField)), { node: wiNode, field: wiField, value }]);
  }

  const baselineRank = useMemo(() => new Map(baseline?.nodes.map((n) => [n.node, n.rank]) ?? []), [baseline]);
  const mine = (addr: string) => current !== null && addr.toLowerCase() === current.operator.toLowerCase();
  const rows = current ? current.table.filter((r) => r.rank <= current.last_rewarded_rank || mine(r.operator)) : [];
  const hidden = current ? current.table.length - rows.length : 0;

  return (
    <section className="card wide" aria-labelledby="rank-title">
      <h2 id="rank-title">{t("rank.title")}</h2>
      <p className="muted">{t("rank.intro")}</p>
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void project();
        }}
      >
        <label>
          <span title={t("rank.operatorHelp")}>
            {t("rank.operator")} {fleet.length ? t("rank.optional") : ""}
          </span>
          <input
            id="operator"
            name="operator"
            placeholder={fleet.length ? t("rank.yourNodes", { count: fleet.length }) : "0x…"}
            value={operator}
            onChange={(e) => setOperator(e.target.value)}
            spellCheck={false}
          />
        </label>
        <label className="grow">
          <span>{t("rank.leaderboard")}</span>
          {boardFile ? (
            <span className="chosen" id="leaderboard-file">
              {t("rank.file")} <code title={boardFile.shown}>{boardFile.name}</code>{" "}
              <button type="button" className="small" onClick={() => setBoardFile(null)} aria-label={t("rank.useAddress")}>
                ✕
              </button>
            </span>
          ) : (
            <input
              id="leaderboard"
              name="leaderboard"
              placeholder="https://…"
              value={source}
              onChange={(e) => setSource(e.target.value)}
              spellCheck={false}
              aria-invalid={boardProblem !== null}
            />
          )}
          {boardProblem && (
            <span className="field-error" id="leaderboard-error" role="alert">
              {boardProblem}
            </span>
          )}
        </label>
        <button type="button" id="leaderboard-open" onClick={() => void openBoardFile()} disabled={busy}>
          {t("rank.openFile")}
        </button>
        <button id="project" type="submit" className="primary" disabled={busy || (!operator.trim() && !fleet.length) || !board || boardProblem !== null}>
          {busy ? t("rank.projecting") : t("rank.project")}
        </button>
      </form>
      {unknownBoard && !source.trim() && (
        <p className="muted" id="leaderboard-unknown">
          {unknownBoard}
        </p>
      )}
      {error && (
        <div id="rank-error">
          <ErrorBox error={error} onRetry={() => void project()} />
        </div>
      )}
      {current && (
        <>
          <p className={`source ${current.source.warning ? "stale" : ""}`} id="rank-source">
            {current.source.from_cache ? t("rank.cached", { age: age(current.source.age_seconds) }) : t("rank.fetched", { age: age(current.source.age_seconds) })} ·{" "}
            {t("status.nodes", { count: current.table.length })}
            {current.source.warning && <span> · ⚠ {current.source.warning}</span>}
          </p>
          <div className="summary">
            <div>
              <span className="muted">{t("rank.yourRewards")}</span>
              <strong id="rank-rewards-total">{usd(current.rank_rewards)}</strong>
            </div>
            <ul className="mine-list">
              {current.nodes.map((n) => {
                const before = baselineRank.get(n.node);
                const moved = whatIfs.length > 0 && before !== undefined && before !== n.rank;
                return (
                  <li key={n.node}>
                    <code title={n.node}>{shortAddress(n.node)}</code> {n.rank === null ? t("rank.unranked") : `#${n.rank}`} · {usd(n.reward)}
                    {moved && <span className="delta"> {t("rank.was", { rank: before ?? "–" })}</span>}
                  </li>
                );
              })}
            </ul>
          </div>

          <fieldset className="whatif">
            <legend>{t("rank.whatIf")}</legend>
            <div className="form inline">
              <label>
                <span>{t("rank.node")}</span>
                <select id="whatif-node" value={wiNode} onChange={(e) => setWiNode(e.target.value)}>
                  {baseline?.nodes.map((n) => (
                    <option key={n.node} value={n.node}>
                      {shortAddress(n.node)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <span>{t("rank.metric")}</span>
                <select id="whatif-field" value={wiField} onChange={(e) => setWiField(e.target.value as WhatIfField)}>
                  {FIELDS.map((f) => (
                    <option key={f.field} value={f.field}>
                      {t(`rank.field.${f.field}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label className="grow">
                <span>
                  {t("rank.value")} <output id="whatif-value">{sliderValue}</output>
                </span>
                <input
                  id="whatif-slider"
                  type="range"
                  min={fieldInfo.min}
                  max={fieldInfo.max}
                  step={fieldInfo.step}
                  value={sliderValue}
                  onChange={(e) => upsertWhatIf(Number(e.target.value))}
                />
              </label>
              <button type="button" onClick={() => setWhatIfs([])} disabled={whatIfs.length === 0}>
                {t("rank.reset")}
              </button>
            </div>
            {whatIfs.length > 0 && (
              <ul className="chips">
                {whatIfs.map((w) => (
                  <li key={`${w.node}-${w.field}`}>
                    {shortAddress(w.node)} {t(`rank.field.${w.field}`)} = {w.value}
                    <button
                      type="button"
                      aria-label={t("rank.removeWhatIf", { field: t(`rank.field.${w.field}`), node: w.node })}
                      onClick={() => setWhatIfs((l) => l.filter((x) => x !== w))}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {whatIfError && (
              <ErrorBox message={whatIfError} action="What-if rank projection" />
            )}
          </fieldset>

          <div className="table-wrap">
            <table id="rank-table">
              <thead>
                <tr>
                  <th>{t("rank.colRank")}</th>
                  <th>{t("rank.node")}</th>
                  <th>{t("rank.colOperator")}</th>
                  <th className="r">{t("rank.field.score")}</th>
                  <th className="r">{t("rank.colReward")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.node} className={mine(r.operator) ? "mine" : undefined}>
                    <td>{r.rank}</td>
                    <td>
                      {nameOf.get(r.node.toLowerCase()) ? <strong>{nameOf.get(r.node.toLowerCase())}</strong> : <code title={r.node}>{shortAddress(r.node)}</code>}
                      {r.limited && (
                        <span className="limited" title={t("rank.limitedHelp", { why: r.limited })} aria-label={t("rank.limited", { why: r.limited })}>
                          {" "}
                          †
                        </span>
                      )}
                    </td>
                    <td>
                      <code title={r.operator}>{shortAddress(r.operator)}</code>
                    </td>
                    <td className="r">{num(r.score, 2)}</td>
                    <td className="r">{usd(r.reward)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {hidden > 0 && <p className="muted">{t("rank.hidden", { n: hidden })}</p>}
            {rows.some((r) => r.limited) && (
              <p className="muted legend" id="rank-legend">
                {t("rank.legend")}
              </p>
            )}
            {current.vacant_spots.length > 0 && (
              <p className="muted">{t("rank.vacant", { n: current.vacant_spots.length })}</p>
            )}
          </div>
        </>
      )}
    </section>
  );
}

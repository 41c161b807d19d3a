import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { computeRewards } from "../../../api";
import { num, usd } from "../../../format";
import type { Wizard } from "../useWizard";

/** Step 4 of the setup wizard: how many nodes, on which network, with which RPC URL, and where
 * their keys go. */
export function NodesStep({ w }: { w: Wizard }) {
  const { t } = useTranslation();
  const { affordable, busy, count, create, gpuCheck, gpuOn, keyStore, maxNodes, network, rpcError, rpcUrl, setCount, setGpu, setKeyStore, setNetwork, setRpcUrl, status, toolkit } = w;
  const networks = status?.networks ?? [];
  // What the count costs and earns: stake, disk, and the projected rewards if they qualify.
  const [monthly, setMonthly] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    computeRewards({ nodes: count, role_bonus_pct: "0", months: "1", bonus_cap_pct: null, rank_rewards: "0" }).then(
      (r) => live && setMonthly(r?.total ?? null),
      () => live && setMonthly(null),
    );
    return () => {
      live = false;
    };
  }, [count]);
  return (
    <div className="step" id="step-nodes">
      <label className="field" htmlFor="node-count">
        {t("nodes.howMany", { n: affordable })}
      </label>
      <div className="row">
        <input type="range" min={1} max={maxNodes} value={count} onChange={(e) => setCount(Number(e.target.value))} aria-label={t("nodes.number")} />
        <output id="node-count">{count}</output>
      </div>
      {w.doctor?.limited_by && <p className="muted" id="node-limit">{t("nodes.limited", { by: w.doctor.limited_by })}</p>}
      <p id="node-cost">
        {t("nodes.cost", { count })}
        {status?.per_node ? t("nodes.disk", { gb: num(count * status.per_node.disk_gib) }) : ""}
        {monthly ? t("nodes.monthly", { count, amount: usd(monthly) }) : ""}
      </p>
      {count > affordable && <p className="warning">{t("nodes.tooMany")}</p>}
      <p className="muted">{t("nodes.stake")} {status?.staking}</p>

      {networks.length > 1 && (
        <label className="field">
          <span>{t("nodes.network")}</span>
          <select id="network" value={network ?? networks[0]} onChange={(e) => setNetwork(e.target.value)}>
            {networks.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      )}

      <label className="field" htmlFor="rpc-url">
        <span>{t("nodes.rpc")}</span>
      </label>
      <input
        id="rpc-url"
        value={rpcUrl}
        onChange={(e) => setRpcUrl(e.target.value)}
        placeholder="https://arb-sepolia.g.alchemy.com/v2/…"
        spellCheck={false}
        aria-invalid={rpcError !== null}
        aria-describedby="rpc-url-help"
      />
      {rpcError ? (
        <p className="field-error" id="rpc-url-help" role="alert">
          {rpcError}
        </p>
      ) : (
        <p className="muted" id="rpc-url-help">
          {t("nodes.rpcHelp")}
        </p>
      )}

      <fieldset className="field key-store">
        <legend>{t("nodes.keyStore")}</legend>
        <label className="check">
          <input
            type="radio"
            name="key-store"
            value="keychain"
            checked={keyStore === "keychain"}
            disabled={!!status?.keychain_error}
            onChange={() => setKeyStore("keychain")}
          />
          {t("nodes.keychain")}
        </label>
        <label className="check">
          <input type="radio" name="key-store" value="file" checked={keyStore === "file"} onChange={() => setKeyStore("file")} />
          {t("nodes.file")}
        </label>
        {status?.keychain_error && <p className="muted">{t("nodes.noKeychain", { why: status.keychain_error })}</p>}
      </fieldset>

      {gpuCheck && (
        <div className="field">
          <label className="check">
            <input id="gpu" type="checkbox" checked={gpuOn} onChange={(e) => setGpu(e.target.checked)} />
            {t("nodes.gpu")}
          </label>
          <p className="muted">{gpuCheck.explanation}</p>
          {toolkit && toolkit.status !== "ok" && (
            <p className="warning" id="gpu-toolkit-warning">
              {toolkit.explanation} {toolkit.fix?.command ? t("nodes.installWith", { command: toolkit.fix.command }) : ""}
            </p>
          )}
        </div>
      )}

      <div className="actions">
        <button id="wizard-create" className="primary" type="button" onClick={() => void create()} disabled={busy || rpcError !== null}>
          {busy ? t("nodes.creating") : t("nodes.create", { count })}
        </button>
      </div>
    </div>
  );
}

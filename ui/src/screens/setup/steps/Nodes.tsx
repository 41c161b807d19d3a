import { useEffect, useState } from "react";
import { computeRewards } from "../../../api";
import { usd } from "../../rewards/RewardsCalculator";
import type { Wizard } from "../useWizard";

/** Step 4 of the setup wizard: how many nodes, on which network, with which RPC URL, and where
 * their keys go. */
export function NodesStep({ w }: { w: Wizard }) {
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
        How many nodes? This computer can run about {affordable}.
      </label>
      <div className="row">
        <input type="range" min={1} max={maxNodes} value={count} onChange={(e) => setCount(Number(e.target.value))} aria-label="Number of nodes" />
        <output id="node-count">{count}</output>
      </div>
      {w.doctor?.limited_by && <p className="muted" id="node-limit">Limited by {w.doctor.limited_by}.</p>}
      <p id="node-cost">
        {count} node{count > 1 ? "s" : ""}: {count} stake{count > 1 ? "s" : ""}
        {status?.per_node ? ` · about ${count * status.per_node.disk_gib} GB of disk` : ""}
        {monthly ? ` · ${usd(monthly)} / month if ${count > 1 ? "they qualify" : "it qualifies"}` : ""}
      </p>
      {count > affordable && <p className="warning">More nodes than this computer can comfortably run: they may be too slow to earn.</p>}
      <p className="muted">Each node needs its own stake: {status?.staking}</p>

      {networks.length > 1 && (
        <label className="field">
          <span>Network</span>
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
        <span>Your RPC address (optional)</span>
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
          From your RPC provider's dashboard; it is kept as a secret. Without one the nodes use a public address that limits how often it answers, so
          they may miss tasks.
        </p>
      )}

      <fieldset className="field key-store">
        <legend>Where the node keys are kept</legend>
        <label className="check">
          <input
            type="radio"
            name="key-store"
            value="keychain"
            checked={keyStore === "keychain"}
            disabled={!!status?.keychain_error}
            onChange={() => setKeyStore("keychain")}
          />
          In this computer's keychain
        </label>
        <label className="check">
          <input type="radio" name="key-store" value="file" checked={keyStore === "file"} onChange={() => setKeyStore("file")} />
          In each node's settings file, readable by you only (as the official install does)
        </label>
        {status?.keychain_error && <p className="muted">This computer has no keychain available ({status.keychain_error}), so the keys go in the files.</p>}
      </fieldset>

      {gpuCheck && (
        <div className="field">
          <label className="check">
            <input id="gpu" type="checkbox" checked={gpuOn} onChange={(e) => setGpu(e.target.checked)} />
            Run the nodes' AI model on the NVIDIA GPU
          </label>
          <p className="muted">{gpuCheck.explanation}</p>
          {toolkit && toolkit.status !== "ok" && (
            <p className="warning" id="gpu-toolkit-warning">
              {toolkit.explanation} {toolkit.fix?.command ? `Install it with: ${toolkit.fix.command}` : ""}
            </p>
          )}
        </div>
      )}

      <div className="actions">
        <button id="wizard-create" className="primary" type="button" onClick={() => void create()} disabled={busy || rpcError !== null}>
          {busy ? "Creating…" : `Create ${count} node${count > 1 ? "s" : ""}`}
        </button>
      </div>
    </div>
  );
}

import type { Wizard } from "../useWizard";

/** Step 4 of the setup wizard: nodes. */
export function NodesStep({ w }: { w: Wizard }) {
  const { affordable, busy, count, create, maxNodes, setCount, status } = w;
  return (
    <div className="step" id="step-nodes">
      <label className="field" htmlFor="node-count">
        How many nodes? This computer can run about {affordable}.
      </label>
      <div className="row">
        <input type="range" min={1} max={maxNodes} value={count} onChange={(e) => setCount(Number(e.target.value))} aria-label="Number of nodes" />
        <output id="node-count">{count}</output>
      </div>
      {count > affordable && <p className="warning">More nodes than this computer can comfortably run: they may be too slow to earn.</p>}
      <p className="muted">Each node needs its own stake: {status?.staking}</p>
      <div className="actions">
        <button id="wizard-create" className="primary" type="button" onClick={() => void create()} disabled={busy}>
          {busy ? "Creating…" : `Create ${count} node${count > 1 ? "s" : ""}`}
        </button>
      </div>
    </div>
  );
}

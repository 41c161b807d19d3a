import { useEffect, useState } from "react";
import type { Ruleset } from "./bindings/Ruleset";
import { errorMessage, ruleset as loadRuleset } from "./api";
import { RewardsCalculator } from "./components/RewardsCalculator";
import { RankProjection } from "./components/RankProjection";

export function App() {
  const [rules, setRules] = useState<Ruleset | null>(null);
  const [rulesError, setRulesError] = useState<string | null>(null);
  const [projectedRankRewards, setProjectedRankRewards] = useState<string | null>(null);

  useEffect(() => {
    loadRuleset().then(setRules, (e) => setRulesError(errorMessage(e)));
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <img src="/icon.svg" alt="" width={28} height={28} />
          <span>Cortensor Node Manager</span>
        </div>
        <nav aria-label="Sections">
          <span className="tab active" aria-current="page">Rewards &amp; Rank</span>
        </nav>
        <div className="ruleset" title="Contest ruleset in force">{rules ? rules.name : "…"}</div>
      </header>
      {rulesError && (
        <div role="alert" className="banner error">
          {rulesError}
        </div>
      )}
      <main className="grid">
        <RewardsCalculator rules={rules} projectedRankRewards={projectedRankRewards} />
        <RankProjection onRankRewards={setProjectedRankRewards} />
      </main>
    </div>
  );
}

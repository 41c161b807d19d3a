import { useEffect, useState } from "react";
import type { Ruleset } from "./bindings/Ruleset";
import { errorMessage, machineStatus, ruleset as loadRuleset } from "./api";
import { UpdateBanner } from "./components/UpdateBanner";
import { RewardsCalculator } from "./screens/rewards/RewardsCalculator";
import { RankProjection } from "./screens/rewards/RankProjection";
import { SetupWizard } from "./screens/setup/SetupWizard";
import { Dashboard } from "./screens/nodes/Dashboard";
import { Qualification } from "./screens/rewards/Qualification";
import { Overview } from "./screens/overview/Overview";
import { MetricsSettings } from "./screens/nodes/MetricsSettings";
import { Autostart } from "./components/Autostart";

type Tab = "overview" | "setup" | "nodes" | "rewards" | "settings";

export function App() {
  const [rules, setRules] = useState<Ruleset | null>(null);
  const [rulesError, setRulesError] = useState<string | null>(null);
  const [projectedRankRewards, setProjectedRankRewards] = useState<string | null>(null);
  // Home is the Overview; the first run (nothing installed) opens on Setup.
  const [tab, setTab] = useState<Tab>("overview");
  const [nodeCount, setNodeCount] = useState<number | null>(null);

  useEffect(() => {
    loadRuleset().then(setRules, (e) => setRulesError(errorMessage(e)));
    // First run (nothing installed yet): open on the setup wizard.
    machineStatus().then(
      (s) => {
        if (!s.installed) setTab("setup");
      },
      () => {},
    );
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <img src="/icon.svg" alt="" width={28} height={28} />
          <span>Cortensor Node Manager</span>
        </div>
        <nav aria-label="Sections">
          <button type="button" id="tab-overview" className={`tab ${tab === "overview" ? "active" : ""}`} aria-current={tab === "overview" ? "page" : undefined} onClick={() => setTab("overview")}>
            Overview
          </button>
          <button type="button" id="tab-setup" className={`tab ${tab === "setup" ? "active" : ""}`} aria-current={tab === "setup" ? "page" : undefined} onClick={() => setTab("setup")}>
            Setup
          </button>
          <button type="button" id="tab-nodes" className={`tab ${tab === "nodes" ? "active" : ""}`} aria-current={tab === "nodes" ? "page" : undefined} onClick={() => setTab("nodes")}>
            Nodes
          </button>
          <button type="button" id="tab-rewards" className={`tab ${tab === "rewards" ? "active" : ""}`} aria-current={tab === "rewards" ? "page" : undefined} onClick={() => setTab("rewards")}>
            Rewards &amp; Rank
          </button>
          <button type="button" id="tab-settings" className={`tab ${tab === "settings" ? "active" : ""}`} aria-current={tab === "settings" ? "page" : undefined} onClick={() => setTab("settings")}>
            Settings
          </button>
        </nav>
        <div className="ruleset" title="Contest ruleset in force">{rules ? rules.name : "…"}</div>
      </header>
      <UpdateBanner />
      {rulesError && (
        <div role="alert" className="banner error">
          {rulesError}
        </div>
      )}
      {tab === "overview" ? (
        <main className="single wide">
          <Overview rules={rules} onSetup={() => setTab("setup")} onNode={() => setTab("nodes")} />
        </main>
      ) : tab === "setup" ? (
        <main className="single">
          <SetupWizard onDone={() => setTab("overview")} />
        </main>
      ) : tab === "settings" ? (
        <main className="single wide">
          <section className="settings" aria-labelledby="settings-title">
            <h2 id="settings-title">Settings</h2>
            <div className="card">
              <Autostart />
            </div>
            <MetricsSettings />
          </section>
        </main>
      ) : tab === "nodes" ? (
        <main className="single wide">
          <Dashboard />
        </main>
      ) : (
        <main className="grid">
          <div className="column">
            <RewardsCalculator rules={rules} projectedRankRewards={projectedRankRewards} nodeCount={nodeCount} />
            <Qualification onUseCount={setNodeCount} />
          </div>
          <RankProjection onRankRewards={setProjectedRankRewards} />
        </main>
      )}
    </div>
  );
}

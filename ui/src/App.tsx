import { Suspense, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { applyLanguage } from "./i18n";
import type { Ruleset } from "./bindings/Ruleset";
import { errorMessage, getSetting, machineStatus, ruleset as loadRuleset } from "./api";
import { UpdateBanner } from "./components/UpdateBanner";
import { SetupWizard } from "./screens/setup/SetupWizard";
import { Overview } from "./screens/overview/Overview";
import { ErrorBox } from "./components/ErrorBox";
import { ReportContext } from "./screens/report/reportContext";
import type { ErrorContext } from "./bindings/ErrorContext";
import { applyTheme, asTheme } from "./screens/settings/theme";
import {
  AppUpdates,
  Autostart,
  Dashboard,
  GeneralSettings,
  MetricsSettings,
  Qualification,
  RankProjection,
  ReportDestinations,
  ReportScreen,
  RewardsCalculator,
  StressScreen,
} from "./screens/lazy";

type Tab = "overview" | "setup" | "nodes" | "rewards" | "stress" | "settings" | "report";
const SCREEN: Record<Tab, string> = {
  overview: "Overview",
  setup: "Setup",
  nodes: "Nodes",
  rewards: "Rewards & Rank",
  stress: "Stress test",
  settings: "Settings",
  report: "Report",
};

export function App() {
  const { t } = useTranslation();
  const [rules, setRules] = useState<Ruleset | null>(null);
  const [rulesError, setRulesError] = useState<string | null>(null);
  const [projectedRankRewards, setProjectedRankRewards] = useState<string | null>(null);
  // Home is the Overview; the first run (nothing installed) opens on Setup.
  const [tab, setTab] = useState<Tab>("overview");
  const [nodeCount, setNodeCount] = useState<number | null>(null);
  // "Report this" on any error: the Report screen, prefilled with it.
  const [reportPrefill, setReportPrefill] = useState<ErrorContext | null>(null);
  const openReport = (context: ErrorContext) => {
    setReportPrefill(context);
    setTab("report");
  };

  useEffect(() => {
    // The colours the user chose (Settings), before anything else is drawn.
    getSetting("ui.theme").then((v) => applyTheme(asTheme(v)), () => {});
    getSetting("ui.language").then((v) => applyLanguage(v), () => {});
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
    <ReportContext.Provider value={{ open: openReport, screen: SCREEN[tab] }}>
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <img src="/icon.svg" alt="" width={28} height={28} />
          <span>Cortensor Node Manager</span>
        </div>
        <nav aria-label={t("app.sections")}>
          <button type="button" id="tab-overview" className={`tab ${tab === "overview" ? "active" : ""}`} aria-current={tab === "overview" ? "page" : undefined} onClick={() => setTab("overview")}>
            {t("app.tab.overview")}
          </button>
          <button type="button" id="tab-setup" className={`tab ${tab === "setup" ? "active" : ""}`} aria-current={tab === "setup" ? "page" : undefined} onClick={() => setTab("setup")}>
            {t("app.tab.setup")}
          </button>
          <button type="button" id="tab-nodes" className={`tab ${tab === "nodes" ? "active" : ""}`} aria-current={tab === "nodes" ? "page" : undefined} onClick={() => setTab("nodes")}>
            {t("app.tab.nodes")}
          </button>
          <button type="button" id="tab-rewards" className={`tab ${tab === "rewards" ? "active" : ""}`} aria-current={tab === "rewards" ? "page" : undefined} onClick={() => setTab("rewards")}>
            {t("app.tab.rewards")}
          </button>
          <button type="button" id="tab-stress" className={`tab ${tab === "stress" ? "active" : ""}`} aria-current={tab === "stress" ? "page" : undefined} onClick={() => setTab("stress")}>
            {t("app.tab.stress")}
          </button>
          <button type="button" id="tab-settings" className={`tab ${tab === "settings" ? "active" : ""}`} aria-current={tab === "settings" ? "page" : undefined} onClick={() => setTab("settings")}>
            {t("app.tab.settings")}
          </button>
          <button
            type="button"
            id="tab-report"
            className={`tab ${tab === "report" ? "active" : ""}`}
            aria-current={tab === "report" ? "page" : undefined}
            onClick={() => {
              setReportPrefill(null);
              setTab("report");
            }}
          >
            {t("app.tab.report")}
          </button>
        </nav>
        <div className="ruleset" title={t("app.ruleset")}>{rules ? rules.name : "…"}</div>
      </header>
      <UpdateBanner />
      {rulesError && (
        <div className="banner">
          <ErrorBox message={rulesError} action="Load the contest rules" />
        </div>
      )}
      <Suspense
        fallback={
          <main className="single">
            <p className="muted" role="status">
              {t("app.loading")}
            </p>
          </main>
        }
      >
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
            <h2 id="settings-title">{t("app.tab.settings")}</h2>
            <GeneralSettings />
            <AppUpdates />
            <div className="card">
              <Autostart />
            </div>
            <MetricsSettings />
            <ReportDestinations />
          </section>
        </main>
      ) : tab === "stress" ? (
        <main className="single wide">
          <StressScreen />
        </main>
      ) : tab === "report" ? (
        <main className="single wide">
          <ReportScreen prefill={reportPrefill} />
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
      </Suspense>
    </div>
    </ReportContext.Provider>
  );
}

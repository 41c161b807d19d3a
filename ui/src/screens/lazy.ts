// The screens that are not the first one shown (Overview, or Setup on a first run) load when
// first opened: the page starts with less script to parse and keep (first paint, memory).
import { lazy } from "react";

export const Dashboard = lazy(() => import("./nodes/Dashboard").then((m) => ({ default: m.Dashboard })));
export const RewardsCalculator = lazy(() =>
  import("./rewards/RewardsCalculator").then((m) => ({ default: m.RewardsCalculator })),
);
export const RankProjection = lazy(() => import("./rewards/RankProjection").then((m) => ({ default: m.RankProjection })));
export const Qualification = lazy(() => import("./rewards/Qualification").then((m) => ({ default: m.Qualification })));
export const MetricsSettings = lazy(() => import("./nodes/MetricsSettings").then((m) => ({ default: m.MetricsSettings })));
export const Autostart = lazy(() => import("../components/Autostart").then((m) => ({ default: m.Autostart })));
export const ReportScreen = lazy(() => import("./report/ReportScreen").then((m) => ({ default: m.ReportScreen })));
export const ReportDestinations = lazy(() =>
  import("./report/ReportDestinations").then((m) => ({ default: m.ReportDestinations })),
);
export const StressScreen = lazy(() => import("./stress/StressScreen").then((m) => ({ default: m.StressScreen })));
export const GeneralSettings = lazy(() => import("./settings/GeneralSettings").then((m) => ({ default: m.GeneralSettings })));
export const AppUpdates = lazy(() => import("./settings/AppUpdates").then((m) => ({ default: m.AppUpdates })));

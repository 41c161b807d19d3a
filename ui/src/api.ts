// Typed calls into the Rust backend. Every request and response type is generated from the
// Rust types by ts-rs (src/bindings/, `cargo test` regenerates them); nothing here is hand-copied.
import type { AppUpdate } from "./bindings/AppUpdate";
import type { AppUpdateProgress } from "./bindings/AppUpdateProgress";
import { invoke } from "@tauri-apps/api/core";
import type { LogLines } from "./bindings/LogLines";
import type { RewardsInput } from "./bindings/RewardsInput";
import type { RewardsBreakdown } from "./bindings/RewardsBreakdown";
import type { RankRequest } from "./bindings/RankRequest";
import type { RankResponse } from "./bindings/RankResponse";
import type { LeaderboardAddress } from "./bindings/LeaderboardAddress";
import type { Ruleset } from "./bindings/Ruleset";
import type { UserError } from "./bindings/UserError";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { MachineStatus } from "./bindings/MachineStatus";
import type { DoctorReport } from "./bindings/DoctorReport";
import type { BinaryOutcome } from "./bindings/BinaryOutcome";
import type { Progress } from "./bindings/Progress";
import type { NodeSpec } from "./bindings/NodeSpec";
import type { Registration } from "./bindings/Registration";
import type { StartReport } from "./bindings/StartReport";
import type { ReportForm } from "./bindings/ReportForm";
import type { FieldProblem } from "./bindings/FieldProblem";
import type { Draft } from "./bindings/Draft";
import type { ReportResult } from "./bindings/ReportResult";
import type { ReportHistory } from "./bindings/ReportHistory";
import type { Attempt } from "./bindings/Attempt";
import type { Destinations } from "./bindings/Destinations";
import type { UiSetting } from "./bindings/UiSetting";
import type { NodeHealth } from "./bindings/NodeHealth";
import type { UptimePoint } from "./bindings/UptimePoint";
import type { AlertRecord } from "./bindings/AlertRecord";
import type { ChosenPath } from "./bindings/ChosenPath";
import type { StressRequest } from "./bindings/StressRequest";
import type { StressOutcome } from "./bindings/StressOutcome";
import type { StressProgress } from "./bindings/StressProgress";
import type { Cleaned } from "./bindings/Cleaned";
import type { LogFile } from "./bindings/LogFile";
import type { TrayAction } from "./bindings/TrayAction";
import type { PathPurpose } from "./bindings/PathPurpose";
import type { SystemHealth } from "./bindings/SystemHealth";
import type { Action } from "./bindings/Action";
import type { AddNodesRequest } from "./bindings/AddNodesRequest";
import type { AddNodesResponse } from "./bindings/AddNodesResponse";
import type { ControlResponse } from "./bindings/ControlResponse";
import type { NodeSelection } from "./bindings/NodeSelection";
import type { UpdateOutcome } from "./bindings/UpdateOutcome";
import type { IpfsOutcome } from "./bindings/IpfsOutcome";

export const computeRewards = (input: RewardsInput) => invoke<RewardsBreakdown>("compute_rewards", { input });
export const ruleset = () => invoke<Ruleset>("ruleset");
export const leaderboardAddress = () => invoke<LeaderboardAddress>("leaderboard_address");
export const setLeaderboardAddress = (url: string) => invoke<LeaderboardAddress>("set_leaderboard_address", { url });
export const projectRank = (request: RankRequest) => invoke<RankResponse>("project_rank", { request });
export const getSetting = (key: UiSetting) => invoke<string | null>("get_setting", { key });
export const setSetting = (key: UiSetting, value: string) => invoke<void>("set_setting", { key, value });
/** Open the app's data folder in the file manager (the shell knows where it is). */
export const openDataFolder = () => invoke<void>("open_data_folder");
/** The app's own log files (name, size), newest first. */
export const appLogs = () => invoke<LogFile[]>("app_logs");
/** The tray menu's actions (open, start all, stop all, check for updates, quit). */
export const trayAction = (action: TrayAction) => invoke<string>("tray_action", { action });
/** Whether the app opens (in the tray) at login; turn it on or off (the state after). */
export const appAutostart = () => invoke<boolean>("app_autostart");
export const setAppAutostart = (on: boolean) => invoke<boolean>("set_app_autostart", { on });
/** The app's own update: check the channel's feed, download-check-install the one found, restart into it. */
export const appUpdateCheck = () => invoke<AppUpdate>("app_update_check");
export const appUpdateKnown = () => invoke<AppUpdate>("app_update_known");
export const appUpdateInstall = () => invoke<AppUpdate>("app_update_install");
export const appRestart = () => invoke<void>("app_restart");
/** The page's first paint (the app's log says how long after the start it came). */
export const uiReady = () => invoke<void>("ui_ready");
export const onAppUpdateProgress = (f: (p: AppUpdateProgress) => void): Promise<UnlistenFn> =>
  listen<AppUpdateProgress>("app-update-progress", (e) => f(e.payload));
export const metricsPort = () => invoke<number | null>("metrics_port");
export const setMetricsPort = (port: number | null) => invoke<void>("set_metrics_port", { port });

/** A failed command's error as the app shows it: the core's `UserError`, or (for an error
 * that did not come from the core) its text with nothing more said. */
export function asUserError(e: unknown): UserError {
  if (e && typeof e === "object" && "message" in e) {
    const u = e as Partial<UserError>;
    const message = String(u.message);
    return { message, kind: u.kind ?? "other", title: u.title ?? message, hint: u.hint ?? "", action: u.action ?? "report" };
  }
  const message = String(e);
  return { message, kind: "other", title: message, hint: "", action: "report" };
}

/** The plain-language message of a failed command. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UserError).message);
  return String(e);
}


export const machineStatus = () => invoke<MachineStatus>("machine_status");
export const runDoctor = () => invoke<DoctorReport>("run_doctor");
export const installBinary = (source: string) => invoke<BinaryOutcome>("install_binary", { source });
export const setAutostart = (on: boolean) => invoke<boolean>("set_autostart", { on });
export const autostartEnabled = () => invoke<boolean>("autostart");
export const installIpfs = () => invoke<IpfsOutcome>("install_ipfs");
export const cancelInstall = () => invoke<void>("cancel_install");
export const addNodes = (request: AddNodesRequest) => invoke<AddNodesResponse>("add_nodes", { request });
export const registerNode = (id: number) => invoke<Registration>("register_node", { id });
export const adoptOfficial = (envFile: string) => invoke<NodeSpec | null>("adopt_official", { envFile });
export const startNodes = () => invoke<StartReport>("start_nodes");
export const fixCheck = (id: string) => invoke<string[]>("fix_check", { id });
export const reportCheck = (form: ReportForm) => invoke<FieldProblem[]>("report_check", { form });
export const reportPrepare = (form: ReportForm) => invoke<Draft>("report_prepare", { form });
export const reportView = (id: string, path: string) => invoke<string>("report_view", { id, path });
export const reportSubmit = (id: string, leaveOut: string[], saveOnly: boolean) =>
  invoke<ReportResult>("report_submit", { id, leaveOut, saveOnly });
export const reportHistory = () => invoke<ReportHistory>("report_history");
export const reportFlush = () => invoke<Attempt[]>("report_flush");
export const reportDestinations = () => invoke<Destinations>("report_destinations");
export const setReportDestination = (kind: string, value: string) => invoke<Destinations>("set_report_destination", { kind, value });
export const openReportPage = (id: string) => invoke<void>("open_report_page", { id });
export const redactionPatterns = () => invoke<string>("redaction_patterns");
export const setRedactionPatterns = (text: string) => invoke<void>("set_redaction_patterns", { text });
export const redactText = (text: string) => invoke<string>("redact_text", { text });
export const updateAvailable = () => invoke<string | null>("update_available");
export const updateBinary = () => invoke<UpdateOutcome>("update_binary");
/** The native file dialog for `purpose`, opened by the shell: tokens for what was chosen (none: cancelled). */
export const choosePath = (purpose: PathPurpose) => invoke<ChosenPath[]>("choose_path", { purpose });
/** Write the keys to the file chosen in the `key_backup` dialog (its token). */
export const exportKeys = (token: string) => invoke<number>("export_keys", { token });
/** Run the stress test (its progress arrives as `stress-progress` events). */
export const stressRun = (request: StressRequest) => invoke<StressOutcome>("stress_run", { request });
export const stressCancel = () => invoke<void>("stress_cancel");
export const stressLatest = () => invoke<StressOutcome | null>("stress_latest");
export const stressClean = () => invoke<Cleaned>("stress_clean");
export const onStressProgress = (f: (p: StressProgress) => void): Promise<UnlistenFn> =>
  listen<StressProgress>("stress-progress", (e) => f(e.payload));
export const onInstallProgress = (f: (p: Progress) => void): Promise<UnlistenFn> =>
  listen<Progress>("install-progress", (e) => f(e.payload));

export const nodeHealth = () => invoke<NodeHealth[]>("node_health");
export const systemHealth = () => invoke<SystemHealth>("system_health");
export const nodeControl = (selection: NodeSelection, action: Action) => invoke<ControlResponse>("node_control", { selection, action });
export const watchNodeLog = (id: number, lines: number) => invoke<string[]>("watch_node_log", { id, lines });
export const unwatchNodeLog = () => invoke<void>("unwatch_node_log");
/** The machine bar is shown (true) or gone (false): the shell samples the machine only meanwhile. */
export const watchSystem = (on: boolean) => invoke<void>("watch_system", { on });
export const onNodeLog = (f: (l: LogLines) => void): Promise<UnlistenFn> => listen<LogLines>("node-log", (e) => f(e.payload));
export const uptimeTimeline = (id: number, hours: number) => invoke<UptimePoint[]>("uptime_timeline", { id, hours });
export const activeAlerts = () => invoke<AlertRecord[]>("active_alerts");
export const dismissAlert = (id: number) => invoke<void>("dismiss_alert", { id });
export const onActiveAlerts = (f: (a: AlertRecord[]) => void): Promise<UnlistenFn> => listen<AlertRecord[]>("active-alerts", (e) => f(e.payload));
export const recentAlerts = (hours: number) => invoke<AlertRecord[]>("recent_alerts", { hours });
export const onNodeHealth = (f: (h: NodeHealth[]) => void): Promise<UnlistenFn> => listen<NodeHealth[]>("node-health", (e) => f(e.payload));
export const onAlert = (f: (a: AlertRecord) => void): Promise<UnlistenFn> => listen<AlertRecord>("alert", (e) => f(e.payload));
export const onSystemHealth = (f: (s: SystemHealth) => void): Promise<UnlistenFn> => listen<SystemHealth>("system-health", (e) => f(e.payload));

// The setup wizard's state and actions; each step (steps/*.tsx) renders a part of it.
import { useEffect, useState } from "react";
import type { MachineStatus } from "../../bindings/MachineStatus";
import type { DoctorReport } from "../../bindings/DoctorReport";
import type { Progress } from "../../bindings/Progress";
import type { NodeSpec } from "../../bindings/NodeSpec";
import type { Registration } from "../../bindings/Registration";
import type { StartReport } from "../../bindings/StartReport";
import type { KeyStore } from "../../bindings/KeyStore";
import {
  addNodes,
  adoptOfficial,
  errorMessage,
  exportKeys,
  fixCheck,
  installBinary,
  machineStatus,
  onInstallProgress,
  registerNode,
  runDoctor,
  startNodes,
} from "../../api";

/** What is wrong with an RPC URL the user typed, in words (`null`: fine, or empty). */
export function rpcUrlProblem(raw: string): string | null {
  const t = raw.trim();
  if (!t) return null;
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return "This is not a web address: it should start with https://";
  }
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost")) return null;
  return "Use an https:// address (http:// only for a node on this computer)";
}

export function useWizard(onDone: () => void) {
  const [step, setStep] = useState(0);
  const [status, setStatus] = useState<MachineStatus | null>(null);
  const [doctor, setDoctor] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [source, setSource] = useState("official");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [installed, setInstalled] = useState<string | null>(null);
  const [count, setCount] = useState(1);
  const [created, setCreated] = useState<NodeSpec[]>([]);
  const [registrations, setRegistrations] = useState<Record<number, Registration | string>>({});
  const [started, setStarted] = useState<StartReport | null>(null);
  const [adopt, setAdopt] = useState(true);
  const [backupPath, setBackupPath] = useState("");
  const [backedUp, setBackedUp] = useState<string | null>(null);
  const [network, setNetwork] = useState<string | null>(null);
  const [rpcUrl, setRpcUrl] = useState("");
  const [keyStore, setKeyStore] = useState<KeyStore>("keychain");
  const [notes, setNotes] = useState<string[]>([]);
  // The most nodes the app creates on one machine (from the core, like every limit).
  const maxNodes = status?.max_nodes ?? 1;

  useEffect(() => {
    machineStatus().then(
      (s) => {
        setStatus(s);
        if (s.installed) setInstalled(s.installed.version);
        setBackupPath(`${s.data_dir}/cortensor-keys-backup.csv`);
        setCreated(s.nodes.map((n) => n.spec));
        // No keychain here (a headless server): keys go to each node's 0600 settings file.
        if (s.keychain_error) setKeyStore("file");
      },
      (e) => setError(errorMessage(e)),
    );
  }, []);

  useEffect(() => {
    if (step === 1 && !doctor) void check();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step]);

  async function act<T>(f: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  async function check() {
    const r = await act(runDoctor);
    if (r) {
      setDoctor(r);
      setCount((c) => Math.min(c, maxNodes) || Math.min(r.affordable_nodes, maxNodes));
    }
  }

  async function fix(id: string, label: string) {
    if (!window.confirm(`${label}: the app will run the steps as administrator (your password is asked). Continue?`)) return;
    const r = await act(() => fixCheck(id));
    if (r) {
      setDoctor(null);
      await check();
    }
  }

  async function backup() {
    const n = await act(() => exportKeys(backupPath.trim()));
    if (n !== undefined) setBackedUp(`${n} key(s) saved to ${backupPath.trim()} (readable by you only). Keep a copy offline.`);
  }

  async function install() {
    setProgress(null);
    const unlisten = await onInstallProgress(setProgress);
    try {
      const r = await act(() => installBinary(source.trim() || "official"));
      if (r) {
        setInstalled(r.version);
        const official = status?.official_installs.find((o) => o.has_private_key);
        if (official && adopt) {
          const n = await act(() => adoptOfficial(official.env_file));
          if (n) setCreated((c) => (c.some((x) => x.id === n.id) ? c : [...c, n]));
        }
      }
    } finally {
      unlisten();
    }
  }

  async function create() {
    const urls = rpcUrl.trim() ? [rpcUrl.trim()] : [];
    const r = await act(() => addNodes({ count, network, rpc_urls: urls, key_store: keyStore, gpu: false }));
    if (r) {
      setNotes(r.warnings);
      setCreated((c) => [...c, ...r.nodes]);
      setStep(4);
    }
  }

  async function registerAll() {
    setBusy(true);
    setError(null);
    for (const n of created) {
      try {
        const r = await registerNode(n.id);
        setRegistrations((m) => ({ ...m, [n.id]: r }));
      } catch (e) {
        setRegistrations((m) => ({ ...m, [n.id]: errorMessage(e) }));
      }
    }
    setBusy(false);
  }

  async function start() {
    const r = await act(startNodes);
    if (r) setStarted(r);
  }

  const affordable = doctor?.affordable_nodes ?? 1;
  const failed = doctor?.checks.filter((c) => c.status === "fail").length ?? 0;
  const official = status?.official_installs.find((o) => o.has_private_key);
  const rpcError = rpcUrlProblem(rpcUrl);

  return { adopt, affordable, backedUp, backup, backupPath, busy, check, count, create, created, doctor, error, failed, fix, install, installed, keyStore, maxNodes, network, notes, official, onDone, progress, registerAll, registrations, rpcError, rpcUrl, setAdopt, setBackupPath, setCount, setKeyStore, setNetwork, setRpcUrl, setSource, setStep, source, start, started, status, step };
}

export type Wizard = ReturnType<typeof useWizard>;

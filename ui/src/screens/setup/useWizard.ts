// The setup wizard's state and actions; each step (steps/*.tsx) renders a part of it.
import { useEffect, useState } from "react";
import type { MachineStatus } from "../../bindings/MachineStatus";
import type { DoctorReport } from "../../bindings/DoctorReport";
import type { Progress } from "../../bindings/Progress";
import type { NodeSpec } from "../../bindings/NodeSpec";
import type { Registration } from "../../bindings/Registration";
import type { StartReport } from "../../bindings/StartReport";
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
  // The most nodes the app creates on one machine (from the core, like every limit).
  const maxNodes = status?.max_nodes ?? 1;

  useEffect(() => {
    machineStatus().then(
      (s) => {
        setStatus(s);
        if (s.installed) setInstalled(s.installed.version);
        setBackupPath(`${s.data_dir}/cortensor-keys-backup.csv`);
        setCreated(s.nodes.map((n) => n.spec));
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
    const r = await act(() => addNodes({ count, network: null, rpc_urls: [], key_store: null, gpu: false }));
    if (r) {
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

  return { adopt, affordable, backedUp, backup, backupPath, busy, check, count, create, created, doctor, error, failed, fix, install, installed, maxNodes, official, onDone, progress, registerAll, registrations, setAdopt, setBackupPath, setCount, setSource, setStep, source, start, started, status, step };
}

export type Wizard = ReturnType<typeof useWizard>;

// The setup wizard's state and actions; each step (steps/*.tsx) renders a part of it.
import i18n from "../../i18n";
import { useEffect, useState } from "react";
import type { MachineStatus } from "../../bindings/MachineStatus";
import type { DoctorReport } from "../../bindings/DoctorReport";
import type { Progress } from "../../bindings/Progress";
import type { NodeSpec } from "../../bindings/NodeSpec";
import type { Registration } from "../../bindings/Registration";
import type { StartReport } from "../../bindings/StartReport";
import type { KeyStore } from "../../bindings/KeyStore";
import type { UserError } from "../../bindings/UserError";
import type { ChosenPath } from "../../bindings/ChosenPath";
import {
  choosePath,
  addNodes,
  adoptOfficial,
  asUserError,
  errorMessage,
  exportKeys,
  fixCheck,
  installBinary,
  installIpfs,
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
    return i18n.t("wizard.rpcNotAddress");
  }
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost")) return null;
  return i18n.t("wizard.rpcHttps");
}

export function useWizard(onDone: () => void) {
  const [step, setStep] = useState(0);
  const [status, setStatus] = useState<MachineStatus | null>(null);
  const [doctor, setDoctor] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<UserError | null>(null);

  const [busy, setBusy] = useState(false);
  const [source, setSource] = useState("official");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [installed, setInstalled] = useState<string | null>(null);
  // What is being downloaded now, for the progress label.
  const [installing, setInstalling] = useState<"cortensord" | "IPFS (kubo)">("cortensord");
  // IPFS found or installed, in words; or why it could not be (the nodes step still works).
  const [ipfs, setIpfs] = useState<{ ok: boolean; text: string } | null>(null);
  const [gpu, setGpu] = useState<boolean | null>(null);
  // What the user should know about the release installed (e.g. a macOS build far behind).
  const [releaseWarnings, setReleaseWarnings] = useState<string[]>([]);
  const [installedFrom, setInstalledFrom] = useState<string | null>(null);
  const [count, setCount] = useState(1);
  const [created, setCreated] = useState<NodeSpec[]>([]);
  const [registrations, setRegistrations] = useState<Record<number, Registration | string>>({});
  const [started, setStarted] = useState<StartReport | null>(null);
  const [adopt, setAdopt] = useState(true);
  const [folder, setFolder] = useState<ChosenPath | null>(null);
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
        setCreated(s.nodes.map((n) => n.spec));
        // No keychain here (a headless server): keys go to each node's 0600 settings file.
        if (s.keychain_error) setKeyStore("file");
      },
      (e) => setError(asUserError(e)),
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
      setError(asUserError(e));
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
    const how =
      id === "ipfs"
        ? "the app downloads it from its publisher, checks its checksum and keeps it in its own folder"
        : "the app will run the steps as administrator (your password is asked)";
    if (!window.confirm(i18n.t("wizard.confirmFix", { label, how }))) return;
    const r = await act(() => fixCheck(id));
    if (r) {
      setDoctor(null);
      await check();
    }
  }

  /** Back up the keys to a file the user chooses in the save dialog (one click). */
  async function backup() {
    const chosen = await act(() => choosePath("key_backup"));
    const to = chosen?.[0];
    if (!to) return;
    const n = await act(() => exportKeys(to.token));
    if (n !== undefined) setBackedUp(i18n.t("wizard.backedUp", { count: n, to: to.shown }));
  }

  /** Install from a folder the user chooses (a mirror copied to this computer). */
  async function chooseFolder() {
    const chosen = await act(() => choosePath("release_folder"));
    if (chosen?.[0]) setFolder(chosen[0]);
  }

  async function install() {
    setProgress(null);
    const unlisten = await onInstallProgress(setProgress);
    try {
      setInstalling("cortensord");
      const r = await act(() => installBinary(folder?.token ?? (source.trim() || "official")));
      if (r) {
        setInstalled(r.version);
        setReleaseWarnings(r.warnings ?? []);
        setInstalledFrom(r.source ?? null);
        setInstalling("IPFS (kubo)");
        setProgress(null);
        setBusy(true);
        try {
          const o = await installIpfs();
          setIpfs({
            ok: true,
            text: o.installed
              ? i18n.t("wizard.ipfsInstalled", { version: o.installed.version })
              : o.found
                ? i18n.t("wizard.ipfsFound", { version: o.found })
                : i18n.t("wizard.ipfsRunning"),
          });
        } catch (e) {
          setIpfs({ ok: false, text: i18n.t("wizard.ipfsFailed", { why: errorMessage(e) }) });
        } finally {
          setBusy(false);
        }
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
    const r = await act(() => addNodes({ count, network, rpc_urls: urls, key_store: keyStore, gpu: gpuOn }));
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
  // The GPU option is offered when the doctor saw an NVIDIA GPU; on by default when its
  // container toolkit is there too.
  const gpuCheck = doctor?.checks.find((c) => c.id === "gpu" && c.status === "ok") ?? null;
  const toolkit = doctor?.checks.find((c) => c.id === "gpu_toolkit") ?? null;
  const gpuOn = gpuCheck !== null && (gpu ?? toolkit?.status === "ok");

  return { adopt, affordable, backedUp, backup, busy, chooseFolder, check, count, create, created, doctor, error, failed, fix, folder, gpuCheck, gpuOn, install, installed, installedFrom, installing, ipfs, releaseWarnings, keyStore, setGpu, toolkit, maxNodes, network, notes, official, onDone, progress, registerAll, registrations, rpcError, rpcUrl, setAdopt, setCount, setFolder, setKeyStore, setNetwork, setRpcUrl, setSource, setStep, source, start, started, status, step };
}

export type Wizard = ReturnType<typeof useWizard>;

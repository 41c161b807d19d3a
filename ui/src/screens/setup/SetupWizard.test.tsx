import { describe, expect, it } from "vitest";
import { ReportContext } from "../report/reportContext";
import type { ErrorContext } from "../../bindings/ErrorContext";
import { render, screen, waitFor, fireEvent } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { SetupWizard } from "./SetupWizard";
import type { MachineStatus } from "../../bindings/MachineStatus";
import type { DoctorReport } from "../../bindings/DoctorReport";
import type { NodeSpec } from "../../bindings/NodeSpec";

const status: MachineStatus = {
  installed: null,
  nodes: [],
  backend: "os_service",
  official_installs: [],
  data_dir: "/tmp/x",
  keychain_error: null,
  staking: "Stake 4,000 $COR per node on Pool 3.",
  staking_url: "https://docs.example",
  max_nodes: 25,
  networks: ["testnet0", "testnet1"],
  keys_backed_up: null,
  os: "linux",
  per_node: { cores: 6, ram_gib: 12, disk_gib: 100 },
};

const doctor: DoctorReport = {
  affordable_nodes: 3,
  limited_by: "RAM: 40 GB fits 3 nodes of 12 GB",
  per_node: { cores: 6, ram_gib: 12, disk_gib: 100 },
  checks: [
    { id: "platform", title: "Operating system", status: "ok", explanation: "linux on x86_64 is supported.", fix: null },
    {
      id: "docker",
      title: "Docker",
      status: "fail",
      explanation: "Docker is not installed.",
      fix: { label: "Install Docker", command: "sudo apt-get install -y docker.io", url: null, automatic: true },
    },
  ],
};

const spec = (id: number): NodeSpec => ({
  id,
  address: `0x${String(id).padStart(40, "0")}`,
  llm_port: 8081 + 10 * id,
  worker_base_port: 8080 + 10 * id,
  gateway_base_port: 18878 + 10 * id,
  ipfs_server: id === 1,
  cpu_threads: 2,
  network: "testnet0",
  key_store: "keychain",
  gpu: false,
});

describe("SetupWizard", () => {
  it("walks from welcome to started nodes, showing checks, progress and per-node results", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let release: (() => void) | null = null;
    mockIPC(
      async (cmd, args) => {
        calls.push({ cmd, args });
        switch (cmd) {
          case "machine_status":
            return status;
          case "run_doctor":
            return doctor;
          case "install_binary":
            await emit("install-progress", { downloaded: 50 << 20, total: 100 << 20, bytes_per_sec: 10 << 20, eta_secs: 5 });
            await new Promise<void>((r) => (release = r));
            return { version: "lfs-1234567", sha256: "ab".repeat(32), already_current: false, previous_version: null };
          case "install_ipfs":
            await emit("install-progress", { downloaded: 20 << 20, total: 40 << 20, bytes_per_sec: 10 << 20, eta_secs: 2 });
            await new Promise<void>((r) => (release = r));
            return { found: null, daemon_running: false, installed: { version: "v0.33.0", path: "/tmp/x/bin/ipfs", archive_sha512: "cd".repeat(64) } };
          case "compute_rewards":
            return { total: `${(args as { input: { nodes: number } }).input.nodes * 22}.00` };
          case "add_nodes":
            return { nodes: [spec(1), spec(2)], backend: "os_service", warnings: [], folders: ["/d/nodes/node-1", "/d/nodes/node-2"], staking_url: "https://stake.example" };
          case "register_node": {
            const id = (args as { id: number }).id;
            if (id === 2) throw { message: "node 2 could not be registered: not whitelisted" };
            return { id, address: spec(id).address, registered: true, verified: true, output: "Node registered successfully\n" };
          }
          case "start_nodes":
            return { started: [1, 2], notes: ["started the node monitor as a service"], survives_reboot: true };
          case "choose_path":
            return [{ token: "grant:k1", name: "keys.csv", shown: "/home/ann/keys.csv" }];
          case "export_keys":
            return 2;
          default:
            return null;
        }
      },
      { shouldMockEvents: true },
    );
    const user = userEvent.setup();
    render(<SetupWizard onDone={() => {}} />);

    // The welcome says what it takes.
    await waitFor(() => expect(document.getElementById("welcome-needs")).toHaveTextContent("about 6 CPU cores, 12 GB of memory and 100 GB of disk"));
    expect(document.getElementById("welcome-needs")).toHaveTextContent("A stake for each node. Stake 4,000 $COR per node on Pool 3.");
    expect(document.getElementById("welcome-needs")).toHaveTextContent("Whitelisting of your node addresses");
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(screen.getByText("Docker is not installed.")).toBeInTheDocument());
    expect(document.querySelector('[data-check="docker"]')).toHaveClass("check-fail");
    expect(screen.getByText("sudo apt-get install -y docker.io")).toBeInTheDocument();
    expect(screen.getByText(/1 check failed: you can install now, but nodes will not run until it is fixed/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Continue" }));

    await user.click(screen.getByRole("button", { name: "Install" }));
    await waitFor(() => expect(screen.getByText(/50\.0 MB of 100\.0 MB · 10\.0 MB\/s · 5 s left/)).toBeInTheDocument());
    expect(document.getElementById("install-what")).toHaveTextContent("Downloading cortensord");
    expect(screen.getByRole("button", { name: "Cancel" })).toBeInTheDocument();
    const releaseBinary = release!;
    release = null;
    releaseBinary();
    // Then IPFS (kubo), with its own progress, before Continue is possible.
    await waitFor(() => expect(screen.getByText(/20\.0 MB of 40\.0 MB/)).toBeInTheDocument());
    expect(document.getElementById("install-what")).toHaveTextContent("Downloading IPFS (kubo)");
    expect(screen.getByRole("button", { name: "Continue" })).toBeDisabled();
    await waitFor(() => expect(release).not.toBeNull());
    release!();
    await waitFor(() => expect(screen.getByText(/cortensord lfs-1234567 is installed and verified/)).toBeInTheDocument());
    expect(document.getElementById("ipfs-done")).toHaveTextContent("IPFS (kubo v0.33.0) is installed and verified.");
    expect(calls.find((c) => c.cmd === "install_binary")?.args).toEqual({ source: "official" });
    await user.click(screen.getByRole("button", { name: "Continue" }));

    expect(screen.getByText(/can run about 3/)).toBeInTheDocument();
    expect(document.getElementById("node-limit")).toHaveTextContent("Limited by RAM: 40 GB fits 3 nodes of 12 GB.");
    fireEvent.change(screen.getByRole("slider", { name: "Number of nodes" }), { target: { value: "2" } });
    await waitFor(() => expect(document.getElementById("node-cost")).toHaveTextContent("2 nodes: 2 stakes · about 200 GB of disk · $44.00 / month if they qualify"));
    // A mistyped RPC address is explained under the field and blocks Create.
    const rpc = screen.getByRole("textbox", { name: /RPC address/ });
    await user.type(rpc, "http://rpc.example/v2/KEY");
    expect(screen.getByRole("alert")).toHaveTextContent("Use an https:// address");
    expect(screen.getByRole("button", { name: "Create 2 nodes" })).toBeDisabled();
    await user.clear(rpc);
    await user.type(rpc, "https://arb.example/v2/KEY");
    expect(screen.getByRole("button", { name: "Create 2 nodes" })).toBeEnabled();
    await user.click(screen.getByRole("button", { name: "Create 2 nodes" }));
    await waitFor(() => expect(screen.getByText(spec(2).address)).toBeInTheDocument());
    expect(calls.find((c) => c.cmd === "add_nodes")?.args).toEqual({
      request: { count: 2, network: null, rpc_urls: ["https://arb.example/v2/KEY"], key_store: "keychain", gpu: false },
    });
    // The keys cannot be skipped past without saying they were saved.
    expect(screen.getByRole("button", { name: "Continue" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Copy node 1's address" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Copy all addresses/ })).toBeInTheDocument();
    // The backup: the shell's save dialog chooses the file; the page passes on its token only.
    await user.click(screen.getByRole("button", { name: "Back up keys to a file…" }));
    await waitFor(() => expect(document.getElementById("backup-done")).toHaveTextContent("2 key(s) saved to /home/ann/keys.csv"));
    expect(calls.filter((c) => c.cmd === "choose_path" || c.cmd === "export_keys").map((c) => c.args)).toEqual([{ purpose: "key_backup" }, { token: "grant:k1" }]);
    await user.click(screen.getByRole("checkbox", { name: /I saved my keys somewhere safe/ }));
    await user.click(screen.getByRole("button", { name: "Continue" }));

    await user.click(screen.getByRole("button", { name: "Register all" }));
    await waitFor(() => expect(document.querySelector('[data-node="2"]')).toHaveTextContent("failed: node 2 could not be registered: not whitelisted"));
    expect(document.querySelector('[data-node="1"]')).toHaveTextContent("registered and verified");
    await user.click(screen.getByRole("button", { name: "Continue" }));

    await user.click(screen.getByRole("button", { name: "Start nodes" }));
    await waitFor(() => expect(screen.getByText(/Started 2 nodes/)).toBeInTheDocument());
    expect(screen.getByText(/start again after a restart/)).toBeInTheDocument();
    expect(document.getElementById("start-notes")).toHaveTextContent("started the node monitor as a service");
  });

  it("shows an install error in plain words with Try again, Report this and the raw text behind Details", async () => {
    let attempts = 0;
    mockIPC((cmd) => {
      if (cmd === "machine_status") return status;
      if (cmd === "run_doctor") return doctor;
      if (cmd === "redact_text") return "cannot read the release information (redacted copy)";
      if (cmd === "install_binary") {
        attempts++;
        // The core's UserError for a machine that is offline (see crates/node/src/error.rs).
        throw {
          message: "cannot read the release information at https://api.github.com/repos/cortensor/installer/commits/main: io: failed to lookup address information (tried 3 times)",
          kind: "offline",
          title: "Can't reach Cortensor's download server",
          hint: "Check your internet connection, then try again.",
          action: "try_again",
        };
      }
      return null;
    });
    const user = userEvent.setup();
    const opened: ErrorContext[] = [];
    render(
      <ReportContext.Provider value={{ open: (c) => opened.push(c), screen: "Setup" }}>
        <SetupWizard onDone={() => {}} />
      </ReportContext.Provider>,
    );
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Continue" })).toBeEnabled());
    await user.click(screen.getByRole("button", { name: "Continue" }));
    await user.click(screen.getByRole("button", { name: "Install" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Can't reach Cortensor's download server"));
    expect(screen.getByRole("alert")).toHaveTextContent("Check your internet connection, then try again.");
    // The raw text is there, behind Details, not in the user's face.
    expect(screen.getByText("Details")).toBeInTheDocument();
    expect(screen.getByText(/failed to lookup address/)).not.toBeVisible();
    expect(screen.getByRole("button", { name: "Copy details" })).toBeInTheDocument();
    // "Report this" opens the report form with this error and where it was shown.
    await user.click(screen.getByRole("button", { name: "Report this" }));
    expect(opened).toHaveLength(1);
    expect(opened[0].screen).toBe("Setup");
    expect(opened[0].error).toContain("failed to lookup address");
    expect(screen.getByRole("button", { name: "Continue" })).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(attempts).toBe(2));
  });

  it("on a computer without a keychain, keeps the keys in the node files and says so", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "machine_status") return { ...status, installed: { version: "1", sha256: "ab", source: "official", installed_at: 0, previous_version: null, previous_sha256: null }, keychain_error: "no session bus" };
      if (cmd === "run_doctor") return doctor;
      if (cmd === "add_nodes") return { nodes: [{ ...spec(1), key_store: "file", network: "testnet1" }], backend: "supervisor", warnings: ["no RPC URL given: the nodes use the public endpoint"], folders: ["/d"], staking_url: "https://s" };
      return null;
    });
    const user = userEvent.setup();
    render(<SetupWizard onDone={() => {}} />);
    await waitFor(() => expect(document.getElementById("no-keychain")).toBeInTheDocument());
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Continue" })).toBeEnabled());
    await user.click(screen.getByRole("button", { name: "Continue" }));
    await user.click(screen.getByRole("button", { name: "Continue" }));
    expect(screen.getByRole("radio", { name: /keychain/ })).toBeDisabled();
    expect(screen.getByRole("radio", { name: /settings file/ })).toBeChecked();
    await user.selectOptions(screen.getByRole("combobox", { name: "Network" }), "testnet1");
    await user.click(screen.getByRole("button", { name: "Create 1 node" }));
    await waitFor(() => expect(document.getElementById("create-notes")).toHaveTextContent("public endpoint"));
    expect(calls.find((c) => c.cmd === "add_nodes")?.args).toEqual({
      request: { count: 1, network: "testnet1", rpc_urls: [], key_store: "file", gpu: false },
    });
    expect(document.getElementById("step-keys")).toHaveTextContent("in its settings file");
  });

  it("offers the GPU when the doctor sees one, warns without its container toolkit, and goes on when IPFS fails", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    const gpuDoctor: DoctorReport = {
      ...doctor,
      affordable_nodes: 2,
      checks: [
        ...doctor.checks,
        { id: "gpu", title: "GPU", status: "ok", explanation: "NVIDIA GeForce RTX 3090 (24576 MiB): nodes can run their LLM on the GPU.", fix: null },
        {
          id: "gpu_toolkit",
          title: "NVIDIA Container Toolkit",
          status: "warn",
          explanation: "The NVIDIA Container Toolkit is not installed.",
          fix: { label: "Install the NVIDIA Container Toolkit", command: "sudo apt-get install -y nvidia-container-toolkit", url: null, automatic: false },
        },
      ],
    };
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "machine_status") return status;
      if (cmd === "run_doctor") return gpuDoctor;
      if (cmd === "install_binary") return { version: "lfs-1234567", sha256: "ab".repeat(32), already_current: false, previous_version: null };
      if (cmd === "install_ipfs") throw { message: "kubo: the downloaded file does not match the published checksum" };
      if (cmd === "add_nodes") return { nodes: [{ ...spec(1), gpu: true }], backend: "supervisor", warnings: [], folders: ["/d"], staking_url: "https://s" };
      return null;
    });
    const user = userEvent.setup();
    const opened: ErrorContext[] = [];
    render(
      <ReportContext.Provider value={{ open: (c) => opened.push(c), screen: "Setup" }}>
        <SetupWizard onDone={() => {}} />
      </ReportContext.Provider>,
    );
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Continue" })).toBeEnabled());
    await user.click(screen.getByRole("button", { name: "Continue" }));
    await user.click(screen.getByRole("button", { name: "Install" }));
    await waitFor(() => expect(document.getElementById("ipfs-done")).toHaveTextContent("IPFS could not be installed: kubo: the downloaded file does not match"));
    expect(screen.getByRole("alert")).toHaveTextContent("Node 1 needs it to start");
    // cortensord is installed: the participant can go on and fix IPFS from the checks.
    expect(screen.getByRole("button", { name: "Continue" })).toBeEnabled();
    await user.click(screen.getByRole("button", { name: "Continue" }));
    const gpu = screen.getByRole("checkbox", { name: /NVIDIA GPU/ });
    expect(gpu).not.toBeChecked();
    expect(document.getElementById("gpu-toolkit-warning")).toHaveTextContent("sudo apt-get install -y nvidia-container-toolkit");
    await user.click(gpu);
    await user.click(screen.getByRole("button", { name: "Create 1 node" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "add_nodes")).toBe(true));
    expect(calls.find((c) => c.cmd === "add_nodes")?.args).toEqual({
      request: { count: 1, network: null, rpc_urls: [], key_store: "keychain", gpu: true },
    });
  });

  it("keeps the GPU option away from machines without an NVIDIA GPU", async () => {
    mockIPC((cmd) => {
      if (cmd === "machine_status") return { ...status, installed: { version: "1", sha256: "ab", source: "official", installed_at: 0, previous_version: null, previous_sha256: null } };
      if (cmd === "run_doctor") return doctor;
      return null;
    });
    const user = userEvent.setup();
    render(<SetupWizard onDone={() => {}} />);
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Continue" })).toBeEnabled());
    await user.click(screen.getByRole("button", { name: "Continue" }));
    await user.click(screen.getByRole("button", { name: "Continue" }));
    expect(screen.getByRole("button", { name: "Create 1 node" })).toBeInTheDocument();
    expect(screen.queryByRole("checkbox", { name: /NVIDIA GPU/ })).toBeNull();
  });

  it("revisited with nodes, is a status page with the next action, and opens the wizard where asked", async () => {
    const record = (id: number, registered: string | null) => ({ spec: spec(id), registered, verified: null, created_at: 0 });
    mockIPC((cmd) => {
      if (cmd === "machine_status")
        return {
          ...status,
          installed: { version: "lfs-1234567@0c55ced", sha256: "ab", source: "official", installed_at: 0, previous_version: null, previous_sha256: null },
          nodes: [record(1, "ok"), record(2, "failed: not whitelisted")],
          keys_backed_up: [1_790_000_000, 2],
        };
      if (cmd === "run_doctor") return doctor;
      return null;
    });
    const user = userEvent.setup();
    render(<SetupWizard onDone={() => {}} />);
    await waitFor(() => expect(document.getElementById("setup-status")).toBeInTheDocument());
    expect(document.getElementById("setup-status")).toHaveTextContent("✓ cortensord lfs-1234567@0c55ced");
    expect(document.getElementById("status-registered")).toHaveTextContent("✗ registered 1/2 · waiting for whitelisting: node 2");
    expect(document.getElementById("status-backup")).toHaveTextContent(/^✓ keys backed up/);
    await waitFor(() => expect(document.querySelector('#setup-status [data-check="docker"]')).toHaveTextContent("✗ Docker"));
    // Registering is what is left: it is the primary action; no onboarding on top of the nodes.
    expect(screen.getByRole("button", { name: "Register" })).toHaveClass("primary");
    expect(document.getElementById("step-welcome")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Add nodes" }));
    expect(document.getElementById("step-nodes")).toBeInTheDocument();
    // The check failed: its chip says so, and reached steps are clickable.
    expect(screen.getByText("⚠ System check")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "⚠ System check" }));
    expect(document.getElementById("step-check")).toBeInTheDocument();
  });
});

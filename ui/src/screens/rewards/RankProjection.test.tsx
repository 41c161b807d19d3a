import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, fireEvent } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { RankProjection, leaderboardProblem } from "./RankProjection";
import type { RankRequest } from "../../bindings/RankRequest";
import type { RankResponse } from "../../bindings/RankResponse";

const ME = "0x00000000000000000000000000000000000000e1";
const N1 = "0x1000000000000000000000000000000000000000";
const OTHER = "0x9000000000000000000000000000000000000000";

function response(myRank: number, reward: string): RankResponse {
  return {
    operator: ME,
    nodes: [{ node: N1, rank: myRank, score: 80, reward }],
    rank_rewards: reward,
    table: [
      { rank: myRank === 1 ? 2 : 1, node: OTHER, operator: "0x00000000000000000000000000000000000000f0", score: 90, reward: "50.00", limited: null },
      { rank: myRank, node: N1, operator: ME, score: 80, reward, limited: myRank === 2 ? "its operator already had 1 node in spots 1–5" : null },
    ].sort((a, b) => a.rank - b.rank),
    vacant_spots: [],
    last_rewarded_rank: 150,
    source: { location: "http://127.0.0.1/lb", from_cache: false, age_seconds: 0, warning: null },
  };
}

describe("RankProjection", () => {
  it("projects, highlights the operator's rows and reports rank rewards", async () => {
    const requests: RankRequest[] = [];
    const saved: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "get_setting") return null;
      if (cmd === "set_setting") return null;
      if (cmd === "leaderboard_address" || cmd === "set_leaderboard_address") {
        saved.push(cmd === "set_leaderboard_address" ? (args as { url: string }).url : "");
        return { network: "testnet0", url: null, origin: "none", dashboard_url: "https://dashboard-testnet0.cortensor.network", explanation: "No leaderboard address is known for testnet0." };
      }
      if (cmd !== "project_rank") return null;
      const req = (args as { request: RankRequest }).request;
      requests.push(req);
      return req.what_ifs.length ? response(1, "50.00") : response(2, "50.00");
    });
    const onRank = vi.fn();
    const user = userEvent.setup();
    render(<RankProjection onRankRewards={onRank} />);
    await user.type(screen.getByLabelText(/operator address/i), ME);
    await user.type(screen.getByLabelText(/leaderboard/i), "http://127.0.0.1/lb");
    await user.click(screen.getByRole("button", { name: "Project" }));
    await waitFor(() => expect(screen.getByText("$50.00", { selector: "#rank-rewards-total" })).toBeInTheDocument());
    expect(onRank).toHaveBeenLastCalledWith("50.00");
    const rows = screen.getAllByRole("row");
    expect(rows[2]).toHaveClass("mine");
    // A row the per-operator limits pushed down says so, with a legend.
    expect(screen.getByLabelText("limited: its operator already had 1 node in spots 1–5")).toBeInTheDocument();
    expect(document.getElementById("rank-legend")).toHaveTextContent("† placed lower than its score alone");
    expect(rows[1]).not.toHaveClass("mine");
    expect(requests[0]).toEqual({ leaderboard: "http://127.0.0.1/lb", operator: ME, what_ifs: [], local_nodes: [], others: {} });
    // The web address that worked is remembered as the network's leaderboard address.
    expect(saved).toContain("http://127.0.0.1/lb");

    // Moving the what-if slider re-projects with the override and shows the move.
    fireEvent.change(document.getElementById("whatif-slider")!, { target: { value: "95" } });
    await waitFor(() => expect(screen.getByText(/was #2/)).toBeInTheDocument());
    expect(requests[requests.length - 1].what_ifs).toEqual([{ node: N1, field: "score", value: 95 }]);
  });

  it("shows the backend's error where the user looks", async () => {
    mockIPC((cmd) => {
      if (cmd !== "project_rank") return null;
      throw { message: "operator 0xdead has no nodes on this leaderboard (2 nodes from 2 operators); check the address" };
    });
    const onRank = vi.fn();
    const user = userEvent.setup();
    render(<RankProjection onRankRewards={onRank} />);
    await user.type(screen.getByLabelText(/operator address/i), "0xdead");
    await user.type(screen.getByLabelText(/leaderboard/i), "https://backend.example/board.json");
    await user.click(screen.getByRole("button", { name: "Project" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("no nodes on this leaderboard"));
    expect(onRank).toHaveBeenLastCalledWith(null);
  });

  it("restores the saved operator and leaderboard", async () => {
    mockIPC((cmd, args) => {
      const key = (args as { key: string }).key;
      if (cmd === "get_setting") return key === "rank.operator" ? ME : "http://127.0.0.1/saved";
      return null;
    });
    render(<RankProjection onRankRewards={() => {}} />);
    await waitFor(() => expect(screen.getByLabelText(/operator address/i)).toHaveValue(ME));
    expect(screen.getByLabelText(/leaderboard/i)).toHaveValue("http://127.0.0.1/saved");
  });

  it("fills in the network's leaderboard address, or says plainly that none is known", async () => {
    mockIPC((cmd) => {
      if (cmd === "leaderboard_address")
        return { network: "testnet0", url: "https://backend.example/leaderboard", origin: "setting", dashboard_url: "https://d", explanation: "x" };
      return null;
    });
    const { unmount } = render(<RankProjection onRankRewards={() => {}} />);
    await waitFor(() => expect(screen.getByLabelText(/leaderboard/i)).toHaveValue("https://backend.example/leaderboard"));
    expect(document.getElementById("leaderboard-unknown")).toBeNull();
    unmount();

    mockIPC((cmd) => {
      if (cmd === "leaderboard_address")
        return {
          network: "testnet0",
          url: null,
          origin: "none",
          dashboard_url: "https://dashboard-testnet0.cortensor.network",
          explanation: "No leaderboard address is known for testnet0: Cortensor does not publish the JSON behind its dashboard.",
        };
      return null;
    });
    render(<RankProjection onRankRewards={() => {}} />);
    await waitFor(() => expect(document.getElementById("leaderboard-unknown")).toHaveTextContent("No leaderboard address is known for testnet0"));
    expect(screen.getByLabelText(/leaderboard/i)).toHaveValue("");
  });

  it("with nodes on this PC, projects them as yours without an operator address, named as on the Nodes screen", async () => {
    const requests: RankRequest[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "node_health") return [{ id: 1, address: N1 }];
        if (cmd !== "project_rank") return null;
        const req = (args as { request: RankRequest }).request;
        requests.push(req);
        return { ...response(2, "35.00"), operator: "your nodes", table: response(2, "35.00").table.map((r) => (r.node === N1 ? { ...r, operator: "your nodes" } : r)) };
      },
      { shouldMockEvents: true },
    );
    const user = userEvent.setup();
    render(<RankProjection onRankRewards={() => {}} />);
    await waitFor(() => expect(screen.getByLabelText(/operator address/i)).toHaveAttribute("placeholder", "your 1 node on this PC"));
    await user.type(screen.getByLabelText(/leaderboard/i), "http://127.0.0.1/lb");
    await user.click(screen.getByRole("button", { name: "Project" }));
    await waitFor(() => expect(screen.getByText("Node 1 (this PC)")).toBeInTheDocument());
    expect(requests[0]).toEqual({ leaderboard: "http://127.0.0.1/lb", operator: "", what_ifs: [], local_nodes: [N1], others: {} });
    expect(screen.getByText("Node 1 (this PC)").closest("tr")).toHaveClass("mine");
  });

  it("says under the leaderboard field what is wrong with a typed address", () => {
    expect(leaderboardProblem("")).toBeNull();
    expect(leaderboardProblem("https://backend.example/leaderboard")).toBeNull();
    // A path typed by hand: files are chosen in the dialog (the shell refuses typed paths too).
    expect(leaderboardProblem("/home/ann/board.json")).toMatch("button beside");
    expect(leaderboardProblem("board.json")).toMatch("button beside");
    expect(leaderboardProblem("C:\\Users\\ann\\board.json")).toMatch("button beside");
    expect(leaderboardProblem("https://")).toMatch("not complete");
    expect(leaderboardProblem("ftp://x.example/lb")).toMatch("https://");
    expect(leaderboardProblem("htps:/backend.example/lb")).toMatch("typo");
    expect(leaderboardProblem("backend.example/leaderboard")).toMatch("typo");
  });

  it("opens a leaderboard file through the shell's dialog and projects it by its token", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "choose_path") {
        asked.push(args);
        return [{ token: "grant:abc", name: "board.json", shown: "/home/ann/board.json" }];
      }
      if (cmd === "project_rank") {
        asked.push((args as { request: { leaderboard: string } }).request.leaderboard);
        return response(2, "35.00");
      }
      return null;
    });
    const onRank = vi.fn();
    const user = userEvent.setup();
    render(<RankProjection onRankRewards={onRank} />);
    await user.type(screen.getByLabelText(/operator address/i), ME);
    await user.click(screen.getByRole("button", { name: "Open a file…" }));
    await waitFor(() => expect(screen.getByText("board.json")).toBeInTheDocument());
    expect(screen.queryByLabelText(/leaderboard/i, { selector: "input" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Project" }));
    await waitFor(() => expect(onRank).toHaveBeenLastCalledWith("35.00"));
    expect(asked).toEqual([{ purpose: "leaderboard_file" }, "grant:abc"]);
  });

  it("projects a board it projected before again when it opens", async () => {
    let projected = 0;
    mockIPC((cmd, args) => {
      const key = (args as { key?: string }).key;
      if (cmd === "get_setting") return key === "rank.operator" ? ME : key === "rank.leaderboard" ? "http://127.0.0.1/saved" : null;
      if (cmd !== "project_rank") return null;
      projected++;
      return response(2, "35.00");
    });
    const onRank = vi.fn();
    render(<RankProjection onRankRewards={onRank} />);
    await waitFor(() => expect(onRank).toHaveBeenLastCalledWith("35.00"));
    expect(projected).toBe(1);
  });
});

// Typed calls into the Rust backend. Every request and response type is generated from the
// Rust types by ts-rs (src/bindings/, `cargo test` regenerates them); nothing here is hand-copied.
import { invoke } from "@tauri-apps/api/core";
import type { RewardsInput } from "./bindings/RewardsInput";
import type { RewardsBreakdown } from "./bindings/RewardsBreakdown";
import type { RankRequest } from "./bindings/RankRequest";
import type { RankResponse } from "./bindings/RankResponse";
import type { Ruleset } from "./bindings/Ruleset";
import type { UserError } from "./bindings/UserError";

export const computeRewards = (input: RewardsInput) => invoke<RewardsBreakdown>("compute_rewards", { input });
export const ruleset = () => invoke<Ruleset>("ruleset");
export const projectRank = (request: RankRequest) => invoke<RankResponse>("project_rank", { request });
export const getSetting = (key: string) => invoke<string | null>("get_setting", { key });
export const setSetting = (key: string, value: string) => invoke<void>("set_setting", { key, value });

/** The plain-language message of a failed command. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UserError).message);
  return String(e);
}

/** What an executor is given and how it reports back; the local and Slurm executors implement it. */
import type { MemberResult } from "./store.js";

export interface ExecutorHooks {
  /** A member process started (for the progress display). */
  onStart(key: string): void;
  /** A member ended; `result` is its result.json, or null when it wrote none (crashed, killed, store not visible). */
  onFinish(key: string, result: MemberResult | null, log: string): void;
  /** Aborting it stops the sweep: running members are stopped cleanly, nothing new starts. */
  signal: AbortSignal;
  /** When true, nothing new starts after the first failed member. */
  failFast: boolean;
}

export interface SweepExecutor {
  readonly name: "local" | "slurm";
  /** Lines for `--dry-run`: how the members would be run. */
  plan(memberCount: number): string[];
  /** Checks that need the machine (e.g. `sbatch` on the PATH); throws a SimError with exit-2 meaning. */
  check(): Promise<void>;
  /** Runs `keys` (members already written to the store), resolving when every one has ended. */
  run(store: string, keys: readonly string[], hooks: ExecutorHooks): Promise<void>;
}

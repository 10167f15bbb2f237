// Test support: detached processes that look like a run's nodes, and waiting helpers.
import { spawn } from "node:child_process";
import { isProcessAlive, isProcessGroupAlive, signalProcessGroup } from "@sim/process-tree";

/** A `sleep` in its own process group, marked with SIM_RUN_ID like a process node. */
export function spawnNodeLike(runId: string): number {
  const child = spawn("sleep", ["1000"], { detached: true, stdio: "ignore", env: { PATH: process.env.PATH ?? "", SIM_RUN_ID: runId } });
  child.unref();
  return child.pid!;
}

/** Polls `done` every 50 ms; resolves with the elapsed ms, or rejects after `timeoutMs`. */
export async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!done()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - t0;
}

/** Kills whatever of `pgids` is still alive; returns the ones that were. */
export function killLeftovers(pgids: number[]): number[] {
  const alive = pgids.filter((p) => isProcessGroupAlive(p));
  for (const p of alive) signalProcessGroup(p, "SIGKILL");
  return alive;
}

/** SIGKILLs group `pgid` and waits until it is gone (a killed process takes a moment), so that no leftover check sees it. */
export async function killGroupAndWait(pgid: number): Promise<void> {
  signalProcessGroup(pgid, "SIGKILL");
  await waitFor(`process group ${pgid} to end after SIGKILL`, () => !isProcessGroupAlive(pgid), 5000);
}

export { isProcessAlive, isProcessGroupAlive };

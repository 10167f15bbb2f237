/**
 * Test support (`@sim/process-tree/testing`): a node that tries every way of leaving
 * processes behind, unique markers for the processes a test starts, and a /proc scan
 * that finds every one of them whatever became of its parent, session or environment.
 */
import { randomInt } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** TEST FIXTURE: the node that tries every way of leaving processes behind. */
export const ESCAPER = fileURLToPath(new URL("../test/escaper.mjs", import.meta.url));

/** Escape routes of the escaper fixture, and the suffix of the process each starts. */
export const ROUTES = { setsid: 1, daemon: 2, "daemon-stdio": 3 } as const;
export type Route = keyof typeof ROUTES;

/** A marker no other process has: the escapees run `sleep <marker>.<n>`. */
export function newMarker(): string {
  return String(randomInt(100_000_000, 999_999_999));
}

/** Live processes whose command line contains `marker` as a whole argument prefix. */
export function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    let stat: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "latin1");
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue;
    }
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") continue;
    if (cmdline.split("\0").some((arg) => arg.startsWith(`${marker}.`))) found.push(Number(entry));
  }
  return found;
}

/** Processes of the routes (by their suffix) still alive. */
export function aliveRoutes(marker: string, routes: readonly Route[]): Route[] {
  const pids = markedProcesses(marker);
  const args = new Set(
    pids.flatMap((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
      } catch {
        return [];
      }
    }),
  );
  return routes.filter((r) => args.has(`${marker}.${ROUTES[r]}`));
}

/** Waits until every route's process runs (the double forks take a moment). */
export async function waitForRoutes(marker: string, routes: readonly Route[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (aliveRoutes(marker, routes).length < routes.length) {
    if (Date.now() > deadline) throw new Error(`escapees did not start: ${routes.filter((r) => !aliveRoutes(marker, routes).includes(r)).join(", ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILLs whatever carries `marker`; returns how many there were. */
export function killMarked(marker: string): number {
  const pids = markedProcesses(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return pids.length;
}

/**
 * The one stop sequence for a set of processes, whatever contains them: SIGTERM,
 * `killAfterMs` to finish, then SIGKILL until none is left or `killWaitMs` passed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { cgroupProcesses, killCgroup } from "./cgroup.js";
import { descendantsOf, isProcessAlive, processGroupMembers, signalProcess, signalProcessGroup } from "./proc.js";
import type { TerminateResult } from "./types.js";

/** How often a wait for processes to disappear looks again. */
const POLL_MS = 50;

/** How long after a SIGKILL round another is sent to what is still there (a process forking meanwhile). */
const KILL_ROUND_MS = 250;

/** What to stop: found afresh at every look, so that processes started meanwhile are included. */
export interface ProcessSet {
  /** Live processes of the set now. */
  members(): number[];
  /** Supervisors (sim-supervise) in the set: signalled instead of their descendants at first, killed last. */
  supervisors?: readonly number[];
  /** Cgroups holding the set: killed with `cgroup.kill`. */
  cgroups?: readonly string[];
  /** A process group of the set, still ours: signalled as a whole too. */
  pgid?: () => number | null;
  /** Told which processes are about to get SIGKILL (each round). */
  onKill?: (pids: readonly number[]) => void;
}

/**
 * SIGTERM to the set (a supervisor forwards it to its own descendants, so that none
 * gets it twice), up to `killAfterMs` for it to go, then SIGKILL, repeated until
 * nothing is left or `killWaitMs` passed. A supervisor is killed last: while it lives
 * every orphan below it comes back to it, where the next look finds it.
 */
export async function terminateSet(set: ProcessSet, options: { killAfterMs: number; killWaitMs: number }): Promise<TerminateResult> {
  const first = set.members();
  if (first.length === 0) return { signal: "none", gone: true };
  const supervisors = new Set((set.supervisors ?? []).filter((pid) => isProcessAlive(pid)));
  // Each process gets one SIGTERM: through its supervisor, its group, or directly.
  const skip = new Set(descendantsOf(supervisors));
  const pgid = supervisors.size === 0 ? (set.pgid?.() ?? null) : null;
  if (pgid !== null) {
    for (const pid of processGroupMembers(pgid) ?? []) skip.add(pid);
    signalProcessGroup(pgid, "SIGTERM");
  }
  for (const pid of first) if (!skip.has(pid)) signalProcess(pid, "SIGTERM");
  if (await waitEmpty(set, options.killAfterMs, first)) return { signal: "SIGTERM", gone: true };

  const deadline = performance.now() + options.killWaitMs;
  for (;;) {
    const members = set.members();
    if (members.length > 0) set.onKill?.(members);
    for (const cgroup of set.cgroups ?? []) killCgroup(cgroup);
    if (members.length === 0) return { signal: "SIGKILL", gone: true };
    const others = members.filter((pid) => !supervisors.has(pid));
    for (const pid of others.length > 0 ? others : members) signalProcess(pid, "SIGKILL");
    const group = set.pgid?.() ?? null;
    if (group !== null && others.length === members.length) signalProcessGroup(group, "SIGKILL");
    if (performance.now() >= deadline) return { signal: "SIGKILL", gone: set.members().length === 0 };
    // SIGKILL ends a process at once: look again soon, then send it again if needed.
    if (await waitEmpty(set, Math.min(KILL_ROUND_MS, Math.max(0, deadline - performance.now())), members)) return { signal: "SIGKILL", gone: true };
  }
}

/**
 * Resolves true once the set is empty, false after `timeoutMs`. A full look
 * (`members()`, a pass over /proc) is costly on a loaded machine, so in between it
 * only checks that the processes last seen, and the cgroups, still hold something;
 * only when they do not does it look again for anything started meanwhile.
 */
export async function waitEmpty(set: Pick<ProcessSet, "members" | "cgroups">, timeoutMs: number, seen: number[] = set.members()): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (seen.length === 0) return true;
    if (performance.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - performance.now())));
    const inCgroups = (set.cgroups ?? []).flatMap((dir) => cgroupProcesses(dir));
    seen = [...new Set([...seen.filter((pid) => isProcessAlive(pid)), ...inCgroups])];
    if (seen.length === 0) seen = set.members();
  }
}

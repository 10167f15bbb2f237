/**
 * Process-group helpers shared by the launcher's stop sequence and the harness's
 * reaper. On Linux group members are found in /proc so that zombies (a process that
 * exited but was never reaped, e.g. under a minimal init) do not count as alive.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Time between SIGTERM and SIGKILL. A program that handles SIGTERM (flushes its
 * results, closes sockets) is normally done within a second; 3 s leaves room on a
 * loaded machine without letting a stuck node visibly delay the end of a run, which
 * adds up over a sweep of hundreds of runs.
 */
export const SIGKILL_AFTER_MS = 3_000;

/**
 * How long to wait after SIGKILL. The kernel ends a killed process at once unless it
 * is stuck in uninterruptible I/O; waiting longer would not help, so the process is
 * reported as left over (and stays in the registry for the reaper and `sim clean`).
 */
export const KILL_WAIT_MS = 5_000;

/** How often a wait for a group to disappear looks again. */
const POLL_MS = 25;

/**
 * Live (non-zombie) members of process group `pgid`, or null where /proc is not
 * available (then only `kill(-pgid, 0)` can tell whether the group exists).
 */
export function processGroupMembers(pgid: number): number[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const members: number[] = [];
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") members.push(Number(entry));
  }
  return members;
}

/** True while any non-zombie process of group `pgid` exists. */
export function isProcessGroupAlive(pgid: number): boolean {
  const members = processGroupMembers(pgid);
  if (members !== null) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends `signal` to every process of group `pgid`; false when the group no longer exists. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true once group `pgid` has no live member, false after `timeoutMs`. */
export async function waitForProcessGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!isProcessGroupAlive(pgid)) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

export interface TerminateResult {
  /** The strongest signal that had to be sent: none (already gone), SIGTERM or SIGKILL. */
  signal: "none" | "SIGTERM" | "SIGKILL";
  /** False if a member survived even SIGKILL (e.g. stuck in uninterruptible I/O). */
  gone: boolean;
}

/**
 * SIGTERM to the whole group, then SIGKILL after `killAfterMs`, then wait up to
 * `killWaitMs` for the kernel to finish it.
 */
export async function terminateProcessGroup(
  pgid: number,
  options: { killAfterMs: number; killWaitMs: number },
): Promise<TerminateResult> {
  if (!isProcessGroupAlive(pgid)) return { signal: "none", gone: true };
  signalProcessGroup(pgid, "SIGTERM");
  if (await waitForProcessGroupExit(pgid, options.killAfterMs)) return { signal: "SIGTERM", gone: true };
  signalProcessGroup(pgid, "SIGKILL");
  return { signal: "SIGKILL", gone: await waitForProcessGroupExit(pgid, options.killWaitMs) };
}

/**
 * Processes whose initial environment carries `name=value` (Linux only; other users'
 * processes are not readable and are skipped). Finds members of a run that left
 * their process group.
 */
export function processesWithEnv(name: string, value: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = Buffer.from(`${name}=${value}\0`);
  const found: number[] = [];
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57 || Number(entry) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue;
    }
    // Match at the start of an entry only (after a NUL or at offset 0).
    let at = environ.indexOf(needle);
    while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(needle, at + 1);
    if (at === -1) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.state !== "Z" && stat.state !== "X") found.push(Number(entry));
  }
  return found;
}

/**
 * When process `pid` started (clock ticks since boot, Linux), or null when unknown.
 * Tells a process apart from a later one that was given the same pid.
 */
export function processStartTime(pid: number): number | null {
  return readStat(pid)?.startTime ?? null;
}

/** True when process `pid` exists (a zombie counts as gone). */
export function isProcessAlive(pid: number): boolean {
  const stat = readStat(pid);
  if (stat) return stat.state !== "Z" && stat.state !== "X";
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readStat(pid: number): { state: string; pgrp: number; startTime: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  return { state: fields[0] ?? "", pgrp: Number(fields[2]), startTime: Number(fields[19]) };
}

export { RUN_ID_ENV } from "./environment.js";

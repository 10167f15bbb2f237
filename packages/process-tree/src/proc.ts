/**
 * Reading processes from Linux's /proc. Zombies (a process that exited but was not
 * reaped yet, e.g. under a minimal init) never count as alive. Where /proc is missing
 * (macOS and other systems) the functions say so (null) or fall back to kill(2).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** One line of /proc/<pid>/stat, the fields this package needs. */
export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks since boot: tells a process from a later one given the same pid. */
  startTime: number;
}

/** /proc/<pid>/stat, or null when the process does not exist (or /proc is missing). */
export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid, state: fields[0] ?? "", ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime: Number(fields[19]) };
}

const isLive = (stat: ProcStat): boolean => stat.state !== "Z" && stat.state !== "X";

/** Pids in /proc, or null where there is no /proc. */
function pids(): number[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const found: number[] = [];
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c >= 48 && c <= 57) found.push(Number(entry));
  }
  return found;
}

/** Every live (non-zombie) process, from one pass over /proc; null where there is no /proc. */
export function liveProcesses(): ProcStat[] | null {
  const all = pids();
  if (all === null) return null;
  const live: ProcStat[] = [];
  for (const pid of all) {
    const stat = readStat(pid);
    if (stat !== null && isLive(stat)) live.push(stat);
  }
  return live;
}

/** When process `pid` started (clock ticks since boot, Linux), or null when unknown. */
export function processStartTime(pid: number): number | null {
  return readStat(pid)?.startTime ?? null;
}

/** True when process `pid` exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  const stat = readStat(pid);
  if (stat) return isLive(stat);
  if (pids() !== null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Live members of process group `pgid`, or null where there is no /proc. */
export function processGroupMembers(pgid: number): number[] | null {
  const live = liveProcesses();
  return live === null ? null : live.filter((p) => p.pgrp === pgid).map((p) => p.pid);
}

/** True while any live process of group `pgid` exists. */
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

/**
 * Sends `signal` to every process of group `pgid`. False when the group no longer
 * exists (ESRCH) or may not be signalled (EPERM: then it is not ours to stop).
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  return sendSignal(-pgid, signal);
}

/** Sends `signal` to process `pid`; false when it is gone or may not be signalled. */
export function signalProcess(pid: number, signal: NodeJS.Signals | 0): boolean {
  return sendSignal(pid, signal);
}

function sendSignal(target: number, signal: NodeJS.Signals | 0): boolean {
  if (target === 0 || target === -1 || target === process.pid || target === -process.pid) return false;
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
}

/** Every live descendant of the processes `roots` (not the roots themselves), from one /proc snapshot. */
export function descendantsOf(roots: Iterable<number>, live: ProcStat[] | null = liveProcesses()): number[] {
  if (live === null) return [];
  const children = new Map<number, number[]>();
  for (const p of live) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found: number[] = [];
  const seen = new Set<number>();
  const todo = [...roots];
  while (todo.length > 0) {
    for (const child of children.get(todo.pop()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push(child);
      todo.push(child);
    }
  }
  return found;
}

/**
 * Live processes whose initial environment holds every `name=value` of `marks`
 * (Linux; other users' processes cannot be read and are skipped). Finds processes
 * of a run that left its process group and tree, unless they scrubbed their
 * environment.
 */
export function processesWithEnv(marks: Readonly<Record<string, string>>): number[] {
  const all = pids();
  if (all === null) return [];
  const needles = Object.entries(marks).map(([name, value]) => Buffer.from(`${name}=${value}\0`));
  const found: number[] = [];
  for (const pid of all) {
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    if (!needles.every((needle) => hasEntry(environ, needle))) continue;
    const stat = readStat(pid);
    if (stat !== null && isLive(stat)) found.push(pid);
  }
  return found;
}

/** True when `environ` (NUL-separated) has an entry starting with `needle`. */
function hasEntry(environ: Buffer, needle: Buffer): boolean {
  let at = environ.indexOf(needle);
  // Match at the start of an entry only (offset 0 or after a NUL).
  while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(needle, at + 1);
  return at !== -1;
}

/** The command line of `pid` (NUL-separated arguments), or "" when unreadable. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return "";
  }
}

/**
 * What one of our own file descriptors is, as /proc shows it (`pipe:[1234]`), or
 * null when unknown.
 */
export function ownDescriptor(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

/**
 * Live processes other than this one holding a descriptor that /proc shows as one
 * of `links` (e.g. `pipe:[1234]`): whoever inherited a node's stdio pipes. One pass
 * over every descriptor of every readable process: call it rarely.
 */
export function holdersOf(links: ReadonlySet<string>): number[] {
  if (links.size === 0) return [];
  const all = pids();
  if (all === null) return [];
  const found: number[] = [];
  for (const pid of all) {
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (links.has(link)) {
        const stat = readStat(pid);
        if (stat !== null && isLive(stat)) found.push(pid);
        break;
      }
    }
  }
  return found;
}

/**
 * Every process of a run, found without asking the launchers: what the harness
 * checks after a run, what the reaper stops after a crash, what `sim clean` removes.
 */
import { cgroupProcesses, findRunCgroups, removeCgroup } from "./cgroup.js";
import { RUN_ID_ENV } from "./constants.js";
import { commandLine, descendantsOf, liveProcesses, processesWithEnv, type ProcStat } from "./proc.js";
import { terminateSet } from "./terminate.js";
import type { TerminateResult } from "./types.js";

export interface RunSearchOptions {
  /** Never count these (e.g. the run's reaper). */
  exclude?: readonly number[];
  /**
   * Where the run's cgroup is looked for: below our own cgroup only (the harness that
   * created it), or anywhere in the hierarchy (default; `sim clean`, another process).
   */
  cgroups?: "own" | "anywhere";
}

/** A process a launcher recorded for the run (see the run registry). */
export interface RecordedProcess {
  pid: number;
  pgid: number;
  /** Start time (clock ticks since boot) when recorded; null when unknown. */
  startTime: number | null;
}

/** The live processes of a run and where they were found. */
export interface RunProcesses {
  /** Every live process of the run, sorted. */
  pids: number[];
  /** The run's cgroups (containment `cgroup`), whether or not anything is left in them. */
  cgroups: string[];
  /** Recorded processes that are supervisors (containment `subreaper`), still alive. */
  supervisors: number[];
}

/**
 * Is recorded group `p.pgid` still the run's? Its leader with the recorded start time,
 * or any member carrying the run's id. (A group's id cannot be reused while it has a
 * member, but once empty, a new process may be given the same id.)
 */
function groupIsOurs(p: RecordedProcess, members: ProcStat[], marked: ReadonlySet<number>): boolean {
  if (members.length === 0) return false;
  if (p.startTime !== null && members.some((m) => m.pid === p.pid && m.startTime === p.startTime)) return true;
  return members.some((m) => marked.has(m.pid));
}

/**
 * The live processes of run `runId`: everything in its cgroup (wherever it is), every
 * process whose environment carries `SIM_RUN_ID=<runId>`, every recorded process
 * still running with its recorded start time, the members of recorded process groups
 * that are still the run's, and every descendant of any of these. Only the cgroup
 * sees a process that also scrubbed its environment and left the tree; see
 * docs/reliability.md for what each platform can see.
 */
export function findRunProcesses(runId: string, recorded: readonly RecordedProcess[] = [], options: RunSearchOptions = {}): RunProcesses {
  const cgroups = findRunCgroups(runId, options.cgroups ?? "anywhere");
  const found = new Set<number>();
  for (const dir of cgroups) for (const pid of cgroupProcesses(dir)) found.add(pid);
  const live = liveProcesses();
  const marked = new Set(processesWithEnv({ [RUN_ID_ENV]: runId }));
  for (const pid of marked) found.add(pid);
  const supervisors: number[] = [];
  if (live !== null) {
    const byPid = new Map(live.map((p) => [p.pid, p]));
    for (const p of recorded) {
      const self = byPid.get(p.pid);
      if (self !== undefined && p.startTime !== null && self.startTime === p.startTime) {
        found.add(p.pid);
        if (isSupervisor(p.pid)) supervisors.push(p.pid);
      }
      const members = live.filter((m) => m.pgrp === p.pgid);
      if (groupIsOurs(p, members, marked)) for (const m of members) found.add(m.pid);
    }
    for (const pid of descendantsOf([...found], live)) found.add(pid);
  }
  found.delete(process.pid);
  for (const pid of options.exclude ?? []) found.delete(pid);
  return { pids: [...found].sort((a, b) => a - b), cgroups, supervisors };
}

/** True when `pid` runs sim-supervise (containment `subreaper`). */
export function isSupervisor(pid: number): boolean {
  return commandLine(pid).includes("sim-supervise.py\0");
}

/**
 * Stops every process of run `runId` (as `findRunProcesses` finds them, afresh at
 * every look), then removes the run's cgroups. `gone` is false if any survived;
 * `pids` is what was found at first, `killed` what needed SIGKILL.
 */
export async function terminateRun(
  runId: string,
  recorded: readonly RecordedProcess[],
  options: RunSearchOptions & { killAfterMs: number; killWaitMs: number },
): Promise<TerminateResult & { pids: number[]; killed: number[] }> {
  const first = findRunProcesses(runId, recorded, options);
  const killed = new Set<number>();
  const result = await terminateSet(
    {
      members: () => findRunProcesses(runId, recorded, options).pids,
      supervisors: first.supervisors,
      cgroups: first.cgroups,
      onKill: (pids) => pids.forEach((pid) => killed.add(pid)),
    },
    options,
  );
  if (result.gone) for (const dir of first.cgroups) removeCgroup(dir);
  return { ...result, pids: first.pids, killed: [...killed].sort((a, b) => a - b) };
}

/** Removes the run's cgroups if they are empty; false while a process is left in one. */
export function removeRunCgroups(runId: string, where: "own" | "anywhere" = "anywhere"): boolean {
  return findRunCgroups(runId, where).every((dir) => removeCgroup(dir));
}

/**
 * Removes what one run left behind: every process of the run (its recorded process
 * groups, its cgroup, processes marked with its run id, and their descendants: see
 * `findRunProcesses` in @sim/process-tree), the work folders of those processes, and
 * its containers and networks (listed in the record or labelled `sim.run-id`). Used
 * by the reaper after the harness died, and by `sim clean`.
 */
import { lstatSync, rmSync } from "node:fs";
import { basename, isAbsolute } from "node:path";
import { findRunProcesses, liveProcesses, processesWithEnv, RUN_ID_ENV, terminateRun } from "@sim/process-tree";
import type { RecordedProcess, RunRecord } from "../resources/run-record.js";
import { listRunContainers, listRunNetworks, removeContainer, removeNetwork } from "./docker-api.js";

export type ProcessOutcome =
  | "gone" // nothing left to do
  | "terminated" // ended by SIGTERM
  | "killed" // needed SIGKILL
  | "survived" // still there after SIGKILL
  | "not-ours" // the pid now belongs to another program: left alone
  | "would-stop"; // dry run

export type DockerOutcome = "removed" | "gone" | "failed" | "would-remove";

export type FolderOutcome =
  | DockerOutcome
  | "kept" // its process survived: the folder stays with it
  | "refused"; // not a folder sim makes (see isWorkDirPath): never removed

export interface ReapReport {
  runId: string;
  processes: { node: string; pid: number; pgid: number; outcome: ProcessOutcome }[];
  /**
   * Other processes of the run: outside every recorded process group (a setsid child,
   * a double-forked daemon), found in the run's cgroup, by the run id in their
   * environment, or below a recorded process.
   */
  strays: { pid: number; outcome: ProcessOutcome }[];
  containers: { id: string; dockerHost: string | null; outcome: DockerOutcome; error?: string }[];
  networks: { id: string; dockerHost: string | null; outcome: DockerOutcome; error?: string }[];
  /** The recorded processes' work folders (a Renode or QEMU node's sockets and pid files). */
  folders: { path: string; outcome: FolderOutcome; error?: string }[];
  /** Docker engines that could not be asked (unreachable, unsupported address). */
  errors: string[];
  /** True when nothing of the run is known to remain. */
  clean: boolean;
}

export interface ReapOptions {
  dryRun?: boolean;
  /** SIGTERM -> SIGKILL delay. */
  killAfterMs: number;
  /** How long to wait after SIGKILL. */
  killWaitMs: number;
  /** Also ask Docker engines (default true). */
  docker?: boolean;
  /** Processes never to count as the run's (the reaper itself). */
  exclude?: readonly number[];
}

/**
 * Is group `p.pgid` still the one the run started? Its leader with the recorded start
 * time, or any member carrying the run's marker. Without /proc there is no way to
 * tell, and the record is trusted.
 */
function groupState(p: RecordedProcess, runId: string): { members: number[]; ours: boolean } {
  const live = liveProcesses();
  if (live === null) return { members: [p.pgid], ours: true };
  const members = live.filter((m) => m.pgrp === p.pgid);
  if (members.length === 0) return { members: [], ours: false };
  if (p.startTime !== null && members.some((m) => m.pid === p.pid && m.startTime === p.startTime)) return { members: members.map((m) => m.pid), ours: true };
  const marked = new Set(processesWithEnv({ [RUN_ID_ENV]: runId }));
  return { members: members.map((m) => m.pid), ours: members.some((m) => marked.has(m.pid)) };
}

export async function reapRun(record: RunRecord, options: ReapOptions): Promise<ReapReport> {
  const report: ReapReport = { runId: record.runId, processes: [], strays: [], containers: [], networks: [], folders: [], errors: [], clean: true };
  const dryRun = options.dryRun ?? false;

  const reapProcesses = async (): Promise<void> => {
    // Which recorded groups are still the run's, before anything is signalled.
    const groups = record.processes.map((p) => ({ p, ...groupState(p, record.runId) }));
    const ours = groups.filter((g) => g.ours).map((g) => g.p);
    const found = findRunProcesses(record.runId, ours, { exclude: options.exclude }).pids;
    const inGroups = new Set(groups.filter((g) => g.ours).flatMap((g) => g.members));
    const strays = found.filter((pid) => !inGroups.has(pid));
    if (dryRun) {
      for (const g of groups) report.processes.push({ node: g.p.node, pid: g.p.pid, pgid: g.p.pgid, outcome: g.members.length === 0 ? "gone" : g.ours ? "would-stop" : "not-ours" });
      for (const pid of strays) report.strays.push({ pid, outcome: "would-stop" });
      return;
    }
    // Everything at once: one SIGTERM round, one grace period, then SIGKILL.
    const result = await terminateRun(record.runId, ours, { killAfterMs: options.killAfterMs, killWaitMs: options.killWaitMs, exclude: options.exclude });
    const killed = new Set(result.killed);
    const left = new Set(result.gone ? [] : findRunProcesses(record.runId, ours, { exclude: options.exclude }).pids);
    const outcome = (pids: number[]): ProcessOutcome =>
      pids.some((pid) => left.has(pid)) ? "survived" : pids.some((pid) => killed.has(pid)) ? "killed" : "terminated";
    for (const g of groups) {
      report.processes.push({ node: g.p.node, pid: g.p.pid, pgid: g.p.pgid, outcome: g.members.length === 0 ? "gone" : g.ours ? outcome(g.members) : "not-ours" });
    }
    for (const pid of strays) report.strays.push({ pid, outcome: outcome([pid]) });
  };

  await Promise.all([reapProcesses(), options.docker === false ? undefined : reapDocker(record, dryRun, report)]);
  // After the processes: a folder is removed only once nothing of its process is left.
  const survived = new Set(report.processes.filter((p) => p.outcome === "survived" || p.outcome === "would-stop").map((p) => p.pid));
  const folders = new Map<string, boolean>();
  for (const p of record.processes) if (p.workDir !== undefined) folders.set(p.workDir, (folders.get(p.workDir) ?? false) || survived.has(p.pid));
  for (const [path, kept] of folders) report.folders.push({ path, ...removeWorkDir(path, kept, dryRun) });
  report.processes.sort((a, b) => a.pid - b.pid);
  report.strays.sort((a, b) => a.pid - b.pid);
  report.clean =
    report.errors.length === 0 &&
    [...report.processes, ...report.strays].every((p) => p.outcome !== "survived" && p.outcome !== "would-stop") &&
    [...report.containers, ...report.networks, ...report.folders].every((r) => r.outcome === "removed" || r.outcome === "gone" || r.outcome === "refused");
  return report;
}

/**
 * True for a folder sim's launchers make: an absolute path whose name starts with
 * "sim-" (mkdtemp in the temporary folder). A registry file is plain JSON in the
 * state folder; whatever it says, nothing else is ever deleted.
 */
export function isWorkDirPath(path: string): boolean {
  return isAbsolute(path) && basename(path).startsWith("sim-");
}

function removeWorkDir(path: string, kept: boolean, dryRun: boolean): { outcome: FolderOutcome; error?: string } {
  if (!isWorkDirPath(path)) return { outcome: "refused" };
  let isFolder: boolean;
  try {
    // lstat: a symbolic link in its place is not followed, and not the folder that was made.
    isFolder = lstatSync(path).isDirectory();
  } catch {
    return { outcome: "gone" };
  }
  if (!isFolder) return { outcome: "refused" };
  if (kept) return { outcome: "kept" };
  if (dryRun) return { outcome: "would-remove" };
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    return { outcome: "removed" };
  } catch (err) {
    return { outcome: "failed", error: (err as Error).message };
  }
}

/** Every engine the run used: the local one, plus each remote `docker_host` in the record. */
export function dockerHostsOf(record: RunRecord): (string | null)[] {
  const hosts = new Set<string | null>([record.localDockerHost]);
  for (const r of [...record.containers, ...record.networks]) hosts.add(r.dockerHost ?? record.localDockerHost);
  return [...hosts];
}

async function reapDocker(record: RunRecord, dryRun: boolean, report: ReapReport): Promise<void> {
  const byHost = new Map<string | null, { containers: Set<string>; networks: Set<string> }>();
  for (const host of dockerHostsOf(record)) byHost.set(host, { containers: new Set(), networks: new Set() });
  for (const c of record.containers) byHost.get(c.dockerHost ?? record.localDockerHost)!.containers.add(c.id);
  for (const n of record.networks) byHost.get(n.dockerHost ?? record.localDockerHost)!.networks.add(n.id);
  const recorded = record.containers.length + record.networks.length;

  await Promise.all(
    [...byHost].map(async ([host, wanted]) => {
      try {
        for (const c of await listRunContainers(host, record.runId)) wanted.containers.add(c.id);
        for (const n of await listRunNetworks(host, record.runId)) wanted.networks.add(n.id);
      } catch (err) {
        // A run that never used Docker should not report an engine that is simply not installed.
        if (recorded > 0) report.errors.push((err as Error).message);
        return;
      }
      await removeDockerResources(host, wanted, dryRun, report);
    }),
  );
}

/** Removes containers first (a network in use cannot be removed), then networks. */
export async function removeDockerResources(
  host: string | null,
  wanted: { containers: Iterable<string>; networks: Iterable<string> },
  dryRun: boolean,
  report: Pick<ReapReport, "containers" | "networks">,
): Promise<void> {
  await Promise.all(
    [...wanted.containers].map(async (id) => {
      if (dryRun) return void report.containers.push({ id, dockerHost: host, outcome: "would-remove" });
      try {
        report.containers.push({ id, dockerHost: host, outcome: await removeContainer(host, id) });
      } catch (err) {
        report.containers.push({ id, dockerHost: host, outcome: "failed", error: (err as Error).message });
      }
    }),
  );
  for (const id of wanted.networks) {
    if (dryRun) {
      report.networks.push({ id, dockerHost: host, outcome: "would-remove" });
      continue;
    }
    try {
      report.networks.push({ id, dockerHost: host, outcome: await removeNetwork(host, id) });
    } catch (err) {
      report.networks.push({ id, dockerHost: host, outcome: "failed", error: (err as Error).message });
    }
  }
}

/** What is still listed after a reap: entries that could not be removed. */
export function remainingRecord(record: RunRecord, report: ReapReport): RunRecord {
  const left = new Set<ProcessOutcome>(["survived", "would-stop"]);
  const failed = (outcome: FolderOutcome): boolean => outcome === "failed" || outcome === "would-remove";
  const pids = new Set(report.processes.filter((p) => left.has(p.outcome)).map((p) => p.pid));
  // A process whose folder is still there stays listed, so that the next reap removes the folder.
  const folders = new Set(report.folders.filter((f) => failed(f.outcome)).map((f) => f.path));
  const containers = new Set(report.containers.filter((c) => failed(c.outcome)).map((c) => c.id));
  const networks = new Set(report.networks.filter((n) => failed(n.outcome)).map((n) => n.id));
  const listed = (id: string, list: { id: string }[]): boolean => list.some((r) => r.id === id);
  return {
    ...record,
    processes: record.processes.filter((p) => pids.has(p.pid) || (p.workDir !== undefined && folders.has(p.workDir))),
    containers: [
      ...record.containers.filter((c) => containers.has(c.id)),
      ...report.containers
        .filter((c) => failed(c.outcome) && !listed(c.id, record.containers))
        .map((c) => ({ node: "", id: c.id, dockerHost: c.dockerHost })),
    ],
    networks: [
      ...record.networks.filter((n) => networks.has(n.id)),
      ...report.networks
        .filter((n) => failed(n.outcome) && !listed(n.id, record.networks))
        .map((n) => ({ name: "", id: n.id, dockerHost: n.dockerHost })),
    ],
  };
}

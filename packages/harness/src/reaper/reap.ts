/**
 * Removes what one run left behind: its process groups, processes marked with its
 * run id, and its containers and networks (listed in the record or labelled
 * `sim.run-id`). Used by the reaper after the harness died, and by `sim clean`.
 */
import {
  isProcessAlive,
  processesWithEnv,
  processGroupMembers,
  processStartTime,
  RUN_ID_ENV,
  terminateProcessGroup,
} from "@sim/launcher-process/process-group";
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

export interface ReapReport {
  runId: string;
  processes: { node: string; pid: number; pgid: number; outcome: ProcessOutcome }[];
  /** Processes carrying the run's SIM_RUN_ID that had left their process group. */
  strays: { pid: number; outcome: ProcessOutcome }[];
  containers: { id: string; dockerHost: string | null; outcome: DockerOutcome; error?: string }[];
  networks: { id: string; dockerHost: string | null; outcome: DockerOutcome; error?: string }[];
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
}

/**
 * Is group `p.pgid` still the one the run started? Its leader with the recorded start
 * time, or any member carrying the run's marker. Without /proc there is no way to
 * tell, and the record is trusted.
 */
function isOurs(p: RecordedProcess, runId: string): boolean {
  const members = processGroupMembers(p.pgid);
  if (members === null) return true;
  if (members.length === 0) return false;
  if (p.startTime !== null && members.includes(p.pid) && processStartTime(p.pid) === p.startTime) return true;
  const marked = new Set(processesWithEnv(RUN_ID_ENV, runId));
  return members.some((pid) => marked.has(pid));
}

export async function reapRun(record: RunRecord, options: ReapOptions): Promise<ReapReport> {
  const report: ReapReport = { runId: record.runId, processes: [], strays: [], containers: [], networks: [], errors: [], clean: true };
  const dryRun = options.dryRun ?? false;

  const groups = record.processes.map(async (p): Promise<void> => {
    let outcome: ProcessOutcome;
    const members = processGroupMembers(p.pgid);
    if (members !== null && members.length === 0) outcome = "gone";
    else if (!isOurs(p, record.runId)) outcome = "not-ours";
    else if (dryRun) outcome = "would-stop";
    else {
      const r = await terminateProcessGroup(p.pgid, options);
      outcome = !r.gone ? "survived" : r.signal === "SIGKILL" ? "killed" : r.signal === "SIGTERM" ? "terminated" : "gone";
    }
    report.processes.push({ node: p.node, pid: p.pid, pgid: p.pgid, outcome });
  });

  const strays = async (): Promise<void> => {
    // After the groups: whatever still carries the run id escaped its group (setsid, double fork).
    await Promise.all(groups);
    const pids = processesWithEnv(RUN_ID_ENV, record.runId);
    await Promise.all(
      pids.map(async (pid) => {
        if (dryRun) return void report.strays.push({ pid, outcome: "would-stop" });
        report.strays.push({ pid, outcome: await terminateProcess(pid, options) });
      }),
    );
  };

  await Promise.all([strays(), options.docker === false ? undefined : reapDocker(record, dryRun, report)]);
  report.processes.sort((a, b) => a.pid - b.pid);
  report.strays.sort((a, b) => a.pid - b.pid);
  report.clean =
    report.errors.length === 0 &&
    [...report.processes, ...report.strays].every((p) => p.outcome !== "survived" && p.outcome !== "would-stop") &&
    [...report.containers, ...report.networks].every((r) => r.outcome === "removed" || r.outcome === "gone");
  return report;
}

async function terminateProcess(pid: number, options: ReapOptions): Promise<ProcessOutcome> {
  const wait = async (ms: number): Promise<boolean> => {
    const deadline = performance.now() + ms;
    while (isProcessAlive(pid)) {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
    return true;
  };
  if (!isProcessAlive(pid)) return "gone";
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return "gone";
  }
  if (await wait(options.killAfterMs)) return "terminated";
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return "killed";
  }
  return (await wait(options.killWaitMs)) ? "killed" : "survived";
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
  const failed = (outcome: DockerOutcome): boolean => outcome === "failed" || outcome === "would-remove";
  const pids = new Set(report.processes.filter((p) => left.has(p.outcome)).map((p) => p.pid));
  const containers = new Set(report.containers.filter((c) => failed(c.outcome)).map((c) => c.id));
  const networks = new Set(report.networks.filter((n) => failed(n.outcome)).map((n) => n.id));
  const listed = (id: string, list: { id: string }[]): boolean => list.some((r) => r.id === id);
  return {
    ...record,
    processes: record.processes.filter((p) => pids.has(p.pid)),
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

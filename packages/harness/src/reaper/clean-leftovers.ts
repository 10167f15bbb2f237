/**
 * `sim clean`: removes what earlier runs left behind. A run is stale when the
 * harness that wrote its registry file is gone; everything its file lists (and
 * everything labelled with its run id) is removed. Containers and networks labelled
 * `sim.run-id` that no registry file of this machine lists are removed only when
 * asked (`unlisted`): on an engine shared with other people they may belong to a
 * run that is alive on another machine.
 */
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive, KILL_WAIT_MS, processStartTime, SIGKILL_AFTER_MS } from "@sim/process-tree";
import { readRunRecord, type RunRecord } from "../resources/run-record.js";
import { runsDir } from "../resources/state-dir.js";
import { listRunContainers, listRunNetworks } from "./docker-api.js";
import { dockerHostsOf, reapRun, remainingRecord, removeDockerResources, type ReapReport } from "./reap.js";

export interface CleanLeftoversOptions {
  /** sim's state folder (see `defaultStateDir`). */
  stateDir: string;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /** The local Docker engine (null: the default socket). */
  localDockerHost?: string | null;
  /** Ask Docker engines at all (default true). */
  docker?: boolean;
  /**
   * Also remove labelled containers and networks that no registry file lists
   * (default false). On an engine shared with other users, their runs are unlisted
   * here too, alive or not: preview with `dryRun` first.
   */
  unlisted?: boolean;
  /** Only these runs (default: every run found). */
  runIds?: readonly string[];
}

export interface StaleRun extends ReapReport {
  file: string;
  harnessPid: number;
  createdAt: string;
  /** The registry file was deleted (everything it listed is gone). */
  fileRemoved: boolean;
}

export interface CleanReport {
  dryRun: boolean;
  /** Runs whose harness is still running: left alone. */
  activeRuns: string[];
  staleRuns: StaleRun[];
  /** Labelled containers and networks of dead runs that no registry file listed. */
  unlisted: Pick<ReapReport, "containers" | "networks">;
  /** Registry files that could not be read (left in place). */
  unreadable: string[];
  /** Docker engines that could not be asked. */
  errors: string[];
}

/** True while the harness that wrote `record` is running (same pid and start time). */
export function isRunAlive(record: RunRecord): boolean {
  const { pid, startTime } = record.harness;
  return isProcessAlive(pid) && (startTime === null || processStartTime(pid) === startTime);
}

export async function cleanLeftovers(options: CleanLeftoversOptions): Promise<CleanReport> {
  const dryRun = options.dryRun ?? false;
  const docker = options.docker ?? true;
  const report: CleanReport = { dryRun, activeRuns: [], staleRuns: [], unlisted: { containers: [], networks: [] }, unreadable: [], errors: [] };
  const dir = runsDir(options.stateDir);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  } catch {
    // No state folder yet: nothing was ever recorded.
  }

  const stale: { file: string; record: RunRecord }[] = [];
  const hosts = new Set<string | null>([options.localDockerHost ?? null]);
  for (const name of files) {
    const file = join(dir, name);
    const record = readRunRecord(file);
    if (record === null) {
      report.unreadable.push(file);
      continue;
    }
    if (options.runIds && !options.runIds.includes(record.runId)) continue;
    for (const host of dockerHostsOf(record)) hosts.add(host);
    if (isRunAlive(record)) report.activeRuns.push(record.runId);
    else stale.push({ file, record });
  }

  report.staleRuns = await Promise.all(
    stale.map(async ({ file, record }): Promise<StaleRun> => {
      const reaped = await reapRun(record, { dryRun, docker, killAfterMs: SIGKILL_AFTER_MS, killWaitMs: KILL_WAIT_MS });
      let fileRemoved = false;
      if (!dryRun) {
        if (reaped.clean) {
          rmSync(file, { force: true });
          fileRemoved = true;
        } else {
          writeFileSync(file, JSON.stringify(remainingRecord(record, reaped), null, 2));
        }
      }
      report.errors.push(...reaped.errors);
      return { ...reaped, file, harnessPid: record.harness.pid, createdAt: record.createdAt, fileRemoved };
    }),
  );

  if (docker && (options.unlisted ?? false)) {
    const active = new Set(report.activeRuns);
    const handled = new Set(report.staleRuns.flatMap((r) => [...r.containers, ...r.networks].map((x) => x.id)));
    await Promise.all(
      [...hosts].map(async (host) => {
        let containers, networks;
        try {
          containers = await listRunContainers(host);
          networks = await listRunNetworks(host);
        } catch (err) {
          report.errors.push((err as Error).message);
          return;
        }
        const orphan = (r: { id: string; runId: string }): boolean =>
          !active.has(r.runId) && !handled.has(r.id) && (!options.runIds || options.runIds.includes(r.runId));
        await removeDockerResources(
          host,
          { containers: containers.filter(orphan).map((c) => c.id), networks: networks.filter(orphan).map((n) => n.id) },
          dryRun,
          report.unlisted,
        );
      }),
    );
  }
  report.errors = [...new Set(report.errors)];
  return report;
}

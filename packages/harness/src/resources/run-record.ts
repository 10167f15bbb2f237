/**
 * The on-disk record of one run's external resources: what the reaper and
 * `sim clean` remove when the harness could not.
 */
import { readFileSync } from "node:fs";

export const RUN_RECORD_VERSION = 1;

export interface RecordedProcess {
  node: string;
  pid: number;
  pgid: number;
  /** Start time of `pid` (clock ticks since boot, Linux), to tell it apart from a later process with the same pid. */
  startTime: number | null;
  /** A temporary folder of the process (a launcher's work folder), removed once the process is gone. */
  workDir?: string;
}

export interface RecordedContainer {
  node: string;
  id: string;
  dockerHost: string | null;
}

export interface RecordedNetwork {
  name: string;
  id: string;
  dockerHost: string | null;
}

export interface RunRecord {
  version: typeof RUN_RECORD_VERSION;
  runId: string;
  harness: { pid: number; startTime: number | null };
  createdAt: string;
  /** Docker engine used for `dockerHost: null` entries; null: the default local socket. */
  localDockerHost: string | null;
  processes: RecordedProcess[];
  containers: RecordedContainer[];
  networks: RecordedNetwork[];
}

/** Reads a registry file; null when it is missing or not a run record (e.g. half written by a crashed tool). */
export function readRunRecord(file: string): RunRecord | null {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  const r = data as Partial<RunRecord> | null;
  if (
    r === null ||
    typeof r !== "object" ||
    r.version !== RUN_RECORD_VERSION ||
    typeof r.runId !== "string" ||
    typeof r.harness?.pid !== "number" ||
    !Array.isArray(r.processes) ||
    !Array.isArray(r.containers) ||
    !Array.isArray(r.networks)
  ) {
    return null;
  }
  return r as RunRecord;
}

/** True when nothing is listed. */
export function isEmptyRecord(record: RunRecord): boolean {
  return record.processes.length === 0 && record.containers.length === 0 && record.networks.length === 0;
}

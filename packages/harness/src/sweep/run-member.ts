/**
 * Runs one member of a sweep from its member.json, in whatever process the
 * executor started (a local child, a Slurm task): the one code path every
 * executor shares. The member's outputs are a normal run folder; result.json is
 * written last.
 */
import { hostname } from "node:os";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { SimError } from "@sim/config";
import { defaultLaunchers } from "../launchers.js";
import { OUTPUT_FILES } from "../outputs.js";
import { runScenario } from "../run-scenario.js";
import { MEMBER_FILES, memberDir, readMemberSpec, writeMemberResult, type MemberResult } from "./store.js";

export interface RunMemberOptions {
  signal?: AbortSignal;
  /** sim's state folder (run registry). */
  stateDir?: string;
  /** Environment the launchers see (process nodes inherit PATH and HOME from it). */
  env?: Readonly<Record<string, string | undefined>>;
  /** RunOptions.traceThread: false when members run side by side (the local executor's `--jobs` > 1). */
  traceThread?: boolean | "auto";
}

/** Thrown when the store holds no member.json for the key: nothing to run. */
export class MemberNotFoundError extends SimError {
  constructor(store: string, key: string) {
    super("SIM_SWEEP_MEMBER_NOT_FOUND", `no member ${key} in the sweep store ${store} (is the store on a filesystem this machine shares?)`);
  }
}

export async function runMember(store: string, key: string, options: RunMemberOptions = {}): Promise<MemberResult> {
  const spec = await readMemberSpec(store, key);
  if (spec === null) throw new MemberNotFoundError(store, key);
  const dir = memberDir(store, key);
  await clearOutputs(dir);
  const started = performance.now();
  let result: MemberResult;
  try {
    const run = await runScenario(spec.scenario, {
      set: spec.overrides,
      seed: spec.seed,
      outDir: dir,
      keepTrace: spec.keep_trace,
      signal: options.signal,
      stateDir: options.stateDir,
      launchers: defaultLaunchers({ env: options.env ?? process.env }),
      ...(options.traceThread === undefined ? {} : { traceThread: options.traceThread }),
    });
    const summary = run.summary;
    result = {
      key,
      status: run.interrupted ? "interrupted" : run.success ? "succeeded" : "failed",
      digest: run.digest,
      wall_sec: seconds(started),
      cpu_sec: processCpuSeconds(),
      error: summary?.error ?? (summary && !summary.success ? { code: "SIM_LEFTOVERS", message: `${summary.cleanup.leftovers.length} resource(s) left after the run`, node: null } : null),
      host: hostname(),
      finished_at: new Date().toISOString(),
    };
  } catch (error) {
    const interrupted = error instanceof SimError && error.code === "SIM_INTERRUPTED";
    result = {
      key,
      status: interrupted ? "interrupted" : "failed",
      digest: null,
      wall_sec: seconds(started),
      cpu_sec: processCpuSeconds(),
      error: { code: error instanceof SimError ? error.code : "SIM_INTERNAL", message: error instanceof Error ? error.message : String(error), node: null },
      host: hostname(),
      finished_at: new Date().toISOString(),
    };
  }
  await writeMemberResult(store, result);
  return result;
}

/** A re-run starts from a clean folder (its spec and runner log stay). */
async function clearOutputs(dir: string): Promise<void> {
  const stale = [MEMBER_FILES.result, ...Object.values(OUTPUT_FILES)];
  await Promise.all(stale.map((name) => rm(join(dir, name), { recursive: true, force: true })));
}

function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000) / 1000;
}

function seconds(startedMs: number): number {
  return Math.round(performance.now() - startedMs) / 1000;
}

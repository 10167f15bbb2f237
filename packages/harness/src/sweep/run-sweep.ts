/**
 * `runSweep`: one scenario over a grid of parameters and replicates, resumable.
 *
 * Every point is validated (with its overrides, launcher checks included) before
 * anything starts; each member gets a key from what its result depends on; members
 * whose result.json says "succeeded" are skipped; the rest run through an executor
 * (local processes or a Slurm job array); the tables are rebuilt from the store;
 * `verify` re-runs finished members and compares digests.
 */
import { hostname } from "node:os";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  loadScenario,
  loadSweep,
  ScenarioInvalidError,
  validateSweep,
  type Problem,
  type ResolvedScenario,
  type SweepDefinition,
  type SweepInput,
} from "@sim/config";
import type { AnyNodeLauncher } from "../launchers.js";
import { defaultLaunchers } from "../launchers.js";
import { checkOutputDir, prepareOutputDir } from "../output-dir.js";
import { versions } from "../outputs.js";
import { runScenario } from "../run-scenario.js";
import { SIM_VERSION } from "../version.js";
import type { SweepExecutor } from "./executor.js";
import { expandMembers, expandPoints, type SweepPoint } from "./expand.js";
import { InputHasher } from "./input-files.js";
import { LocalExecutor } from "./local-executor.js";
import { memberKey } from "./member-key.js";
import { SlurmExecutor, type SlurmExecutorOptions } from "./slurm-executor.js";
import { MEMBER_FILES, STORE_FILES, memberDir, readMemberResult, writeJsonAtomic, writeMemberSpec, type MemberResult, type MemberSpec } from "./store.js";
import { acquireStoreLock } from "./store-lock.js";
import { buildTables, collectRows, defaultMetrics, writeTables, type TableMember } from "./tables.js";
import { verifyMembers, type VerifyOutcome } from "./verify.js";

export interface SweepRunOptions {
  /** The store folder (created if missing). */
  outDir: string;
  executor?: "local" | "slurm";
  /** Members at once on the local executor (default: the number of cores). */
  jobs?: number;
  /** Start nothing new after the first failed member. */
  failFast?: boolean;
  /** Keep every member's trace.jsonl (default: only the digest). */
  keepTraces?: boolean;
  /** Re-run this many finished members (chosen at random, seeded) and compare digests. */
  verify?: number;
  /** Validate and return the plan; start nothing, write nothing. */
  dryRun?: boolean;
  slurm?: Omit<SlurmExecutorOptions, "env">;
  /** Aborting it stops the sweep: running members stop cleanly, finished ones stay. */
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
  /** Folder a definition built in code is relative to (default: the current directory). */
  baseDir?: string;
  /** Environment of member processes and Slurm commands (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  /** sim's state folder, for the launchers' checks. */
  stateDir?: string;
  /** Launchers used to validate points (default: process, docker, renode). */
  launchers?: readonly AnyNodeLauncher[];
}

export interface SweepProgress {
  /** Distinct members of the sweep. */
  total: number;
  /** Finished before this invocation. */
  skipped: number;
  succeeded: number;
  failed: number;
  running: number;
  /** Estimated seconds left, once a member has finished. */
  etaSec: number | null;
}

export interface SweepMemberPreview {
  point: number;
  replicate: number;
  seed: number;
  parameters: Record<string, unknown>;
  /** `--set` arguments that reproduce it with `sim run`. */
  set: string[];
  key: string;
  finished: boolean;
}

export interface SweepPlan {
  scenario: string;
  points: number;
  replicates: number;
  /** Rows of results.csv: points x replicates. */
  members: number;
  /** Distinct members (identical points share one). */
  distinct: number;
  finished: number;
  to_run: number;
  parameters: string[];
  metrics: string[];
  first_members: SweepMemberPreview[];
  executor: string[];
}

export interface FailedMember {
  key: string;
  point: number;
  replicate: number;
  seed: number;
  status: MemberResult["status"] | "no result";
  error: string | null;
  log: string;
}

export interface SweepResult {
  success: boolean;
  interrupted: boolean;
  /** Null for a dry run. */
  outDir: string | null;
  plan: SweepPlan;
  /** Members that ran in this invocation. */
  ran: number;
  failed: FailedMember[];
  verified: VerifyOutcome[];
  files: { results: string; results_jsonl: string; points: string; sweep: string } | null;
}

/** How many members `--dry-run` shows. */
const PREVIEW_MEMBERS = 5;

interface Member extends TableMember {
  spec: MemberSpec;
}

export async function runSweep(sweepOrPath: string | SweepInput | SweepDefinition, options: SweepRunOptions): Promise<SweepResult> {
  const sweep = await definitionOf(sweepOrPath, options.baseDir);
  const store = resolve(options.outDir);
  const executor = executorFor(options);
  const { members, points, metrics } = await planMembers(sweep, options, executor);

  const distinct = uniqueByKey(members);
  const finished = new Set<string>();
  for (const m of distinct) if ((await readMemberResult(store, m.key))?.status === "succeeded") finished.add(m.key);
  const plan: SweepPlan = {
    scenario: sweep.scenario,
    points: points.length,
    replicates: sweep.replicates,
    members: members.length,
    distinct: distinct.length,
    finished: finished.size,
    to_run: distinct.length - finished.size,
    parameters: parameterKeys(sweep),
    metrics,
    first_members: members.slice(0, PREVIEW_MEMBERS).map((m) => ({
      point: m.point.index,
      replicate: m.replicate,
      seed: m.seed,
      parameters: m.point.values,
      set: m.point.set,
      key: m.key,
      finished: finished.has(m.key),
    })),
    executor: executor.plan(distinct.length - finished.size),
  };
  if (options.dryRun) {
    await checkOutputDir(store);
    return { success: true, interrupted: false, outDir: null, plan, ran: 0, failed: [], verified: [], files: null };
  }

  await executor.check();
  await prepareStore(store);
  const release = await acquireStoreLock(store);
  try {
    const version = await versions();
    await writeJsonAtomic(join(store, STORE_FILES.sweep), {
      sweep: { ...sweep, parameters: sweep.parameters.map(({ key, values }) => ({ key, values })), zip: sweep.zip.map((g) => g.map(({ key, values }) => ({ key, values }))) },
      base_seed: members[0]?.seed ?? null,
      metrics,
      versions: version,
      host: hostname(),
      updated_at: new Date().toISOString(),
    });

    const toRun = distinct.filter((m) => !finished.has(m.key));
    for (const m of toRun) {
      await writeMemberSpec(store, m.spec);
      // A stale result of an earlier attempt must not be read as this one's.
      await rm(join(memberDir(store, m.key), MEMBER_FILES.result), { force: true });
    }

    const failed: FailedMember[] = [];
    const progress = new ProgressTracker(distinct.length, finished.size, executor.name === "local" ? (options.jobs ?? 1) : toRun.length, options.onProgress);
    const byKey = new Map(members.map((m) => [m.key, m]));
    const signal = options.signal ?? new AbortController().signal;
    await executor.run(store, toRun.map((m) => m.key), {
      signal,
      failFast: options.failFast ?? false,
      onStart: () => progress.started(),
      onFinish: (key, result, log) => {
        progress.finished(result?.status === "succeeded", result?.wall_sec ?? null);
        if (result?.status === "succeeded") return;
        const m = byKey.get(key)!;
        failed.push({ key, point: m.point.index, replicate: m.replicate, seed: m.seed, status: result?.status ?? "no result", error: result?.error?.message ?? null, log });
      },
    });
    const interrupted = signal.aborted;

    const verified = !interrupted && (options.verify ?? 0) > 0 ? await verifyMembers(store, distinct.filter((m) => !failed.some((f) => f.key === m.key)).map((m) => m.spec), options.verify ?? 0, options) : [];

    const rows = await collectRows(store, members, metrics);
    await writeTables(store, buildTables(rows, plan.parameters, metrics, points));
    const order = new Map(members.map((m, i) => [m.key, i]));
    failed.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
    return {
      success: !interrupted && failed.length === 0 && rows.every((r) => r.status === "succeeded") && verified.every((v) => v.ok),
      interrupted,
      outDir: store,
      plan,
      ran: progress.ranCount,
      failed,
      verified,
      files: { results: join(store, STORE_FILES.results), results_jsonl: join(store, STORE_FILES.resultsJsonl), points: join(store, STORE_FILES.points), sweep: join(store, STORE_FILES.sweep) },
    };
  } finally {
    await release();
  }
}

async function definitionOf(input: string | SweepInput | SweepDefinition, baseDir: string | undefined): Promise<SweepDefinition> {
  if (typeof input === "string") return loadSweep(input);
  if (isDefinition(input)) return input;
  const result = validateSweep(input, baseDir !== undefined ? { baseDir } : {});
  if (!result.ok) throw new ScenarioInvalidError(result.problems, `invalid sweep: ${result.problems.find((p) => p.severity === "error")?.message ?? "unknown problem"}`);
  return result.sweep;
}

function isDefinition(input: SweepInput | SweepDefinition): input is SweepDefinition {
  return Array.isArray(input.parameters) && Array.isArray(input.zip);
}

function executorFor(options: SweepRunOptions): SweepExecutor {
  const env = options.env ?? process.env;
  if (options.executor === "slurm") return new SlurmExecutor({ ...options.slurm, env });
  return new LocalExecutor({ jobs: options.jobs ?? 1, env });
}

/**
 * Validates every point (schema, meaning, files, launcher checks) and makes every
 * member with its key. Throws ScenarioInvalidError with the problems of all points.
 */
async function planMembers(sweep: SweepDefinition, options: SweepRunOptions, executor: SweepExecutor): Promise<{ members: Member[]; points: SweepPoint[]; metrics: string[] }> {
  const points = expandPoints(sweep);
  const launchers = options.launchers ?? defaultLaunchers({ env: options.env ?? process.env });
  const problems: Problem[] = [];
  const resolved: ResolvedScenario[] = [];
  for (const point of points) {
    try {
      const { scenario } = await loadScenario(sweep.scenario, { overrides: point.overrides });
      // A dry run of the point: the launchers' checks (programs, images, firmware) too.
      await runScenario(scenario, { dryRun: true, outDir: options.outDir, launchers, ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}) });
      problems.push(...concurrencyProblems(scenario, executor, options));
      resolved.push(scenario);
    } catch (error) {
      if (!(error instanceof ScenarioInvalidError)) throw error;
      for (const p of error.problems) if (!problems.some((q) => sameProblem(p, q))) problems.push(p);
    }
  }
  if (problems.some((p) => p.severity === "error")) {
    const first = problems.find((p) => p.severity === "error")!;
    throw new ScenarioInvalidError(problems, `invalid sweep: ${first.message}`);
  }

  const baseSeed = sweep.seed ?? resolved[0]?.seed ?? 0;
  const hasher = new InputHasher();
  const members: Member[] = [];
  for (const planned of expandMembers(points, sweep.replicates, baseSeed)) {
    const scenario = { ...resolved[planned.point.index]!, seed: planned.seed };
    const inputs = await hasher.fingerprints(scenario);
    const { key, material } = memberKey({ scenario, inputs, simVersion: SIM_VERSION });
    members.push({
      key,
      point: planned.point,
      replicate: planned.replicate,
      seed: planned.seed,
      spec: {
        key,
        scenario: sweep.scenario,
        point: planned.point.index,
        replicate: planned.replicate,
        seed: planned.seed,
        parameters: planned.point.values,
        overrides: planned.point.overrides,
        keep_trace: options.keepTraces ?? false,
        key_material: material,
      },
    });
  }
  const metrics = sweep.metrics ?? (resolved[0] ? defaultMetrics(resolved[0]) : []);
  return { members, points, metrics };
}

/**
 * Members that run at the same time must not compete for a fixed host port: a
 * Docker node publishing one can only run one member at a time.
 */
function concurrencyProblems(scenario: ResolvedScenario, executor: SweepExecutor, options: SweepRunOptions): Problem[] {
  const concurrent = executor.name === "slurm" || (options.jobs ?? 1) > 1;
  if (!concurrent) return [];
  const problems: Problem[] = [];
  for (const node of scenario.nodes) {
    if (node.type !== "docker" || node.group_index !== 0) continue;
    node.ports.forEach((mapping, i) => {
      const parts = mapping.replace(/^\[[^\]]*\]/, "ip").split(":");
      const hostPort = parts.length >= 2 ? parts[parts.length - 2] : "";
      if (hostPort === "" || hostPort === "0") return;
      problems.push({
        severity: "error",
        code: "port-conflict",
        file: scenario.source,
        line: null,
        column: null,
        path: ["nodes", node.group, "ports", i],
        message: `nodes.${node.group}.ports[${i}] publishes the fixed host port ${hostPort}: members running at the same time would collide`,
        hint: "publish the container port alone (a random host port), or run the sweep with --jobs 1 on the local executor",
      });
    });
  }
  return problems;
}

/**
 * The same problem found at several points is reported once: a parameter path that
 * is not in the scenario fails for every value alike.
 */
function sameProblem(a: Problem, b: Problem): boolean {
  const place = a.code === b.code && a.file === b.file && a.line === b.line && a.column === b.column && a.path.join("\u0000") === b.path.join("\u0000");
  return place && (a.code === "bad-override" || a.message === b.message);
}

function uniqueByKey<T extends { key: string }>(members: readonly T[]): T[] {
  const seen = new Set<string>();
  return members.filter((m) => (seen.has(m.key) ? false : (seen.add(m.key), true)));
}

function parameterKeys(sweep: SweepDefinition): string[] {
  return [...sweep.parameters.map((p) => p.key), ...sweep.zip.flatMap((g) => g.map((p) => p.key))];
}

/** The store must be a folder we can write (checked before anything starts, like a run's output folder). */
async function prepareStore(store: string): Promise<void> {
  await prepareOutputDir(store);
  await mkdir(join(store, STORE_FILES.members), { recursive: true });
}

/** Counts for the progress callback, and an ETA from the members finished so far. */
class ProgressTracker {
  private succeeded = 0;
  private failed = 0;
  private running = 0;
  private ran = 0;
  private readonly walls: number[] = [];

  constructor(
    private readonly total: number,
    private readonly skipped: number,
    private readonly parallel: number,
    private readonly report?: (progress: SweepProgress) => void,
  ) {
    this.emit();
  }

  get ranCount(): number {
    return this.ran;
  }

  started(): void {
    this.running++;
    this.emit();
  }

  finished(ok: boolean, wallSec: number | null): void {
    this.running = Math.max(0, this.running - 1);
    this.ran++;
    if (ok) this.succeeded++;
    else this.failed++;
    if (wallSec !== null) this.walls.push(wallSec);
    this.emit();
  }

  private emit(): void {
    const left = this.total - this.skipped - this.succeeded - this.failed;
    const mean = this.walls.length > 0 ? this.walls.reduce((a, b) => a + b, 0) / this.walls.length : null;
    this.report?.({
      total: this.total,
      skipped: this.skipped,
      succeeded: this.succeeded,
      failed: this.failed,
      running: this.running,
      etaSec: mean === null ? null : Math.round((mean * left) / Math.max(1, Math.min(this.parallel, left || 1))),
    });
  }
}

/**
 * Runs members as one Slurm job array: `sbatch --parsable --array=0-(n-1)%max`,
 * each task running one member through the same entry point as the local
 * executor, with its log in the store. Waits by polling `squeue`, cancels the
 * array with `scancel` when interrupted. The store must be on a filesystem the
 * cluster's nodes share (tasks write their results there); when no task left a
 * trace in it, the sweep says so.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SimError } from "@sim/config";
import { findExecutable } from "@sim/launcher-process";
import { memberCommand } from "./member-command.js";
import type { ExecutorHooks, SweepExecutor } from "./executor.js";
import { STORE_FILES, readMemberResult, type MemberResult } from "./store.js";

/** `--executor slurm` on a machine without Slurm's commands. Invalid input: exit 2. */
export class SlurmUnavailableError extends SimError {
  constructor(missing: string) {
    super("SIM_SLURM_UNAVAILABLE", `--executor slurm needs Slurm's \`${missing}\` on the PATH, and it is not there (install Slurm's client commands, or use --executor local)`);
  }
}

/** sbatch refused the job array. */
export class SlurmSubmitError extends SimError {
  constructor(message: string) {
    super("SIM_SLURM_SUBMIT_FAILED", `sbatch refused the job array: ${message}`);
  }
}

/** No task of the array left anything in the store: it is not visible from the compute nodes. */
export class SlurmStoreNotSharedError extends SimError {
  constructor(store: string, logs: string) {
    super(
      "SIM_SLURM_STORE_NOT_SHARED",
      `no Slurm task wrote its log or result into ${store}: the store must be on a filesystem that the cluster's nodes share (looked for logs in ${logs})`,
    );
  }
}

export interface SlurmExecutorOptions {
  /** Passed to sbatch as they are (e.g. `--partition=debug`, `--time=00:10:00`, `--mem=2G`). */
  sbatchOptions?: readonly string[];
  /** Array tasks running at once (`%max` of --array); default: no limit. */
  maxParallel?: number;
  /** Time between two `squeue` polls. */
  pollMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Longest a cancelled array may take to leave the queue before the sweep stops waiting. */
const CANCEL_WAIT_MS = 120_000;
const COMMAND_TIMEOUT_MS = 60_000;
/**
 * A task gets one CPU unless --slurm-opt asks for more, and the tasks of an array fill
 * the nodes' cores: each member runs on one thread (see membersCrowdCores).
 */
const SLURM_TASKS_CROWDED = true;

export class SlurmExecutor implements SweepExecutor {
  readonly name = "slurm";
  constructor(private readonly options: SlurmExecutorOptions = {}) {}

  plan(memberCount: number): string[] {
    const { node, args } = memberCommand("<store>", { crowded: SLURM_TASKS_CROWDED, env: this.env() });
    const limit = this.options.maxParallel ? `%${this.options.maxParallel}` : "";
    return [
      `slurm: one job array, sbatch --parsable --array=0-${Math.max(memberCount - 1, 0)}${limit} ${(this.options.sbatchOptions ?? []).join(" ")}`.trimEnd(),
      `  each task: ${[node, ...args].join(" ")} <store> --tasks <list> (task i runs line i)`,
      "  the store must be on a filesystem the cluster's nodes share",
    ];
  }

  async check(): Promise<void> {
    for (const command of ["sbatch", "squeue", "scancel"]) {
      if ((await findExecutable(command, process.cwd(), this.env().PATH)) === null) throw new SlurmUnavailableError(command);
    }
  }

  async run(store: string, keys: readonly string[], hooks: ExecutorHooks): Promise<void> {
    if (keys.length === 0 || hooks.signal.aborted) return;
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
    const dir = join(store, STORE_FILES.slurm, stamp);
    await mkdir(dir, { recursive: true });
    const tasks = join(dir, "tasks.txt");
    const script = join(dir, "job.sh");
    await writeFile(tasks, `${keys.join("\n")}\n`);
    await writeFile(script, jobScript(store, tasks, this.env()), { mode: 0o755 });
    const array = `0-${keys.length - 1}${this.options.maxParallel ? `%${this.options.maxParallel}` : ""}`;
    const logPattern = join(dir, "%A_%a.log");
    let jobId: string;
    try {
      const out = await this.command("sbatch", ["--parsable", `--array=${array}`, `--output=${logPattern}`, "--job-name=sim-sweep", ...(this.options.sbatchOptions ?? []), script]);
      jobId = out.trim().split(";")[0]!;
    } catch (error) {
      throw new SlurmSubmitError((error as Error).message);
    }
    await writeFile(join(dir, "job-id"), `${jobId}\n`);
    const logOf = (index: number) => join(dir, `${jobId}_${index}.log`);

    const onAbort = () => void this.command("scancel", [jobId]).catch(() => undefined);
    hooks.signal.addEventListener("abort", onAbort, { once: true });
    const pending = new Map(keys.map((key, index) => [key, index]));
    const started = new Set<string>();
    // A task missing from the queue with no result yet is counted as ended only when it
    // is still missing at the next poll: its result may be on its way over the shared
    // filesystem, and a just-submitted array may not be listed yet.
    const missing = new Set<string>();
    let anyLog = false;
    let failed = false;
    let cancelledAt: number | null = null;
    const finish = (key: string, index: number, result: MemberResult | null) => {
      pending.delete(key);
      if (!started.has(key)) hooks.onStart(key);
      if (result?.status !== "succeeded") failed = true;
      if (existsSync(logOf(index))) anyLog = true;
      hooks.onFinish(key, result, logOf(index));
    };
    try {
      while (pending.size > 0) {
        const states = await this.taskStates(jobId);
        for (const [key, index] of pending) {
          const state = states.get(index);
          if (state === "RUNNING" && !started.has(key)) {
            started.add(key);
            hooks.onStart(key);
          }
          const result = await readMemberResult(store, key);
          if (result !== null) finish(key, index, result);
          else if (state !== undefined) missing.delete(key);
          else if (missing.has(key)) finish(key, index, null);
          else missing.add(key);
        }
        if (pending.size === 0) break;
        if (hooks.failFast && failed && cancelledAt === null) {
          cancelledAt = Date.now();
          await this.command("scancel", ["--state=PENDING", jobId]).catch(() => undefined);
        }
        if (hooks.signal.aborted) {
          cancelledAt ??= Date.now();
          if (Date.now() - cancelledAt > CANCEL_WAIT_MS) break;
        }
        await sleep(this.options.pollMs ?? 1000);
      }
      // A task writes its result just before it exits: wait until the array has left the
      // queue, so that nothing of the sweep is still running when it returns.
      const deadline = Date.now() + CANCEL_WAIT_MS;
      while ((await this.taskStates(jobId)).size > 0 && Date.now() < deadline) await sleep(this.options.pollMs ?? 1000);
    } finally {
      hooks.signal.removeEventListener("abort", onAbort);
    }
    if (!anyLog && !keys.some((_, index) => existsSync(logOf(index)))) throw new SlurmStoreNotSharedError(store, dir);
  }

  /** Array index -> Slurm state for every task still in the queue. */
  private async taskStates(jobId: string): Promise<Map<number, string>> {
    const out = await this.command("squeue", ["--noheader", "--array", `--jobs=${jobId}`, "--format=%i %T"]).catch((error: Error) => {
      // squeue says "Invalid job id" once a finished job has been purged.
      if (/Invalid job id/i.test(error.message)) return "";
      throw error;
    });
    const states = new Map<number, string>();
    for (const line of out.split("\n")) {
      const match = /^\d+_(\d+)\s+(\S+)/.exec(line.trim());
      if (match) states.set(Number(match[1]), match[2]!);
      // Pending tasks not yet split out are listed as 123_[4-9%2]: all of them are pending.
      const range = /^\d+_\[([^\]]+)\]\s+(\S+)/.exec(line.trim());
      if (range) for (const index of expandRange(range[1]!)) states.set(index, range[2]!);
    }
    return states;
  }

  private env(): Readonly<Record<string, string | undefined>> {
    return this.options.env ?? process.env;
  }

  private command(file: string, args: readonly string[]): Promise<string> {
    return new Promise((resolveOut, reject) => {
      execFile(file, args, { env: { ...this.env() }, timeout: COMMAND_TIMEOUT_MS, encoding: "utf8" }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(" ")}: ${(stderr || error.message).trim()}`));
        else resolveOut(stdout);
      });
    });
  }
}

/** "4-9%2" or "1,3,5-7" -> the indexes. */
function expandRange(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split("%")[0]!.split(",")) {
    const [a, b] = part.split("-").map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let i = a; i <= (b !== undefined && Number.isInteger(b) ? b : a); i++) out.push(i);
  }
  return out;
}

/**
 * The batch script: only paths this sweep chose, single-quoted; no scenario text.
 * `exec` so that Slurm's signals (scancel, time limit) reach the member directly.
 */
function jobScript(store: string, tasks: string, env: Readonly<Record<string, string | undefined>>): string {
  const command = memberCommand(store, { crowded: SLURM_TASKS_CROWDED, env });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    "#!/bin/bash",
    `cd ${q(command.cwd)} || exit 1`,
    ...Object.entries(command.env).map(([name, value]) => `export ${name}=${q(value)}`),
    `exec ${[command.node, ...command.args, store, "--tasks", tasks].map(q).join(" ")}`,
    "",
  ].join("\n");
}

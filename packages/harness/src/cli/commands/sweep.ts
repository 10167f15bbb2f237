import { readFile } from "node:fs/promises";
import { availableParallelism, homedir } from "node:os";
import { basename, extname, resolve } from "node:path";
import { formatProblem, parseOverrideValue, ScenarioInvalidError, ScenarioUnreadableError, SimError, type SweepInput } from "@sim/config";
import cliProgress from "cli-progress";
import { defaultStateDir } from "../../resources/state-dir.js";
import { runSweep, type SweepResult } from "../../sweep/run-sweep.js";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { Interrupts } from "../interrupts.js";
import { sweepPlanText, sweepResultText } from "../sweep-text.js";
import { jsonDocument } from "../json-document.js";
import { cliLogger } from "../log-lines.js";

export interface SweepCommandOptions {
  param: string[];
  replicates?: number;
  seed?: number;
  metric: string[];
  out?: string;
  executor: "local" | "slurm";
  jobs?: number;
  failFast?: boolean;
  keepTraces?: boolean;
  verify?: number;
  dryRun?: boolean;
  json?: boolean;
  progress: boolean;
  /** Progress lines on stderr when there is no bar. */
  verbose?: boolean;
  slurmOpt: string[];
  maxParallel?: number;
}

/** Errors that mean "fix your input", not "the sweep failed". */
const INVALID_INPUT_CODES = new Set(["SIM_SLURM_UNAVAILABLE", "SIM_OUTPUT_DIR", "SIM_SWEEP_STORE_BUSY"]);

/** `sim sweep`: exit 0 every member succeeded, 1 some failed, 2 invalid input, 130 interrupted. */
export async function sweepCommand(file: string, options: SweepCommandOptions, io: CliIo): Promise<number> {
  const interrupts = new Interrupts(io, { stopping: "stopping the running members cleanly; finished ones are kept", leaving: "leaving now; each member's reaper removes what it left" });
  try {
    return await sweepAndReport(file, options, io, interrupts);
  } finally {
    interrupts.dispose();
  }
}

async function sweepAndReport(file: string, options: SweepCommandOptions, io: CliIo, interrupts: Interrupts): Promise<number> {
  const showProgress = io.isTTY && options.progress && !options.json && !options.dryRun;
  const bar = showProgress
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: " {bar} {value}/{total} members | {succeeded} ok, {failed} failed, {running} running | ETA {eta_text}", barsize: 24, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let barStarted = false;
  const logger = cliLogger(options.verbose ?? false, (text) => {
    if (text !== "") io.stderr(text);
  });
  let lastProgress = "";
  let result: SweepResult;
  try {
    const definition = await sweepDefinition(file, options);
    result = await runSweep(definition, {
      outDir: options.out ?? defaultStore(file, options),
      executor: options.executor,
      jobs: options.jobs ?? availableParallelism(),
      ...(options.failFast ? { failFast: true } : {}),
      ...(options.keepTraces ? { keepTraces: true } : {}),
      ...(options.verify !== undefined ? { verify: options.verify } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      slurm: { sbatchOptions: options.slurmOpt, ...(options.maxParallel !== undefined ? { maxParallel: options.maxParallel } : {}) },
      signal: interrupts.signal,
      env: io.env,
      stateDir: defaultStateDir(io.env, homedir()),
      baseDir: process.cwd(),
      onProgress: (p) => {
        if (!bar) {
          // Without a bar (no terminal, --json): a line whenever the counts change, with --verbose.
          const line = `${p.skipped + p.succeeded + p.failed}/${p.total} ${p.succeeded}/${p.failed}/${p.running}`;
          if (line !== lastProgress) logger.debug({ done: p.skipped + p.succeeded + p.failed, total: p.total, succeeded: p.succeeded, failed: p.failed, running: p.running, eta_sec: p.etaSec }, "progress");
          lastProgress = line;
          return;
        }
        const payload = { succeeded: p.succeeded, failed: p.failed, running: p.running, eta_text: p.etaSec === null ? "…" : `${p.etaSec} s` };
        const value = p.skipped + p.succeeded + p.failed;
        if (!barStarted) {
          bar.start(p.total, value, payload);
          barStarted = true;
        } else bar.update(value, payload);
      },
    });
  } catch (error) {
    if (barStarted) bar?.stop();
    return reportError(error, options, io, interrupts);
  }
  if (barStarted) bar?.stop();

  if (options.dryRun) {
    io.stdout(options.json ? jsonDocument("sweep", { plan: result.plan }) : sweepPlanText(result.plan, file));
    return ExitCode.ok;
  }
  if (options.json) io.stdout(jsonDocument("sweep", sweepJson(result)));
  else io.stdout(sweepResultText(result, file, process.cwd()));
  if (result.interrupted) return interrupts.exitCode();
  return result.success ? ExitCode.ok : ExitCode.simulationFailed;
}

/** The result as `--json` prints it: `runSweep`'s result, with the one camelCase key (`outDir`) in snake_case. */
function sweepJson(result: SweepResult): object {
  const { success, interrupted, outDir, ...rest } = result;
  return { success, interrupted, out_dir: outDir, ...rest };
}

/**
 * A sweep file (it has a top-level `scenario:`), or a scenario swept from the
 * command line (`--param`, `--replicates`).
 */
async function sweepDefinition(file: string, options: SweepCommandOptions): Promise<string | SweepInput> {
  const fromFlags = options.param.length > 0 || options.replicates !== undefined || options.seed !== undefined || options.metric.length > 0;
  const text = await readFile(file, "utf8").catch(() => "");
  if (!fromFlags && /^scenario\s*:/m.test(text)) return file;
  if (/^scenario\s*:/m.test(text)) {
    throw new ScenarioInvalidError([
      { severity: "error", code: "bad-override", file, line: null, column: null, path: [], message: "this is a sweep file: --param, --replicates, --seed and --metric apply to a scenario file", hint: "put them in the sweep file" },
    ]);
  }
  const parameters: Record<string, unknown[]> = {};
  for (const text of options.param) {
    const eq = text.indexOf("=");
    if (eq <= 0) {
      throw new ScenarioInvalidError([{ severity: "error", code: "bad-override", file: null, line: null, column: null, path: [], message: `--param ${text}: expected key.path=value1,value2,...` }]);
    }
    parameters[text.slice(0, eq)] = parseValues(text.slice(eq + 1), `--param ${text}`);
  }
  return {
    scenario: resolve(file),
    parameters,
    ...(options.replicates !== undefined ? { replicates: options.replicates } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.metric.length > 0 ? { metrics: options.metric } : {}),
  };
}

/** `5,10,20` or `[a, "b,c"]`: a YAML flow list without or with its brackets. */
function parseValues(text: string, origin: string): unknown[] {
  const trimmed = text.trim();
  const flow = trimmed.startsWith("[") ? trimmed : `[${trimmed}]`;
  let values: unknown;
  try {
    // The same reading as --set values (YAML core schema).
    values = parseOverrideValue(flow, origin);
  } catch (error) {
    throw new ScenarioInvalidError([{ severity: "error", code: "bad-override", file: null, line: null, column: null, path: [], message: `${origin}: the values are not a YAML list: ${(error as Error).message.split("\n")[0]}` }]);
  }
  if (!Array.isArray(values) || values.length === 0) {
    throw new ScenarioInvalidError([{ severity: "error", code: "bad-override", file: null, line: null, column: null, path: [], message: `${origin}: give at least one value` }]);
  }
  return values;
}

/** `runs/<sweep file name>` or `runs/<scenario name>-sweep`: the same command finds the same store. */
function defaultStore(file: string, options: SweepCommandOptions): string {
  const name = basename(file, extname(file));
  const fromFlags = options.param.length > 0 || options.replicates !== undefined;
  return resolve("runs", fromFlags ? `${name}-sweep` : name);
}

function reportError(error: unknown, options: SweepCommandOptions, io: CliIo, interrupts: Interrupts): number {
  if (error instanceof ScenarioInvalidError || error instanceof ScenarioUnreadableError) {
    if (options.json) io.stdout(jsonDocument("sweep", { success: false, error: { code: error.code, message: error.message }, problems: error.problems }));
    for (const problem of error.problems) io.stderr(`${formatProblem(problem)}\n`);
    io.stderr(`sim: ${error.problems.filter((p) => p.severity === "error").length} problem(s); nothing was started\n`);
    return ExitCode.invalidInput;
  }
  if (error instanceof SimError) {
    if (options.json) io.stdout(jsonDocument("sweep", { success: false, error: { code: error.code, message: error.message } }));
    io.stderr(`sim: ${error.message}\n`);
    if (INVALID_INPUT_CODES.has(error.code)) return ExitCode.invalidInput;
    return error.code === "SIM_INTERRUPTED" ? interrupts.exitCode() : ExitCode.simulationFailed;
  }
  throw error;
}

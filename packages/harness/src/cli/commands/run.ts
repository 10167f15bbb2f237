import { homedir } from "node:os";
import { formatProblem, parseOverride, ScenarioInvalidError, ScenarioUnreadableError, SimError } from "@sim/config";
import type { Logger } from "pino";
import { cliLogger } from "../log-lines.js";
import { defaultLaunchers } from "../../launchers.js";
import { runScenario, type RunResult } from "../../run-scenario.js";
import { defaultStateDir } from "../../resources/state-dir.js";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { Interrupts } from "../interrupts.js";
import { OutputDirError } from "../../output-dir.js";
import { ProgressBar } from "../progress.js";
import { planText, summaryText } from "../report-text.js";
import { jsonDocument } from "../json-document.js";

export interface RunCommandOptions {
  seed?: number;
  /** `key.path=value` arguments of `--set`, in order. */
  set?: string[];
  dryRun?: boolean;
  verbose?: boolean;
  out?: string;
  timeout?: number;
  json?: boolean;
  progress: boolean;
  checkDeterminism?: boolean;
  force?: boolean;
  /** Write latency.csv whatever its size. */
  samples?: boolean;
  binMs?: number;
}

/** `sim run <scenario>`: exit 0 success, 1 the simulation failed, 2 invalid input, 130 interrupted. */
export async function runCommand(file: string, options: RunCommandOptions, io: CliIo): Promise<number> {
  // A log line while the progress bar is drawn: clear the bar's line first (it redraws on its next update).
  const screen = { barActive: false };
  const logger = cliLogger(options.verbose ?? false, (text) => {
    if (text !== "") io.stderr(screen.barActive ? `\r\u001b[2K${text}` : text);
  });
  const interrupts = new Interrupts(io, { stopping: "stopping the run cleanly", leaving: "leaving now; the reaper removes what is still running" });
  try {
    return await runAndReport(file, options, io, logger, interrupts, screen);
  } finally {
    // Only now: a signal while the summary is being written must not cut it short.
    interrupts.dispose();
  }
}

async function runAndReport(file: string, options: RunCommandOptions, io: CliIo, logger: Logger, interrupts: Interrupts, screen: { barActive: boolean }): Promise<number> {
  const showProgress = io.isTTY && options.progress && !options.json && !options.dryRun;
  let bar: ProgressBar | null = null;
  let result: RunResult;
  try {
    result = await runScenario(file, {
      seed: options.seed,
      set: (options.set ?? []).map((text) => parseOverride(text)),
      outDir: options.out,
      dryRun: options.dryRun,
      timeoutSec: options.timeout,
      signal: interrupts.signal,
      ...(options.force ? { force: true } : {}),
      checkDeterminism: options.checkDeterminism,
      ...(options.samples ? { samples: true } : {}),
      ...(options.binMs !== undefined ? { binMs: options.binMs } : {}),
      stateDir: defaultStateDir(io.env, homedir()),
      launchers: defaultLaunchers({ env: io.env }),
      logger,
      onProgress: showProgress
        ? (p) => {
            bar ??= new ProgressBar(p.durationUs / 1e6, process.stderr);
            bar.update(p);
            screen.barActive = true;
          }
        : (p) => logger.debug({ virtual_sec: p.nowUs / 1e6, events: p.events, realtime_factor: p.realtimeFactor }, "progress"),
    });
  } catch (error) {
    (bar as ProgressBar | null)?.stop();
    screen.barActive = false;
    return reportError(error, options, io, interrupts);
  }
  (bar as ProgressBar | null)?.stop();
  screen.barActive = false;

  if (result.summary === null) {
    io.stdout(options.json ? jsonDocument("plan", result.plan) : planText(result.plan));
    return ExitCode.ok;
  }
  // summary.json as written: it carries the run document's schema_version itself.
  if (options.json) io.stdout(jsonDocument("run", result.summary));
  else io.stdout(summaryText(result.summary, file, result.outDir ?? ".", process.cwd()));
  if (result.interrupted) return interrupts.exitCode();
  return result.success ? ExitCode.ok : ExitCode.simulationFailed;
}

/** User mistakes and failed runs get a message and an exit code, never a stack trace. */
function reportError(error: unknown, options: RunCommandOptions, io: CliIo, interrupts: Interrupts): number {
  if (error instanceof ScenarioInvalidError || error instanceof ScenarioUnreadableError) {
    if (options.json) io.stdout(jsonDocument("run", { success: false, error: { code: error.code, message: error.message }, problems: error.problems }));
    for (const problem of error.problems) io.stderr(`${formatProblem(problem)}\n`);
    const errors = error.problems.filter((p) => p.severity === "error").length;
    io.stderr(`sim: ${errors} problem(s); nothing was started\n`);
    return ExitCode.invalidInput;
  }
  if (error instanceof SimError) {
    if (options.json) io.stdout(jsonDocument("run", { success: false, error: { code: error.code, message: error.message } }));
    io.stderr(`sim: ${error.message}\n`);
    if (error instanceof OutputDirError) return ExitCode.invalidInput;
    return error.code === "SIM_INTERRUPTED" ? interrupts.exitCode() : ExitCode.simulationFailed;
  }
  throw error;
}

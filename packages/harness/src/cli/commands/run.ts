import { homedir } from "node:os";
import { formatProblem, parseOverride, ScenarioInvalidError, ScenarioUnreadableError, SimError } from "@sim/config";
import { pino } from "pino";
import { defaultLaunchers } from "../../launchers.js";
import { runScenario, type RunResult } from "../../run-scenario.js";
import { defaultStateDir } from "../../resources/state-dir.js";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { ProgressBar } from "../progress.js";
import { planText, summaryText } from "../report-text.js";

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
}

/** `sim run <scenario>`: exit 0 success, 1 the simulation failed, 2 invalid input, 130 interrupted. */
export async function runCommand(file: string, options: RunCommandOptions, io: CliIo): Promise<number> {
  const logger = pino({ level: options.verbose ? "debug" : "warn", base: undefined }, { write: (line: string) => io.stderr(line) });
  const interrupt = new AbortController();
  let signals = 0;
  const stopListening = io.onSignal((signal) => {
    signals += 1;
    if (signals === 1) {
      io.stderr(`\nsim: ${signal}: stopping the run cleanly (press Ctrl-C again to force)\n`);
      interrupt.abort(signal);
    } else {
      io.stderr(`sim: ${signal} again: leaving now; the reaper removes what is still running\n`);
      io.forceExit(ExitCode.interrupted);
    }
  });

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
      signal: interrupt.signal,
      checkDeterminism: options.checkDeterminism,
      stateDir: defaultStateDir(io.env, homedir()),
      launchers: defaultLaunchers({ env: io.env }),
      logger,
      onProgress: showProgress
        ? (p) => {
            bar ??= new ProgressBar(p.durationUs / 1e6, process.stderr);
            bar.update(p);
          }
        : (p) => logger.debug({ virtual_sec: p.nowUs / 1e6, events: p.events, realtime_factor: p.realtimeFactor }, "progress"),
    });
  } catch (error) {
    (bar as ProgressBar | null)?.stop();
    return reportError(error, options, io);
  } finally {
    stopListening();
  }
  (bar as ProgressBar | null)?.stop();

  if (result.summary === null) {
    io.stdout(options.json ? `${JSON.stringify(result.plan, null, 2)}\n` : planText(result.plan));
    return ExitCode.ok;
  }
  if (options.json) io.stdout(`${JSON.stringify(result.summary, null, 2)}\n`);
  else io.stdout(summaryText(result.summary, file, result.outDir ?? ".", process.cwd()));
  if (result.interrupted) return ExitCode.interrupted;
  return result.success ? ExitCode.ok : ExitCode.simulationFailed;
}

/** User mistakes and failed runs get a message and an exit code, never a stack trace. */
function reportError(error: unknown, options: RunCommandOptions, io: CliIo): number {
  if (error instanceof ScenarioInvalidError || error instanceof ScenarioUnreadableError) {
    if (options.json) io.stdout(`${JSON.stringify({ success: false, error: { code: error.code, message: error.message }, problems: error.problems }, null, 2)}\n`);
    for (const problem of error.problems) io.stderr(`${formatProblem(problem)}\n`);
    const errors = error.problems.filter((p) => p.severity === "error").length;
    io.stderr(`sim: ${errors} problem(s); nothing was started\n`);
    return ExitCode.invalidInput;
  }
  if (error instanceof SimError) {
    if (options.json) io.stdout(`${JSON.stringify({ success: false, error: { code: error.code, message: error.message } }, null, 2)}\n`);
    io.stderr(`sim: ${error.message}\n`);
    return error.code === "SIM_INTERRUPTED" ? ExitCode.interrupted : ExitCode.simulationFailed;
  }
  throw error;
}

import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { SimError } from "@sim/config/errors";
import { ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";
// Each command's module is imported when that command runs: `sim --version`, `--help`
// and `sim completion` load none of them (no scenario loader, engine or launcher).
import type { ValidateCommandOptions } from "./commands/validate.js";
import type { RunCommandOptions } from "./commands/run.js";
import type { CleanCommandOptions } from "./commands/clean.js";
import type { SweepCommandOptions } from "./commands/sweep.js";
import type { ReportCommandOptions } from "./commands/report.js";
import { COMPLETION_SHELLS, completionCommand, type CompletionShell } from "./commands/completion.js";
import { SIM_VERSION } from "../version.js";

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 * Never calls process.exit, so tests run it in-process.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = createProgram(io, (code) => {
    exitCode = Math.max(exitCode, code);
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    return exitCodeFor(error, io);
  }
  return exitCode;
}

/**
 * Every command and option of `sim`: the one definition that parsing, `--help` and
 * the shell completion scripts (`sim completion`) all read.
 */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("sim")
    .description("Deterministic IoT and edge co-simulation from one YAML scenario")
    .version(SIM_VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run 'sim --help' for usage)");

  program
    .command("run")
    .description("run a scenario: validate, launch every node, simulate, write the outputs, clean up")
    .argument("<scenario>", "scenario file (.yaml)")
    .option("--seed <n>", "override the scenario's seed", parseSeed)
    .option("--set <key=value>", "replace a value of the scenario, e.g. network.default_latency_ms=20 (repeatable)", collect, [])
    .option("--dry-run", "validate and print the plan; start nothing")
    .option("--verbose", "debug logs on stderr")
    .option("--out <dir>", "output folder (default: runs/<scenario>-<seed>-<time>)")
    .option("--force", "write into an output folder that already holds a run")
    .option("--timeout <sec>", "wall-clock limit for the whole run", parseSeconds)
    .option("--json", "print exactly one JSON object (the summary) on stdout")
    .option("--no-progress", "no progress bar")
    .option("--check-determinism", "run twice and fail on the first differing trace line")
    .option("--samples", "write latency.csv whatever the number of samples (default: up to 1,000,000)")
    .option("--bin-ms <ms>", "width of timeseries.csv's bins in virtual ms (default: the duration / 200)", parseMilliseconds)
    .action(async (file: string, options: RunCommandOptions) => {
      setExit(await (await import("./commands/run.js")).runCommand(file, options, io));
    });

  program
    .command("sweep")
    .description("run a scenario over a grid of parameters and seeds; resumable (see docs/sweeps.md)")
    .argument("<file>", "sweep file (.yaml with `scenario:`), or a scenario file with --param/--replicates")
    .option("--param <key=values>", "sweep a scenario value, e.g. network.default_latency_ms=5,10,20 (repeatable)", collect, [])
    .option("--replicates <n>", "runs per point, each with its own seed", parsePositiveInteger)
    .option("--seed <n>", "base seed: replicate r runs with seed + r (default: the scenario's seed)", parseSeed)
    .option("--metric <path>", "a summary.json figure to tabulate, e.g. latency_ms.cloud.p95 (repeatable)", collect, [])
    .option("--out <dir>", "the result store (default: runs/<sweep name>); running again resumes")
    .addOption(new Option("--executor <name>", "local or slurm").choices(["local", "slurm"]).default("local"))
    .option("--jobs <n>", "members at once on the local executor (default: the number of cores)", parsePositiveInteger)
    .option("--fail-fast", "start nothing new after the first failed member")
    .option("--keep-traces", "keep every member's trace.jsonl (default: only its digest)")
    .option("--verify <k>", "re-run k finished members (chosen at random, seeded) and compare digests", parseCount)
    .option("--slurm-opt <option>", "passed to sbatch as it is, e.g. --slurm-opt=--partition=debug (repeatable)", collect, [])
    .option("--max-parallel <n>", "array tasks running at once on Slurm (--array=...%n)", parsePositiveInteger)
    .option("--dry-run", "validate and print the plan; start nothing")
    .option("--json", "print exactly one JSON object on stdout")
    .option("--no-progress", "no progress bar")
    .option("--verbose", "progress lines on stderr when there is no bar")
    .action(async (file: string, options: SweepCommandOptions) => {
      setExit(await (await import("./commands/sweep.js")).sweepCommand(file, options, io));
    });

  program
    .command("report")
    .description("write one self-contained HTML report of a run or a sweep folder, and its figures as SVG files")
    .argument("<folder>", "a run's output folder (summary.json) or a sweep's store (sweep.json)")
    .option("-o, --output <file>", "the HTML file (default: <folder>/report.html); figures go to figures/ beside it")
    .option("--json", "print {schema_version, report, figures} on stdout")
    .action(async (folder: string, options: ReportCommandOptions) => {
      setExit(await (await import("./commands/report.js")).reportCommand(folder, options, io));
    });

  program
    .command("validate")
    .description("check scenario files; print each problem as file:line:col: message")
    .argument("<files...>", "scenario files")
    .option("--json", "print the problems as JSON")
    .option("--verbose", "debug logs of the checks on stderr")
    .action(async (files: string[], options: ValidateCommandOptions) => {
      setExit(await (await import("./commands/validate.js")).validateCommand(files, options, io));
    });

  program
    .command("schema")
    .description("print the JSON Schema of the scenario format (with --sweep: of the sweep file)")
    .option("--sweep", "the sweep file's schema")
    .action(async (options: { sweep?: boolean }) => {
      setExit((await import("./commands/schema.js")).schemaCommand(io, options));
    });

  program
    .command("clean")
    .description("remove the processes, containers and networks that this machine's earlier runs left behind")
    .option("--dry-run", "list what would be removed")
    .option("--json", "print the report as JSON")
    .option("--run <id>", "only this run (repeatable)", collect, [])
    .option("--all-labelled", "also every container and network labelled sim.run-id that no run of this machine lists (listed; removed with --yes)")
    .option("--yes", "with --all-labelled: remove them")
    .action(async (options: CleanCommandOptions) => {
      setExit(await (await import("./commands/clean.js")).cleanCommand(options, io));
    });

  program
    .command("completion")
    .description("print a completion script for bash or zsh (see docs/harness.md#shell-completion)")
    .addArgument(new Argument("<shell>", "bash or zsh").choices(COMPLETION_SHELLS))
    .action((shell: CompletionShell) => {
      setExit(completionCommand(shell, program, io));
    });

  return program;
}

function exitCodeFor(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
  }
  if (error instanceof SimError) {
    io.stderr(`sim: ${error.message}\n`);
    return ExitCode.simulationFailed;
  }
  // A bug in sim itself, not a user mistake: keep the stack so it can be reported.
  io.stderr(`sim: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.simulationFailed;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed)) throw new InvalidArgumentError("the seed must be a non-negative integer.");
  return seed;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError("expected a whole number >= 1.");
  return number;
}

function parseCount(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw new InvalidArgumentError("expected a whole number >= 0.");
  return number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError("expected a number of milliseconds > 0.");
  return ms;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("expected a number of seconds > 0.");
  return seconds;
}

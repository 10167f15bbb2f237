import { homedir } from "node:os";
import { formatProblem, loadScenario, ScenarioInvalidError, ScenarioUnreadableError, type Problem } from "@sim/config";
import { defaultStateDir } from "../../resources/state-dir.js";
import { defaultLaunchers } from "../../launchers.js";
import { SimulationLauncher } from "../../simulation-launcher.js";
import { hostAccessOf, type HostAccess } from "../../host-access.js";
import { ExitCode } from "../exit-codes.js";
import { hostAccessLines } from "../report-text.js";
import type { CliIo } from "../io.js";
import { jsonDocument } from "../json-document.js";
import { cliLogger } from "../log-lines.js";
import type { Logger } from "pino";

interface FileReport {
  file: string;
  valid: boolean;
  problems: Problem[];
  /** Host paths and non-loopback ports the scenario opens (when it is valid). */
  host_access: HostAccess[];
}

export interface ValidateCommandOptions {
  json?: boolean;
  /** Debug logs of the checks (launchers' runtime checks, a line per file) on stderr. */
  verbose?: boolean;
}

/** `sim validate <files...>`: every problem of every file, then exit 0 (all valid) or 2. */
export async function validateCommand(files: string[], options: ValidateCommandOptions, io: CliIo): Promise<number> {
  const reports: FileReport[] = [];
  const stateDir = defaultStateDir(io.env, homedir());
  const logger = cliLogger(options.verbose ?? false, (text) => {
    if (text !== "") io.stderr(text);
  });
  for (const file of files) {
    const report = await validateFile(file, stateDir, io.env, logger);
    const count = (severity: Problem["severity"]) => report.problems.filter((p) => p.severity === severity).length;
    logger.debug({ file, valid: report.valid, errors: count("error"), warnings: count("warning"), host_access: report.host_access.length }, "validated");
    reports.push(report);
  }

  if (options.json) {
    // An object, not the bare list it once was, so that it can carry schema_version.
    io.stdout(jsonDocument("validate", { valid: reports.every((r) => r.valid), files: reports }));
  } else {
    for (const report of reports) {
      for (const problem of report.problems) io.stderr(`${formatProblem(problem)}\n`);
      const warnings = report.problems.filter((p) => p.severity === "warning").length;
      if (report.valid) io.stdout(`${report.file}: valid${warnings > 0 ? ` (${warnings} warning${warnings > 1 ? "s" : ""})` : ""}\n`);
      for (const line of hostAccessLines(report.host_access)) io.stdout(`${line}\n`);
    }
  }
  return reports.every((r) => r.valid) ? ExitCode.ok : ExitCode.invalidInput;
}

/** The file, the files it names, and whether each node's runtime is there (as `sim run` checks before starting). */
async function validateFile(file: string, stateDir: string, env: CliIo["env"], logger: Logger): Promise<FileReport> {
  try {
    const { scenario, warnings } = await loadScenario(file);
    const launcher = new SimulationLauncher(scenario, { stateDir, launchers: defaultLaunchers({ env }), logger });
    const problems = [...warnings, ...(await launcher.validate())];
    return { file, valid: !problems.some((p) => p.severity === "error"), problems, host_access: hostAccessOf(scenario) };
  } catch (error) {
    if (error instanceof ScenarioInvalidError || error instanceof ScenarioUnreadableError) return { file, valid: false, problems: error.problems, host_access: [] };
    throw error;
  }
}

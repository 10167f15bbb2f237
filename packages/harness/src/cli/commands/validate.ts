import { checkScenarioFiles, formatProblem, loadScenario, ScenarioInvalidError, ScenarioUnreadableError, type Problem } from "@sim/config";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

interface FileReport {
  file: string;
  valid: boolean;
  problems: Problem[];
}

/** `sim validate <files...>`: every problem of every file, then exit 0 (all valid) or 2. */
export async function validateCommand(files: string[], options: { json?: boolean }, io: CliIo): Promise<number> {
  const reports: FileReport[] = [];
  for (const file of files) reports.push(await validateFile(file));

  if (options.json) {
    io.stdout(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    for (const report of reports) {
      for (const problem of report.problems) io.stderr(`${formatProblem(problem)}\n`);
      if (report.valid) io.stdout(`${report.file}: valid\n`);
    }
  }
  return reports.every((r) => r.valid) ? ExitCode.ok : ExitCode.invalidInput;
}

async function validateFile(file: string): Promise<FileReport> {
  try {
    const { scenario, warnings } = await loadScenario(file);
    const fileProblems = await checkScenarioFiles(scenario);
    const problems = [...warnings, ...fileProblems];
    return { file, valid: !problems.some((p) => p.severity === "error"), problems };
  } catch (error) {
    if (error instanceof ScenarioInvalidError || error instanceof ScenarioUnreadableError) return { file, valid: false, problems: error.problems };
    throw error;
  }
}

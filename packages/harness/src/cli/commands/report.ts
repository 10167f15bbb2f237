import { dirname, relative } from "node:path";
import { SimError } from "@sim/config";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { jsonDocument } from "../json-document.js";

export interface ReportCommandOptions {
  /** The HTML file; default `<folder>/report.html`. */
  output?: string;
  json?: boolean;
}

/**
 * `sim report <run-dir | sweep-dir> [-o report.html] [--json]`: one self-contained
 * HTML file, and every figure as an SVG file in `figures/` beside it. Exit 0, or
 * 2 when the folder is neither a run's nor a sweep's.
 */
export async function reportCommand(folder: string, options: ReportCommandOptions, io: CliIo): Promise<number> {
  // Loaded here, not at the top: Vega is only needed by this command.
  const { writeReport } = await import("@sim/report");
  let result;
  try {
    result = await writeReport(folder, options.output !== undefined ? { output: options.output } : {});
  } catch (error) {
    if (!(error instanceof SimError) || error.code !== "SIM_REPORT_INPUT") throw error;
    if (options.json) io.stdout(jsonDocument("report", { error: { code: error.code, message: error.message } }));
    io.stderr(`sim: ${error.message}\n`);
    return ExitCode.invalidInput;
  }
  if (options.json) {
    io.stdout(jsonDocument("report", { report: result.report, figures: result.figures }));
  } else {
    const shown = (path: string) => {
      const rel = relative(process.cwd(), path);
      return rel === "" || rel.startsWith("..") ? path : rel;
    };
    const where = result.figures[0] !== undefined ? ` in ${shown(dirname(result.figures[0]))}/` : "";
    io.stdout(`${shown(result.report)}: ${result.kind} report, ${result.figures.length} figure(s)${where}\n`);
    for (const note of result.notes) io.stdout(`  not shown: ${note}\n`);
  }
  return ExitCode.ok;
}

import { homedir } from "node:os";
import { cleanLeftovers, type CleanReport } from "../../reaper/clean-leftovers.js";
import { defaultStateDir } from "../../resources/state-dir.js";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

/** `sim clean [--dry-run]`: removes what earlier runs left behind (by registry and by label). */
export async function cleanCommand(options: { dryRun?: boolean; json?: boolean }, io: CliIo): Promise<number> {
  const report = await cleanLeftovers({ stateDir: defaultStateDir(io.env, homedir()), dryRun: options.dryRun ?? false });
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : cleanText(report));
  return report.errors.length > 0 ? ExitCode.simulationFailed : ExitCode.ok;
}

function cleanText(report: CleanReport): string {
  const verb = report.dryRun ? "would remove" : "removed";
  const lines: string[] = [];
  for (const run of report.staleRuns) {
    const items = [
      ...run.processes.map((p) => `process ${p.pid} (${p.node}): ${p.outcome}`),
      ...run.containers.map((c) => `container ${c.id.slice(0, 12)}: ${c.outcome}`),
      ...run.networks.map((nw) => `network ${nw.id.slice(0, 12)}: ${nw.outcome}`),
    ];
    lines.push(`run ${run.runId}: ${items.length === 0 ? "nothing left" : items.join(", ")}`);
  }
  for (const c of report.unlisted.containers) lines.push(`unlisted container ${c.id.slice(0, 12)}: ${c.outcome}`);
  for (const nw of report.unlisted.networks) lines.push(`unlisted network ${nw.id.slice(0, 12)}: ${nw.outcome}`);
  for (const active of report.activeRuns) lines.push(`run ${active}: still running, left alone`);
  for (const file of report.unreadable) lines.push(`unreadable registry file ${file} (left in place)`);
  for (const error of report.errors) lines.push(`error: ${error}`);
  if (lines.length === 0) lines.push(`nothing to clean (${verb} nothing)`);
  return lines.join("\n") + "\n";
}

import { homedir } from "node:os";
import { cleanLeftovers, type CleanReport } from "../../reaper/clean-leftovers.js";
import { defaultStateDir } from "../../resources/state-dir.js";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { jsonDocument } from "../json-document.js";
import type { ReapReport } from "../../reaper/reap.js";

export interface CleanCommandOptions {
  dryRun?: boolean;
  json?: boolean;
  /** Only these runs. */
  run: string[];
  /** Also every container and network labelled `sim.run-id` that this machine's registry does not list. */
  allLabelled?: boolean;
  /** With --all-labelled: remove them (without it they are only listed). */
  yes?: boolean;
}

/**
 * `sim clean`: removes what this machine's registry records for runs whose harness
 * is gone (`--run ID`: that run only). `--all-labelled` also takes every labelled
 * resource on the engine that no registry file here lists — on a shared engine,
 * other people's too — so it lists them first and removes them only with `--yes`.
 */
export async function cleanCommand(options: CleanCommandOptions, io: CliIo): Promise<number> {
  const listOnly = options.allLabelled === true && options.yes !== true;
  const report = await cleanLeftovers({
    stateDir: defaultStateDir(io.env, homedir()),
    dryRun: (options.dryRun ?? false) || listOnly,
    unlisted: options.allLabelled ?? false,
    ...(options.run.length > 0 ? { runIds: options.run } : {}),
  });
  io.stdout(options.json ? jsonDocument("clean", cleanJson(report)) : cleanText(report));
  const unlisted = report.unlisted.containers.length + report.unlisted.networks.length;
  if (listOnly && !options.json && unlisted > 0) io.stdout(`these ${unlisted} labelled resource(s) are listed by no run of this machine (on a shared engine they may be someone else's): run again with --all-labelled --yes to remove them\n`);
  return report.errors.length > 0 ? ExitCode.simulationFailed : ExitCode.ok;
}

/** The report as `--json` prints it: `cleanLeftovers`' report (camelCase, as TypeScript APIs are) with snake_case keys. */
function cleanJson(report: CleanReport): object {
  const docker = (r: ReapReport["containers"][number]) => ({ id: r.id, docker_host: r.dockerHost, outcome: r.outcome, ...(r.error !== undefined ? { error: r.error } : {}) });
  return {
    dry_run: report.dryRun,
    active_runs: report.activeRuns,
    stale_runs: report.staleRuns.map((run) => ({
      run_id: run.runId,
      file: run.file,
      harness_pid: run.harnessPid,
      created_at: run.createdAt,
      processes: run.processes.map((p) => ({ node: p.node, pid: p.pid, pgid: p.pgid, outcome: p.outcome })),
      strays: run.strays.map((p) => ({ pid: p.pid, outcome: p.outcome })),
      containers: run.containers.map(docker),
      networks: run.networks.map(docker),
      folders: run.folders.map((f) => ({ path: f.path, outcome: f.outcome, ...(f.error !== undefined ? { error: f.error } : {}) })),
      errors: run.errors,
      clean: run.clean,
      file_removed: run.fileRemoved,
    })),
    unlisted: { containers: report.unlisted.containers.map(docker), networks: report.unlisted.networks.map(docker) },
    unreadable: report.unreadable,
    errors: report.errors,
  };
}

function cleanText(report: CleanReport): string {
  const verb = report.dryRun ? "would remove" : "removed";
  const lines: string[] = [];
  for (const run of report.staleRuns) {
    const items = [
      ...run.processes.map((p) => `process ${p.pid} (${p.node}): ${p.outcome}`),
      ...run.containers.map((c) => `container ${c.id.slice(0, 12)}: ${c.outcome}`),
      ...run.networks.map((nw) => `network ${nw.id.slice(0, 12)}: ${nw.outcome}`),
      ...run.folders.map((f) => `folder ${f.path}: ${f.outcome}`),
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

/** The short human-readable texts of `sim run`: the dry-run plan and the end-of-run summary. */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import type { HostAccess } from "../host-access.js";
import type { RunPlan } from "../plan.js";
import type { RunSummaryJson } from "../run-scenario.js";
import { OUTPUT_FILES } from "../outputs.js";
import { LATENCY_CSV_MAX_SAMPLES } from "../result-tables.js";

const n = (value: number) => value.toLocaleString("en-US");
const ms = (value: number) => `${Number(value.toPrecision(4))} ms`;

export function planText(plan: RunPlan): string {
  const lines = [
    `plan for ${plan.scenario} (dry run: nothing started)`,
    `  duration  ${plan.duration_sec} s virtual${plan.realtime_factor === null ? ", as fast as possible" : `, paced at ${plan.realtime_factor}x real time`}`,
    `  seed      ${plan.seed}`,
    `  quantum   ${n(plan.time_quantum_us)} µs${plan.external.length === 0 ? " (unused: no external node, a pure discrete-event run)" : ""}`,
    `  nodes     ${Object.entries(plan.nodes).map(([type, count]) => `${n(count)} ${type}`).join(", ")}`,
    `  network   ${plan.network}`,
    `  ml        ${plan.ml_placement === null ? "none" : `inference at the ${plan.ml_placement}`}`,
  ];
  if (plan.external.length > 0) {
    lines.push("  would start:");
    for (const node of plan.external) {
      const details = Object.entries(node.details)
        .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      lines.push(`    ${node.id} (${node.type}) ${details}`);
    }
  }
  lines.push(...hostAccessLines(plan.host_access));
  return lines.join("\n") + "\n";
}

/** What the scenario opens of this machine; nothing when it opens nothing. */
export function hostAccessLines(access: readonly HostAccess[]): string[] {
  if (access.length === 0) return [];
  return ["  host access:", ...access.map((a) => `    ${a.kind} of ${a.node}: ${a.what}`)];
}

/** `shownAs`: the scenario as the user named it. */
export function summaryText(summary: RunSummaryJson, shownAs: string, outDir: string, cwd: string): string {
  const status = summary.success ? "success" : summary.interrupted ? "INTERRUPTED" : "FAILED";
  const m = summary.messages;
  const drops = Object.entries(m.dropped_by_reason).map(([reason, count]) => `${reason} ${n(count)}`).join(", ");
  // A run that stopped before virtual time moved has no speed to speak of.
  const speed = summary.wall_sec > 0 && summary.duration_sec > 0 ? ` (${n(Math.round(summary.duration_sec / summary.wall_sec))}x real time)` : "";
  const lines = [
    `${shownAs}: ${status}`,
    `  seed      ${summary.seed}; ${summary.duration_sec} s virtual in ${summary.wall_sec.toFixed(2)} s${speed}`,
    `  digest    ${summary.digest ?? "(not computed)"}`,
    `  events    ${n(summary.events)}`,
    `  messages  ${n(m.sent)} sent, ${n(m.delivered)} delivered, ${n(m.dropped)} dropped${drops ? ` (${drops})` : ""}, ${n(m.late_deliveries)} late`,
  ];
  for (const [series, f] of Object.entries(summary.latency_ms)) {
    lines.push(`  latency   ${series}: p50 ${ms(f.p50)}, p95 ${ms(f.p95)}, p99 ${ms(f.p99)} (${n(f.count)} samples)`);
  }
  if (summary.ml !== null) lines.push(mlLine(summary.ml));
  for (const [id, endpoint] of Object.entries(summary.docker)) lines.push(dockerLine(id, endpoint));
  if (summary.error) lines.push(...errorLines(summary.error, outDir, cwd));
  const c = summary.cleanup;
  lines.push(
    `  cleanup   ${n(c.processes_left)} processes, ${n(c.containers_left)} containers left` +
      ` (stopped ${n(c.processes_stopped)} processes, removed ${n(c.containers_removed)} containers, ${n(c.networks_removed)} networks)`,
  );
  for (const leftover of c.leftovers) lines.push(`            left: ${leftover}`);
  const rel = relative(cwd, outDir);
  const shown = rel === "" ? "." : rel.startsWith("..") ? outDir : rel;
  lines.push(`  outputs   ${shown}/ (${summary.files.join(", ")})`);
  const samples = Object.values(summary.latency_ms).reduce((total, f) => total + f.count, 0);
  if (samples > 0 && !summary.files.includes(OUTPUT_FILES.latency)) {
    lines.push(`            ${OUTPUT_FILES.latency} not written: ${n(samples)} samples (written up to ${n(LATENCY_CSV_MAX_SAMPLES)}; --samples writes it anyway)`);
  }
  return lines.join("\n") + "\n";
}

/** `docker    broker: 127.0.0.1:49153 -> 8080/tcp; 172.18.0.2 on default` */
function dockerLine(id: string, endpoint: RunSummaryJson["docker"][string]): string {
  const ports = endpoint.ports.map((p) => `${p.host === null ? "(not published)" : `${p.host.includes(":") ? `[${p.host}]` : p.host}:${p.host_port}`} -> ${p.container_port}/${p.protocol}`);
  const addresses = endpoint.addresses === null ? [] : Object.entries(endpoint.addresses).map(([network, ip]) => `${ip} on ${network}`);
  return `  docker    ${id}: ${[...ports, ...addresses].join("; ") || endpoint.container}`;
}

/** `ml        edge: 1,180 decisions; TP 23, FP 1, FN 2, TN 1,154; precision 0.958, recall 0.92` */
function mlLine(ml: NonNullable<RunSummaryJson["ml"]>): string {
  const ratio = (v: number | null) => (v === null ? "n/a" : String(Number(v.toPrecision(3))));
  return (
    `  ml        ${ml.placement}: ${n(ml.decisions)} decisions; TP ${n(ml.true_positives)}, FP ${n(ml.false_positives)}, FN ${n(ml.false_negatives)}, TN ${n(ml.true_negatives)}; ` +
    `precision ${ratio(ml.precision)}, recall ${ratio(ml.recall)}`
  );
}

/**
 * The failure, once: `node "x" failed: exited with code 3`, the node's last output
 * indented under it, and where its whole log is.
 */
function errorLines(error: NonNullable<RunSummaryJson["error"]>, outDir: string, cwd: string): string[] {
  const node = error.node;
  const alreadyNamed = node !== null && error.message.startsWith(`node "${node}"`);
  const [first = "", ...rest] = `${node !== null && !alreadyNamed ? `node "${node}": ` : ""}${error.message}`.split("\n");
  const lines = [`  error     ${first}`, ...rest.map((line) => `          ${line}`)];
  if (node !== null) {
    const log = join(outDir, OUTPUT_FILES.logs, `${node}.log`);
    if (existsSync(log)) lines.push(`            log: ${shownPath(log, cwd)}`);
  }
  return lines;
}

function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}

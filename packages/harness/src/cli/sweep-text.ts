/** The short human-readable texts of `sim sweep`: the dry-run plan and the end-of-sweep report. */
import { relative } from "node:path";
import type { SweepPlan, SweepResult } from "../sweep/run-sweep.js";

const n = (value: number) => value.toLocaleString("en-US");

export function sweepPlanText(plan: SweepPlan, shownAs: string): string {
  const lines = [
    `plan for ${shownAs} (dry run: nothing started)`,
    `  scenario  ${plan.scenario}`,
    `  points    ${n(plan.points)}${plan.parameters.length > 0 ? ` over ${plan.parameters.join(", ")}` : ""}`,
    `  members   ${n(plan.members)} = ${n(plan.points)} point(s) x ${n(plan.replicates)} replicate(s) (${n(plan.distinct)} distinct; ${n(plan.finished)} finished earlier, ${n(plan.to_run)} to run)`,
    `  metrics   ${plan.metrics.join(", ")}`,
    "  first members:",
  ];
  for (const m of plan.first_members) {
    lines.push(`    point ${m.point} replicate ${m.replicate}: --seed ${m.seed}${m.set.map((s) => ` --set ${s}`).join("")}${m.finished ? " (finished)" : ""}  [${m.key}]`);
  }
  if (plan.members > plan.first_members.length) lines.push(`    … and ${n(plan.members - plan.first_members.length)} more`);
  lines.push("  executor:", ...plan.executor.map((line) => `    ${line}`));
  return lines.join("\n") + "\n";
}

export function sweepResultText(result: SweepResult, shownAs: string, cwd: string): string {
  const { plan } = result;
  const status = result.interrupted ? "INTERRUPTED" : result.success ? "success" : "FAILED";
  const shown = (path: string) => {
    const rel = relative(cwd, path);
    return rel === "" ? "." : rel.startsWith("..") ? path : rel;
  };
  const lines = [
    `${shownAs}: ${status}`,
    `  members   ${n(plan.members)} (${n(plan.points)} point(s) x ${n(plan.replicates)} replicate(s); ${n(plan.distinct)} distinct)`,
    `  ran       ${n(result.ran)} now, ${n(plan.finished)} finished earlier (skipped)`,
  ];
  if (result.failed.length > 0) {
    lines.push(`  failed    ${n(result.failed.length)}:`);
    for (const f of result.failed) {
      const error = f.error ? `: ${f.error.replace(/\n/g, "\n      ")}` : "";
      lines.push(`    point ${f.point} replicate ${f.replicate} (seed ${f.seed}): ${f.status}${error}`, `      log ${shown(f.log)}`);
    }
  }
  if (result.verified.length > 0) {
    const bad = result.verified.filter((v) => !v.ok);
    lines.push(`  verified  ${n(result.verified.length)} member(s) re-run: ${bad.length === 0 ? "same digests" : `${n(bad.length)} DIFFER (nondeterminism)`}`);
    for (const v of bad) {
      lines.push(`    member ${v.key}: stored ${v.stored_digest}, re-run ${v.rerun_digest ?? "(failed)"}`);
      if (v.difference) {
        lines.push(`      first difference at trace line ${v.difference.line}:`, `        run 1: ${v.difference.first ?? "(end of trace)"}`, `        run 2: ${v.difference.second ?? "(end of trace)"}`);
      }
      if (v.note) lines.push(`      ${v.note}`);
      lines.push(`      re-run outputs: ${shown(v.dir)}`);
    }
  }
  if (result.outDir) lines.push(`  outputs   ${shown(result.outDir)}/ (results.csv, results.jsonl, points.csv, sweep.json, members/)`);
  return lines.join("\n") + "\n";
}

/** The body of a sweep report: the definition, the figures, the points and the failed members. */
import { basename, join } from "node:path";
import { csvNumber } from "./csv.js";
import { code, escapeHtml, figuresSection, formatNumber as n, keyValueTable, notesSection, page, table, type PageFigure } from "./html.js";
import type { SweepData } from "./read-sweep.js";

/** Rows of the failed-members list at most (the rest are counted). */
const MAX_FAILED_ROWS = 500;

export function failedMembers(sweep: SweepData): Record<string, string>[] {
  return sweep.results.filter((r) => r["status"] !== "succeeded");
}

export function sweepPage(sweep: SweepData, figures: PageFigure[], notes: string[], command: string): string {
  const f = sweep.file;
  const name = basename(f.sweep.source ?? f.sweep.scenario).replace(/\.ya?ml$/, "");
  const statuses = new Map<string, number>();
  for (const r of sweep.results) statuses.set(r["status"] ?? "", (statuses.get(r["status"] ?? "") ?? 0) + 1);
  const failed = failedMembers(sweep);
  const status = failed.length === 0 ? `<span class="badge ok">all succeeded</span>` : `<span class="badge bad">${failed.length} not succeeded</span>`;
  const values = (vs: unknown[]) => vs.map((v) => code(typeof v === "string" ? v : JSON.stringify(v))).join(", ");
  const provenance = keyValueTable([
    ["sweep file", f.sweep.source ? code(f.sweep.source) : "(from the command line)"],
    ["scenario", code(f.sweep.scenario)],
    ...f.sweep.parameters.map((p): [string, string] => [`parameter ${p.key}`, values(p.values)]),
    ...(f.sweep.zip ?? []).map((group, g): [string, string] => [`zip group ${g}`, group.map((p) => `${code(p.key)}: ${values(p.values)}`).join("<br>")]),
    ["replicates", `${f.sweep.replicates} per point, seeds ${f.base_seed} … ${f.base_seed + f.sweep.replicates - 1}`],
    ["metrics", f.metrics.map(code).join(", ")],
    ["sim", f.versions ? `${escapeHtml(f.versions.sim)}${f.versions.sim_commit ? `, commit ${code(f.versions.sim_commit)}` : ""}` : "–"],
    ["Node.js", escapeHtml(f.versions?.node ?? "–")],
    ["host", escapeHtml(f.host ?? "–")],
    ["tables updated", escapeHtml(f.updated_at ?? "–")],
    ["store", code(sweep.dir)],
  ]);
  const members = keyValueTable([
    ["members", `${n(sweep.results.length)} (${n(sweep.points.length)} points × ${f.sweep.replicates} replicates)`],
    ["status", `${status} ${[...statuses].map(([s, c]) => `${escapeHtml(s)} ${n(c)}`).join(", ")}`],
    ["wall time", `${n(sweep.results.reduce((sum, r) => sum + (csvNumber(r["wall_sec"]) ?? 0), 0))} s over all members`],
  ]);
  const ci = (r: Record<string, string>, metric: string) => {
    const mean = csvNumber(r[`${metric}.mean`]);
    const lo = csvNumber(r[`${metric}.ci95_lo`]);
    const hi = csvNumber(r[`${metric}.ci95_hi`]);
    return mean === null ? "–" : lo === null || hi === null ? n(mean) : `${n(mean)} <span class="ci">[${n(lo)}, ${n(hi)}]</span>`;
  };
  const points = table(
    [...sweep.parameters, "point", "n", "failed", ...f.metrics.map((m) => `${m}: mean [95 % CI]`)],
    sweep.points.map((r) => [...sweep.parameters.map((p) => code(r[p] ?? "")), escapeHtml(r["point"] ?? ""), escapeHtml(r["n"] ?? ""), escapeHtml(r["failed"] ?? ""), ...f.metrics.map((m) => ci(r, m))]),
    { numeric: [sweep.parameters.length, sweep.parameters.length + 1, sweep.parameters.length + 2, ...f.metrics.map((_, i) => sweep.parameters.length + 3 + i)], id: "points-table" },
  );
  const failedList =
    failed.length === 0
      ? "<p>None: every member succeeded.</p>"
      : table(
          [...sweep.parameters, "replicate", "seed", "status", "error", "member log"],
          failed.slice(0, MAX_FAILED_ROWS).map((r) => [
            ...sweep.parameters.map((p) => code(r[p] ?? "")),
            escapeHtml(r["replicate"] ?? ""),
            escapeHtml(r["seed"] ?? ""),
            `<span class="badge bad">${escapeHtml(r["status"] ?? "")}</span>`,
            escapeHtml(r["error"] ?? ""),
            r["key"] ? code(join("members", r["key"], "member.log")) : "–",
          ]),
          { id: "failed-table" },
        ) + (failed.length > MAX_FAILED_ROWS ? `<p>… and ${n(failed.length - MAX_FAILED_ROWS)} more (results.csv lists them all).</p>` : "");
  const body = [
    `<header><h1>Sweep report: ${escapeHtml(name)} ${status}</h1><p class="sub">${n(sweep.points.length)} points × ${f.sweep.replicates} replicates over ${escapeHtml(sweep.parameters.join(", ") || "no parameter")}</p></header>`,
    `<section id="provenance"><h2>Definition and provenance</h2>${provenance}</section>`,
    `<section id="members"><h2>Members</h2>${members}</section>`,
    figuresSection(figures),
    `<section id="points"><h2>Points</h2><p>One row per point (points.csv): the mean of each metric over the replicates that succeeded, with its 95 % confidence interval.</p>${points}</section>`,
    `<section id="failed"><h2>Failed members</h2>${failedList}</section>`,
    notesSection(notes),
    `<footer>Made by ${code(command)} from sweep.json, results.csv and points.csv; every figure is also an SVG file in ${code("figures/")}.</footer>`,
  ];
  return page(`sim sweep report: ${name}`, body.join("\n"));
}

/** The body of a run report: provenance, the run's figures and tables. */
import { basename } from "node:path";
import { code, escapeHtml, figuresSection, formatNumber as n, keyValueTable, notesSection, page, table, type PageFigure } from "./html.js";
import type { RunData } from "./read-run.js";
import { nodeGroupRows } from "./run-figures.js";

export function runPage(run: RunData, figures: PageFigure[], notes: string[], command: string): string {
  const s = run.summary;
  const name = run.scenario["name"] ?? (s.scenario ? basename(s.scenario).replace(/\.ya?ml$/, "") : basename(run.dir));
  const status = s.success ? `<span class="badge ok">success</span>` : `<span class="badge bad">${s.interrupted ? "interrupted" : "failed"}</span>`;
  const wall = s.wall_sec;
  const costRows: [string, string][] =
    wall === undefined
      ? [["wall time", "not recorded"]]
      : [
          ["wall time", `${n(wall)} s for ${n(s.duration_sec)} s virtual`],
          ["cost", `<b>${n(wall / s.duration_sec)}</b> wall seconds per virtual second (${n(s.duration_sec / wall)}× real time)`],
        ];
  if (s.ml) costRows.push(["ML inference", `${n(s.ml.wall_ms)} ms wall for ${n(s.ml.inferences)} inferences (${n(s.ml.inferences > 0 ? s.ml.wall_ms / s.ml.inferences : null)} ms each)`]);

  const provenance = keyValueTable([
    ["scenario", s.scenario ? code(s.scenario) : "–"],
    ["seed", String(s.seed)],
    ["virtual duration", `${n(s.duration_sec)} s`],
    ["digest (SHA-256 of trace.jsonl)", s.digest ? code(s.digest) : "–"],
    ["run id", s.run_id ? code(s.run_id) : "–"],
    ["sim", s.versions ? `${escapeHtml(s.versions.sim)}${s.versions.sim_commit ? `, commit ${code(s.versions.sim_commit)}` : " (not from a git checkout)"}` : "–"],
    ["Node.js", s.versions ? escapeHtml(s.versions.node) : "–"],
    ["network model", escapeHtml(run.scenario["network.type"] ?? "–")],
    ["run folder", code(run.dir)],
    ["files", (s.files ?? []).map(code).join(" ") || "–"],
  ]);
  const m = s.messages;
  const runTable = keyValueTable([
    ["outcome", `${status}${s.error ? ` ${escapeHtml(s.error.code)}: ${escapeHtml(s.error.message)}${s.error.node ? ` (node ${escapeHtml(s.error.node)})` : ""}` : ""}`],
    ["events", n(s.events)],
    ["messages", `${n(m.sent)} sent, ${n(m.delivered)} delivered, ${n(m.dropped)} dropped, ${n(m.late_deliveries ?? null)} late, ${n(m.in_flight ?? null)} in flight at the end`],
    ["dropped by reason", Object.entries(m.dropped_by_reason ?? {}).map(([r, c]) => `${escapeHtml(r)} ${n(c)}`).join(", ") || "none"],
    ...costRows,
    ["warnings", (s.warnings ?? []).map((w) => escapeHtml(w.message)).join("<br>") || "none"],
  ]);
  const latency = table(
    ["series", "samples", "mean (ms)", "p50", "p95", "p99", "max"],
    Object.entries(s.latency_ms).map(([series, f]) => [escapeHtml(series), n(f.count), n(f.mean), n(f.p50), n(f.p95), n(f.p99), n(f.max)]),
    { numeric: [1, 2, 3, 4, 5, 6], id: "latency-table" },
  );
  const links = table(
    ["link rule", "messages", "delivered", "dropped", "bytes"],
    Object.entries(s.links ?? {}).map(([link, l]) => [escapeHtml(link), n(l.messages), n(l.delivered), n(l.dropped), n(l.bytes)]),
    { numeric: [1, 2, 3, 4], id: "links-table" },
  );
  const groups = table(
    ["group", "type", "nodes", "sent", "received", "dropped", "counters (summed over the group)"],
    nodeGroupRows(run).map((g) => [
      escapeHtml(g.group),
      escapeHtml(g.type),
      n(g.nodes),
      n(g.sent),
      n(g.received),
      n(g.dropped),
      Object.entries(g.counters)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${escapeHtml(k)} ${n(v)}`)
        .join(", ") || "–",
    ]),
    { numeric: [2, 3, 4, 5], id: "groups-table" },
  );
  const ml = s.ml
    ? `<h3>ML inference</h3>` +
      keyValueTable([
        ["placement", escapeHtml(s.ml.placement)],
        ["model", s.ml.model_path ? code(s.ml.model_path) : "–"],
        ["decisions", n(s.ml.decisions)],
        ["TP / FP / FN / TN", `${n(s.ml.true_positives)} / ${n(s.ml.false_positives)} / ${n(s.ml.false_negatives)} / ${n(s.ml.true_negatives)}`],
        ["precision", n(s.ml.precision)],
        ["recall", n(s.ml.recall)],
      ])
    : "";
  const scenario = run.scenarioText
    ? `<section id="scenario"><h2>Scenario file</h2><details><summary>${code(s.scenario ?? "")} as written (the run's defaults and overrides are in scenario.resolved.yaml)</summary><pre>${escapeHtml(run.scenarioText)}</pre></details></section>`
    : "";
  const body = [
    `<header><h1>Run report: ${escapeHtml(name)} ${status}</h1><p class="sub">seed ${s.seed}, ${n(s.duration_sec)} s virtual${s.digest ? `, digest ${code(s.digest.slice(0, 16))}…` : ""}</p></header>`,
    `<section id="provenance"><h2>Provenance</h2>${provenance}</section>`,
    `<section id="run"><h2>Run</h2><div class="columns"><div>${runTable}</div><div><h3>Latency</h3>${latency}<h3>Links</h3>${links}</div></div></section>`,
    figuresSection(figures),
    `<section id="groups"><h2>Node groups</h2>${groups}${ml}</section>`,
    notesSection(notes),
    scenario,
    `<footer>Made by ${code(command)} from the files of the run folder; every figure is also an SVG file in ${code("figures/")}.</footer>`,
  ];
  return page(`sim run report: ${name} (seed ${s.seed})`, body.join("\n"));
}

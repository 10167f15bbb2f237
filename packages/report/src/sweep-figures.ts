/** The figures of a sweep report: every metric against every parameter, with 95 % confidence bands. */
import { csvNumber } from "./csv.js";
import { paperFigure } from "./paper.js";
import type { SweepData } from "./read-sweep.js";
import type { FigureSpec } from "./types.js";

export interface SweepFigures {
  figures: FigureSpec[];
  notes: string[];
}

/** One figure's plan: the metric, the x parameter, the parameters that split it into lines. */
export interface SweepFigurePlan {
  metric: string;
  parameter: string;
  /** Parameters with more than one value, outside the x parameter's zip group: one line per combination of their values. */
  others: string[];
}

/** The parameters that take more than one value in points.csv. */
export function varyingParameters(sweep: SweepData): string[] {
  return sweep.parameters.filter((p) => new Set(sweep.points.map((r) => r[p])).size > 1);
}

export function sweepFigurePlans(sweep: SweepData): SweepFigurePlan[] {
  const varying = varyingParameters(sweep);
  return sweep.file.metrics.flatMap((metric) =>
    varying.map((parameter) => {
      const together = new Set(sweep.together.get(parameter) ?? [parameter]);
      return { metric, parameter, others: varying.filter((p) => !together.has(p)) };
    }),
  );
}

/** The line a point belongs to: the values of the other parameters, joined. */
export function lineLabel(row: Record<string, string>, others: string[]): string {
  return others.map((p) => row[p] ?? "").join(", ");
}

export function sweepFigures(sweep: SweepData): SweepFigures {
  const notes: string[] = [];
  const plans = sweepFigurePlans(sweep);
  if (varyingParameters(sweep).length === 0) notes.push("No parameter takes more than one value: nothing to draw against.");
  const names = new Set<string>();
  const figures: FigureSpec[] = [];
  for (const plan of plans) {
    const figure = sweepFigure(sweep, plan, names);
    if (typeof figure === "string") notes.push(figure);
    else figures.push(figure);
  }
  const cost = costFigure(sweep);
  if (typeof cost === "string") notes.push(cost);
  else figures.push(cost);
  return { figures, notes };
}

/**
 * What the sweep cost: each succeeded member's wall seconds (results.csv's `wall_sec`)
 * per point, with the point's mean as a tick, so that the expensive corner of the grid
 * shows before the next, larger sweep is planned.
 */
export function costFigure(sweep: SweepData): FigureSpec | string {
  const values = sweep.results
    .filter((r) => r["status"] === "succeeded" && csvNumber(r["wall_sec"]) !== null)
    .map((r) => ({ point: csvNumber(r["point"]), wall: csvNumber(r["wall_sec"]) }));
  if (values.length === 0) return "Cost: no member succeeded, so no wall time to draw.";
  const x = { field: "point", type: "ordinal", title: "point (points.csv)", axis: { labelAngle: 0 } };
  const total = values.reduce((sum, v) => sum + (v.wall ?? 0), 0);
  return {
    name: "cost",
    title: "Cost per point",
    caption:
      `Wall-clock seconds of each succeeded member (dots) and their mean per point (ticks); ` +
      `${values.length} members, ${Math.round(total * 10) / 10} s in all. A point's parameters are in the points table. ` +
      `Members that ran side by side share the machine: compare points, not absolute times across executors.`,
    spec: paperFigure(
      {
        data: { values },
        layer: [
          { name: "members", mark: { type: "point", opacity: 0.6 }, encoding: { x, y: { field: "wall", type: "quantitative", title: "wall seconds per member" } } },
          { name: "mean", mark: { type: "tick", thickness: 2 }, encoding: { x, y: { aggregate: "mean", field: "wall", type: "quantitative" } } },
        ],
      },
      { legendEntries: 0 },
    ),
  };
}

function sweepFigure(sweep: SweepData, plan: SweepFigurePlan, names: Set<string>): FigureSpec | string {
  const { metric, parameter, others } = plan;
  const rows = sweep.points.filter((r) => csvNumber(r[`${metric}.mean`]) !== null);
  if (rows.length === 0) return `${metric}: no point has a value (no member succeeded, or no run has this figure): no figure against ${parameter}.`;
  const numeric = sweep.points.every((r) => csvNumber(r[parameter]) !== null);
  const values = rows.map((r) => ({
    x: numeric ? csvNumber(r[parameter]) : r[parameter],
    line: lineLabel(r, others),
    mean: csvNumber(r[`${metric}.mean`]),
    lo: csvNumber(r[`${metric}.ci95_lo`]),
    hi: csvNumber(r[`${metric}.ci95_hi`]),
  }));
  const lines = new Set(values.map((v) => v.line)).size;
  const hasBand = values.some((v) => v.lo !== null && v.hi !== null);
  const xValues = [...new Set(values.map((v) => v.x))];
  // A tick at each value the parameter takes (when they are few): 1, 2, 4 rather than 1.0, 1.5, 2.0, ….
  const x = numeric
    ? { field: "x", type: "quantitative", title: parameter, scale: { zero: false }, ...(xValues.length <= 12 ? { axis: { values: xValues } } : {}) }
    : { field: "x", type: "ordinal", title: parameter, sort: null, axis: { labelAngle: 0 } };
  const color = others.length > 0 ? { color: { field: "line", type: "nominal", title: others.join(", "), sort: null } } : {};
  // The legend shows the lines, not the pale bands.
  const bandColor = others.length > 0 ? { color: { ...color.color, legend: null } } : {};
  // A metric that never changes gets Vega's default format of a zero-width domain ("0.000000"): print it plainly.
  const constant = new Set(values.map((v) => v.mean)).size === 1;
  const y = { field: "mean", type: "quantitative", title: `${metric} (mean)`, scale: { zero: false }, ...(constant ? { axis: { format: "~g" } } : {}) };
  const layer = [
    ...(hasBand ? [{ name: "band", mark: { type: "area", opacity: 0.18 }, transform: [{ filter: "datum.lo !== null && datum.hi !== null" }], encoding: { x, y: { field: "lo", type: "quantitative", title: y.title, scale: { zero: false } }, y2: { field: "hi" }, ...bandColor } }] : []),
    { name: "mean", mark: "line", encoding: { x, y, ...color } },
    { name: "points", mark: "point", encoding: { x, y, ...color } },
  ];
  const together = (sweep.together.get(parameter) ?? []).filter((p) => p !== parameter);
  let name = `${slug(metric)}-vs-${slug(parameter)}`;
  for (let i = 2; names.has(name); i++) name = `${slug(metric)}-vs-${slug(parameter)}-${i}`;
  names.add(name);
  return {
    name,
    title: `${metric} against ${parameter}`,
    caption:
      `Mean of ${metric} over the replicates of each point against ${parameter}` +
      (together.length > 0 ? ` (which varies together with ${together.join(", ")})` : "") +
      (others.length > 0 ? `, one line per value of ${others.join(", ")}` : "") +
      (hasBand ? "; the band is the 95 % confidence interval of the mean (points.csv, Student's t)." : "; one replicate per point: no confidence band."),
    spec: paperFigure({ data: { values }, layer }, { legendEntries: others.length > 0 ? lines : 0 }),
  };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Reads a sweep's result store (docs/sweeps.md): sweep.json, results.csv, points.csv. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCsv } from "./csv.js";

/** The part of sweep.json the report reads. */
export interface SweepFile {
  sweep: {
    source?: string | null;
    scenario: string;
    parameters: { key: string; values: unknown[] }[];
    zip: { key: string; values: unknown[] }[][];
    replicates: number;
  };
  base_seed: number;
  metrics: string[];
  versions?: { sim: string; sim_commit: string | null; node: string };
  host?: string;
  updated_at?: string;
}

export interface SweepData {
  dir: string;
  file: SweepFile;
  /** Parameter columns, in the tables' order; each zip group's keys together. */
  parameters: string[];
  /** For each parameter, the parameters that vary with it (its zip group, itself included). */
  together: Map<string, string[]>;
  results: Record<string, string>[];
  points: Record<string, string>[];
}

export async function readSweep(dir: string, file: SweepFile): Promise<SweepData> {
  const [results, points] = await Promise.all([readFile(join(dir, "results.csv"), "utf8"), readFile(join(dir, "points.csv"), "utf8")]);
  const together = new Map<string, string[]>();
  for (const p of file.sweep.parameters) together.set(p.key, [p.key]);
  for (const group of file.sweep.zip ?? []) for (const p of group) together.set(p.key, group.map((q) => q.key));
  const pointTable = parseCsv(points);
  // The tables' own columns before `point` are the parameters, in their order.
  const pointAt = pointTable.header.indexOf("point");
  const parameters = pointAt >= 0 ? pointTable.header.slice(0, pointAt) : [...together.keys()];
  for (const key of parameters) if (!together.has(key)) together.set(key, [key]);
  return { dir, file, parameters, together, results: parseCsv(results).rows, points: pointTable.rows };
}

/** Reading a sweep's CSV tables in tests. */
import { readFileSync } from "node:fs";

export type CsvRow = Record<string, string>;

export function readCsv(path: string): CsvRow[] {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const columns = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, i) => [columns[i]!, cell])));
}

/** The table without the one column that differs between identical sweeps (wall time). */
export function withoutWallTime(path: string): string {
  const lines = readFileSync(path, "utf8").trim().split("\n");
  const drop = lines[0]!.split(",").indexOf("wall_sec");
  return lines.map((l) => l.split(",").filter((_, i) => i !== drop).join(",")).join("\n");
}

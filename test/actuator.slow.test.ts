/** scenarios/actuator.yaml through `sim run`: the valve's commands in the trace, metrics.csv, latency.csv and the summary agree. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";
import { readCsv } from "./helpers/tables.js";

test("scenarios/actuator.yaml: every command the valve took is a trace line, a count and an actuation latency", { timeout: 60_000 }, async () => {
  const out = join(tempDir("actuator"), "out");
  const run = await runSimInProcess(["run", join(scenariosDir, "actuator.yaml"), "--out", out], { stateDir: tempDir("state") });
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/latency\s+actuation: p50 [\d.]+ ms/);

  const lines = readFileSync(join(out, "trace.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const commands = lines.filter((l) => l["ev"] === "command");
  const toValve = lines.filter((l) => l["ev"] === "deliver" && l["to"] === "valve");
  // One command line per delivery, at the same time, numbered in order.
  expect(commands.length).toBeGreaterThan(100);
  expect(commands.map((c) => c["t"])).toEqual(toValve.map((d) => d["t"]));
  expect(commands.map((c) => c["seq"])).toEqual(commands.map((_, i) => i));
  // 10 ms + up to 5 ms jitter to the edge, 20 ms + up to 30 ms to the valve: 30 to 65 ms; the deadline is 50 ms.
  const latencies = commands.map((c) => c["latency_us"] as number);
  expect(Math.min(...latencies)).toBeGreaterThanOrEqual(30_000);
  expect(Math.max(...latencies)).toBeLessThan(65_000);
  const missed = commands.filter((c) => c["missed"] === true);
  expect(missed.every((c) => (c["latency_us"] as number) > 50_000)).toBe(true);
  expect(missed.length).toBe(latencies.filter((l) => l > 50_000).length);
  expect(missed.length).toBeGreaterThan(0);

  const metrics = readCsv(join(out, "metrics.csv"));
  const valve = metrics.find((row) => row["node"] === "valve");
  expect(valve).toMatchObject({ type: "actuator", sent: "0", received: String(commands.length), commands: String(commands.length), missed_deadlines: String(missed.length) });
  // Every row has the actuator's columns, 0 where a node never counted them.
  expect(metrics.find((row) => row["node"] === "edge")).toMatchObject({ commands: "0", missed_deadlines: "0" });

  const samples = readCsv(join(out, "latency.csv")).filter((row) => row["series"] === "actuation");
  expect(samples.map((row) => Number(row["received_us"]) - Number(row["sent_us"]))).toEqual(latencies);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { latency_ms: Record<string, { count: number }> };
  expect(summary.latency_ms["actuation"]!.count).toBe(commands.length);
});

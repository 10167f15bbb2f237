/** A sensor with no target and no gateway: a warning, not a refusal; its readings are recorded, nothing is sent. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";
import { readCsv } from "./helpers/tables.js";

test("scenarios/lone-sensor.yaml: validate warns, run records one reading per sample and sends nothing", { timeout: 60_000 }, async () => {
  const scenario = join(scenariosDir, "lone-sensor.yaml");
  const validate = await runSimInProcess(["validate", scenario], { stateDir: tempDir("state") });
  expect(validate.code).toBe(0);
  expect(validate.stdout + validate.stderr).toMatch(/lone-sensor\.yaml:8:3: warning: nodes\.thermo has no `target` and the scenario has no gateway: it samples and records its readings/);

  const out = join(tempDir("lone"), "out");
  const run = await runSimInProcess(["run", scenario, "--out", out], { stateDir: tempDir("state") });
  expect(run.code).toBe(0);
  const lines = readFileSync(join(out, "trace.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const readings = lines.filter((l) => l["ev"] === "reading");
  // 10 s at one sample per second, from t = 0.
  expect(readings.map((r) => r["t"])).toEqual(Array.from({ length: 10 }, (_, i) => i * 1_000_000));
  expect(readings.map((r) => r["seq"])).toEqual(Array.from({ length: 10 }, (_, i) => i));
  for (const r of readings) expect(Object.keys(r["readings"] as object)).toEqual(["temperature", "humidity"]);
  expect(lines.some((l) => l["ev"] === "send")).toBe(false);
  const [thermo] = readCsv(join(out, "metrics.csv"));
  expect(thermo).toMatchObject({ node: "thermo", sent: "0", readings_recorded: "10" });
});

/** Scenario files written by tests. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./sim-cli.js";

/** A scenario whose process node sends the OS's randomness: deliberately nondeterministic. */
export function scenarioWithNoise(dir: string): string {
  const file = join(dir, "noise.yaml");
  writeFileSync(
    file,
    [
      "duration_sec: 0.5",
      "nodes:",
      `  noise: {type: process, command: [python3, ${JSON.stringify(join(repoRoot, "test/fixtures/wall-clock-node.py"))}], config: {target: sink}}`,
      "  sink: {type: cloud}",
      "network: {type: latency, default_latency_ms: 20}",
    ].join("\n") + "\n",
  );
  return file;
}

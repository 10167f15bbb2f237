/**
 * A sweep whose members run Docker and process nodes, two members at a time:
 * concurrent members never collide, and nothing is left behind — no container,
 * network or process of any member.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dockerEngineUp, labelled } from "./helpers/docker.js";
import { processesWithArg } from "./helpers/processes.js";
import { repoRoot, runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";

const engineUp = dockerEngineUp("the sweep Docker test is");

describe.skipIf(!engineUp)("a sweep with Docker and process nodes", () => {
  test("--jobs 2: every member succeeds, and no container, network or process is left", { timeout: 300_000 }, async () => {
    execFileSync(join(repoRoot, "images/build.sh"), ["node"], { stdio: "ignore" });
    const dir = tempDir("sweep-docker");
    // A token in the process node's arguments finds its processes, whatever they do.
    const token = `sweep-docker-${process.pid}-${Date.now()}`;
    writeFileSync(
      join(dir, "mixed.yaml"),
      [
        "duration_sec: 4",
        "seed: 3",
        "time_quantum_us: 5000",
        "nodes:",
        "  sensor: {type: sensor, count: 4, sensors: [temperature], period_ms: 500, target: edge}",
        `  edge: {type: docker, build: {context: ${JSON.stringify(join(scenariosDir, "docker/edge"))}}, protocol: stdio, config: {upstream: cloud, window: 4}}`,
        `  beacon: {type: process, command: [python3, ${JSON.stringify(join(repoRoot, "examples/nodes/python/echo_node.py"))}, ${token}], config: {target: cloud, period_us: 250000}}`,
        "  cloud: {type: cloud}",
        "network:",
        "  type: latency",
        "  default_latency_ms: 10",
        "  links:",
        "    - {from: sensor, to: edge, latency_ms: 5, jitter_ms: 2}",
        "timeouts: {startup_sec: 120}",
      ].join("\n") + "\n",
    );
    const store = join(dir, "store");
    const result = await runSimInProcess(["sweep", join(dir, "mixed.yaml"), "--param", "network.links[0].latency_ms=5,8", "--replicates", "2", "--jobs", "2", "--out", store, "--json"], { stateDir: tempDir("state") });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { ran: number }).ran).toBe(4);

    const runIds: string[] = [];
    for (const key of readdirSync(join(store, "members"))) {
      const summary = JSON.parse(readFileSync(join(store, "members", key, "summary.json"), "utf8")) as { run_id: string; messages: { delivered: number }; cleanup: { containers_removed: number; containers_left: number; processes_left: number } };
      expect(summary.messages.delivered).toBeGreaterThan(0);
      expect(summary.cleanup).toMatchObject({ containers_removed: 1, containers_left: 0, processes_left: 0 });
      runIds.push(summary.run_id);
    }
    // Each member had its own run: its own containers and network.
    expect(new Set(runIds).size).toBe(4);
    for (const id of runIds) {
      expect(labelled("ps", `sim.run-id=${id}`)).toEqual([]);
      expect(labelled("network ls", `sim.run-id=${id}`)).toEqual([]);
    }
    expect(processesWithArg(token)).toEqual([]);
    expect(processesWithArg(store)).toEqual([]);
  });
});

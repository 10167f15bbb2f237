/**
 * Docker nodes through the whole harness: a scenario with containers runs and
 * leaves nothing, and a harness killed with SIGKILL leaves nothing either: the
 * reaper removes the run's containers and networks.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dockerEngineUp, labelled } from "./helpers/docker.js";
import { repoRoot, runSimInProcess, scenariosDir, spawnSim, tempDir, waitForText } from "./helpers/sim-cli.js";

const engineUp = dockerEngineUp("the harness Docker tests are");

function runIdOf(stateDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 90_000;
    const poll = () => {
      try {
        const files = readdirSync(join(stateDir, "sim", "runs")).filter((f) => f.endsWith(".json"));
        if (files[0]) return resolve(files[0].replace(/\.json$/, ""));
      } catch {
        // not created yet
      }
      if (Date.now() > deadline) reject(new Error("no run registry appeared"));
      else setTimeout(poll, 100);
    };
    poll();
  });
}

describe.skipIf(!engineUp)("docker nodes through the harness", () => {
  test("scenarios/docker-edge.yaml runs with the same digest twice and leaves no container or network", { timeout: 300_000 }, async () => {
    execFileSync(join(repoRoot, "images/build.sh"), ["node"], { stdio: "ignore" });
    const state = tempDir("state");
    const [a, b] = [tempDir("de-a"), tempDir("de-b")];
    const first = await runSimInProcess(["run", join(scenariosDir, "docker-edge.yaml"), "--out", a, "--json"], { stateDir: state });
    expect(first.code, first.stderr).toBe(0);
    const second = await runSimInProcess(["run", join(scenariosDir, "docker-edge.yaml"), "--out", b, "--json"], { stateDir: state });
    expect(second.code, second.stderr).toBe(0);
    const [s1, s2] = [JSON.parse(first.stdout), JSON.parse(second.stdout)] as { digest: string; run_id: string; messages: { delivered: number }; cleanup: { containers_removed: number; containers_left: number } }[];
    expect(s1!.digest).toBe(s2!.digest);
    expect(s1!.messages.delivered).toBeGreaterThan(0);
    expect(s1!.cleanup).toMatchObject({ containers_removed: 1, containers_left: 0 });
    for (const s of [s1!, s2!]) {
      expect(labelled("ps", `sim.run-id=${s.run_id}`)).toEqual([]);
      expect(labelled("network ls", `sim.run-id=${s.run_id}`)).toEqual([]);
    }
  });

  test("SIGKILL of the harness: the reaper removes every container and network of the run within 15 s", { timeout: 300_000 }, async () => {
    execFileSync(join(repoRoot, "images/build.sh"), ["busybox"], { stdio: "ignore" });
    const dir = tempDir("docker-sigkill");
    const state = tempDir("state");
    const scenario = join(dir, "services.yaml");
    writeFileSync(
      scenario,
      [
        "duration_sec: 120",
        "realtime_factor: 1.0",
        "nodes:",
        "  s: {type: sensor, target: g}",
        "  g: {type: gateway}",
        "  svc: {type: docker, count: 2, image: 'sim-test/busybox:1', command: [sleep, '600'], protocol: none, networks: [backplane]}",
      ].join("\n") + "\n",
    );
    const sim = spawnSim(["run", scenario, "--out", join(dir, "out"), "--verbose"], { stateDir: state });
    const runId = await runIdOf(state);
    await waitForText(sim.stderr, /virtual_sec=(0\.[1-9]|[1-9])/, 120_000);
    expect(labelled("ps", `sim.run-id=${runId}`)).toHaveLength(2);
    expect(labelled("network ls", `sim.run-id=${runId}`).length).toBeGreaterThanOrEqual(1);

    sim.child.kill("SIGKILL");
    await sim.exited;
    const killedAt = Date.now();
    while (labelled("ps", `sim.run-id=${runId}`).length + labelled("network ls", `sim.run-id=${runId}`).length > 0) {
      expect(Date.now() - killedAt, "containers or networks still there 15 s after SIGKILL").toBeLessThan(15_000);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`reaper: 2 containers and their network gone ${Date.now() - killedAt} ms after SIGKILL of the harness`);
  });
});

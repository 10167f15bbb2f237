/** `sim validate` and `sim run --dry-run` show what a scenario opens of the machine; "/:/host" never runs. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dockerEngineUp, labelled } from "./helpers/docker.js";
import { repoRoot, runSimInProcess, tempDir } from "./helpers/sim-cli.js";

const engineUp = dockerEngineUp("the host safety tests are");

describe.skipIf(!engineUp)("host safety", () => {
  test("validate and the dry-run plan list host paths and non-loopback ports", { timeout: 120_000 }, async () => {
    const image = execFileSync(join(repoRoot, "images/build.sh"), ["busybox"], { encoding: "utf8" }).trim().split("\n").pop()!;
    const dir = tempDir("host-access");
    mkdirSync(join(dir, "site"));
    const scenario = join(dir, "web.yaml");
    writeFileSync(
      scenario,
      `duration_sec: 1\nnodes:\n  web:\n    type: docker\n    image: "${image}"\n    protocol: none\n    command: [sleep, "60"]\n    allow_host_paths: true\n    volumes: ["./site:/www", "${tempDir("outside")}:/data"]\n    ports: ["0.0.0.0::80", "81"]\n`,
    );
    const state = tempDir("state");
    const validate = await runSimInProcess(["validate", scenario], { stateDir: state });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain("  host access:\n");
    expect(validate.stdout).toMatch(/host path of web: .*\/site -> \/www \(read-write\)/);
    expect(validate.stdout).toMatch(/host path of web: .*outside.* -> \/data \(read-only\)/);
    expect(validate.stdout).toContain("published port of web: 0.0.0.0::80 (reachable from other machines on 0.0.0.0)");
    expect(validate.stdout).not.toContain(":81");

    const dry = await runSimInProcess(["run", scenario, "--dry-run", "--out", join(dir, "out")], { stateDir: state });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("published port of web: 0.0.0.0::80");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  test('"/:/host" is refused at validation, with its position, and nothing starts', { timeout: 60_000 }, async () => {
    const dir = tempDir("host-root");
    const scenario = join(dir, "evil.yaml");
    writeFileSync(scenario, `duration_sec: 1\nnodes:\n  web:\n    type: docker\n    image: "busybox:1"\n    protocol: none\n    allow_host_paths: true\n    volumes: ["/:/host"]\n`);
    const run = await runSimInProcess(["run", scenario, "--out", join(dir, "out")], { stateDir: tempDir("state") });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${scenario}:8:15: error: nodes.web.volumes[0] binds / into the container: refused, it is the root of the host's filesystem`);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  test("sim clean leaves labelled resources no run of this machine lists, unless --all-labelled --yes", { timeout: 60_000 }, async () => {
    // Someone else's run on a shared engine: labelled, but in no registry file here.
    const theirs = `someone-else-${process.pid}-${Date.now()}`;
    const network = execFileSync("docker", ["network", "create", "--label", `sim.run-id=${theirs}`, `sim-clean-test-${theirs}`], { encoding: "utf8" }).trim();
    try {
      const state = tempDir("state");
      const plain = await runSimInProcess(["clean", "--json"], { stateDir: state });
      expect(plain.code).toBe(0);
      expect((JSON.parse(plain.stdout) as { unlisted: { networks: unknown[] } }).unlisted.networks).toEqual([]);
      expect(labelled("network ls", `sim.run-id=${theirs}`)).toEqual([network.slice(0, 12)]);

      const listed = await runSimInProcess(["clean", "--all-labelled"], { stateDir: state });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`unlisted network ${network.slice(0, 12)}: would-remove`);
      expect(listed.stdout).toContain("run again with --all-labelled --yes to remove them");
      expect(labelled("network ls", `sim.run-id=${theirs}`)).toEqual([network.slice(0, 12)]);

      const removed = await runSimInProcess(["clean", "--all-labelled", "--yes", "--run", theirs], { stateDir: state });
      expect(removed.code).toBe(0);
      expect(removed.stdout).toContain(`unlisted network ${network.slice(0, 12)}: removed`);
      expect(labelled("network ls", `sim.run-id=${theirs}`)).toEqual([]);
    } finally {
      try {
        execFileSync("docker", ["network", "rm", network], { stdio: "ignore" });
      } catch {
        // Removed by the test.
      }
    }
  });
});

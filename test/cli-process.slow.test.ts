/** The real `sim` process at its edges: closed pipes, late signals. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";
import { writeFileSync } from "node:fs";
import { repoRoot, runSimInProcess, scenariosDir, spawnSim, tempDir } from "./helpers/sim-cli.js";

test("`sim run --json | head -c 100`: a closed stdout ends quietly, with the run's exit code", { timeout: 60_000 }, async () => {
  const sim = spawnSim(["run", join(scenariosDir, "quickstart.yaml"), "--json", "--out", join(tempDir("epipe"), "out")], { stateDir: tempDir("state") });
  // Like `head -c 100` that has had its bytes: the pipe is closed before sim writes its summary.
  sim.child.stdout!.destroy();
  const exit = await sim.exited;
  expect(sim.stderr()).not.toMatch(/^\s+at /m);
  expect(sim.stderr()).not.toContain("EPIPE");
  expect(exit.code).toBe(0);
});

function runFixture(mode: "finished" | "running"): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "test/fixtures/late-signal.ts"), mode], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("a SIGTERM after the command returned does not cut the output short", { timeout: 30_000 }, async () => {
  const late = await runFixture("finished");
  expect(late.stderr).toBe("");
  expect(late.stdout).toBe("the last line\n");
  expect(late.code).toBe(0);
});

test("a SIGTERM while no command listens ends the process with 143", { timeout: 30_000 }, async () => {
  const early = await runFixture("running");
  expect(early.stdout).toBe("");
  expect(early.code).toBe(143);
});

test("a node failure is read by people: one error block with the node's last output and its log, no JSON, no stack trace", { timeout: 60_000 }, async () => {
  const dir = tempDir("node-failure");
  const scenario = join(dir, "crash.yaml");
  writeFileSync(
    scenario,
    [
      "duration_sec: 1",
      "nodes:",
      `  crash: {type: process, command: [python3, -c, "import sys, time; time.sleep(0.2); print('the sensor bus is gone', file=sys.stderr); sys.exit(3)"]}`,
      "  sink: {type: cloud}",
    ].join("\n") + "\n",
  );
  const out = join(dir, "out");
  const quiet = await runSimInProcess(["run", scenario, "--out", out], { stateDir: tempDir("state") });
  expect(quiet.code).toBe(1);
  expect(quiet.stderr).toBe("");
  expect(quiet.stdout).toContain(`  error     node "crash" failed: exited with code 3\n            recent output:\n              the sensor bus is gone\n            log: ${join(out, "logs", "crash.log")}\n`);
  expect(quiet.stdout).not.toContain('node "crash": node "crash"');
  expect(quiet.stdout).not.toContain("0x real time");

  const verbose = await runSimInProcess(["run", scenario, "--out", join(dir, "verbose"), "--verbose"], { stateDir: tempDir("state") });
  expect(verbose.stderr).toMatch(/^\[error\] node "crash": run failed\n {4}ProtocolError: node "crash" failed/m);
  expect(verbose.stderr).not.toContain('{"level"');
});

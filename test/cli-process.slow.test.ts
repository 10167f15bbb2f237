/** The real `sim` process at its edges: closed pipes, late signals. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** Pids of processes whose command line holds `token`. */
function processesWith(token: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(token)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A terminal's Ctrl-C signals the whole foreground process group: the test does the same
// with a detached child (its own group). `pnpm sim` is the README's form: with no `sim`
// script in the root package.json pnpm runs the `sim` bin as `pnpm exec` does, which
// passes sim's exit code through (a pnpm *script* would end itself by SIGTERM on the
// second Ctrl-C: docs/harness.md, "Exit codes").
test.each([
  ["`pnpm sim` from the repository", "pnpm", ["sim"]],
  ["the installed bin (`pnpm exec sim`)", "pnpm", ["exec", "sim"]],
  ["node and the built CLI", process.execPath, [join(repoRoot, "packages/harness/dist/cli.js")]],
])("a second Ctrl-C leaves at once with 130, nothing left running: %s", { timeout: 60_000 }, async (_name, command, prefix) => {
  const dir = tempDir("second-ctrl-c");
  const token = `second-ctrl-c-${process.pid}-${Date.now()}`;
  const scenario = join(dir, "stubborn.yaml");
  writeFileSync(
    scenario,
    [
      "duration_sec: 60",
      "realtime_factor: 1.0",
      "time_quantum_us: 10000",
      "timeouts: {shutdown_grace_sec: 20}",
      "nodes:",
      // Ignores SIGTERM and stays after stdin closes: a clean stop would wait the whole grace.
      `  stubborn: {type: process, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(repoRoot, "packages/launcher-process/src/__fixtures__/misbehave.mjs"))}, ignore-term, ${token}]}`,
      "  cloud: {type: cloud}",
    ].join("\n") + "\n",
  );
  const child = spawn(command, [...prefix, "run", scenario, "--out", join(dir, "out"), "--no-progress"], {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, XDG_STATE_HOME: tempDir("state") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  try {
    await until(() => processesWith(token).length > 0, 30_000, "the node to start");
    await new Promise((r) => setTimeout(r, 1000)); // the handshake, then virtual time runs
    process.kill(-child.pid!, "SIGINT");
    await until(() => stderr.includes("stopping the run cleanly"), 10_000, "the first Ctrl-C to be heard");
    process.kill(-child.pid!, "SIGINT");
    const started = Date.now();
    const exit = await exited;
    expect(Date.now() - started).toBeLessThan(10_000); // not the 20 s grace
    expect(exit).toEqual({ code: 130, signal: null });
    expect(stderr).toMatch(/sim: SIG(INT|TERM) again: leaving now/);
    expect(stderr).not.toMatch(/^\s+at /m);
    await until(() => processesWith(token).length === 0, 15_000, "the node to be gone");
  } finally {
    for (const pid of processesWith(token)) process.kill(pid, "SIGKILL");
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

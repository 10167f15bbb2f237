import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { processesWithEnv } from "@sim/process-tree";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { isProcessAlive, killLeftovers, waitFor } from "./__fixtures__/processes.js";

const HARNESS_LIKE = fileURLToPath(new URL("./__fixtures__/harness-like.ts", import.meta.url));
const started: number[] = [];
afterEach(() => {
  expect(killLeftovers(started.splice(0)), "process groups left running").toEqual([]);
});

describe("reaper", () => {
  it("removes every process of a run within 15 s of its harness being killed with SIGKILL", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sim-state-"));
    onTestFinished(() => rmSync(stateDir, { recursive: true, force: true }));
    const runId = `reap-${process.pid}`;
    const harness = spawn(process.execPath, ["--conditions=@sim/source", "--import", "tsx", HARNESS_LIKE, stateDir, runId], {
      cwd: fileURLToPath(new URL(".", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    const info = await new Promise<{ pids: number[]; file: string; reaperPid: number }>((resolve, reject) => {
      let out = "";
      harness.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(JSON.parse(out));
      });
      harness.once("exit", (code) => reject(new Error(`harness-like exited early (${code})`)));
    });
    started.push(...info.pids);
    const marked = processesWithEnv({ SIM_RUN_ID: runId });
    // Two nodes, the stubborn node's child, and the escaper's child in its own session.
    expect(marked.length).toBeGreaterThanOrEqual(4);
    expect(existsSync(info.file)).toBe(true);
    expect(isProcessAlive(info.reaperPid)).toBe(true);

    harness.kill("SIGKILL");
    const elapsed = await waitFor(
      "the run's processes, its registry file and the reaper to be gone",
      () => processesWithEnv({ SIM_RUN_ID: runId }).length === 0 && !existsSync(info.file) && !isProcessAlive(info.reaperPid),
      15_000,
    );
    // The stubborn node ignores SIGTERM, so this includes the SIGTERM -> SIGKILL delay (3 s).
    console.log(`reaper cleaned up ${marked.length} processes ${Math.round(elapsed)} ms after SIGKILL of the harness`);
    expect(elapsed).toBeLessThan(15_000);
    expect(marked.every((pid) => !isProcessAlive(pid))).toBe(true);
  });
});

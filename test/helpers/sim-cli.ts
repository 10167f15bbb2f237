/**
 * Runs the real `sim` CLI, from source (tsx), as a child process: what a user types,
 * with its own state folder so tests never touch the user's run registry.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli, type CliIo } from "@sim/harness";
import { afterAll } from "vitest";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const scenariosDir = join(repoRoot, "scenarios");

/** The folders tempDir made for the test file being run: removed when it ends. */
const madeDirs: string[] = [];
// This module is evaluated while a test file is collected (each file gets its own
// module graph), so the hook belongs to that file. Outside vitest (scripts such as
// `pnpm golden:update` import these helpers too) there is no file to end.
if (process.env.VITEST !== undefined) {
  afterAll(() => {
    for (const dir of madeDirs.splice(0)) removeTempDir(dir);
  });
}

/**
 * A new folder in the system's temporary folder, removed after the test file (before,
 * every test run left hundreds behind: gigabytes of traces).
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sim-${prefix}-`));
  madeDirs.push(dir);
  return dir;
}

/** Removes a folder made by tempDir now (e.g. a large run output as soon as it has been read). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

export interface SimChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnSim(args: string[], options: { stateDir: string; cwd?: string }): SimChild {
  const child = spawn(process.execPath, ["--conditions=@sim/source", "--import", "tsx", join(repoRoot, "packages/harness/src/cli.ts"), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, XDG_STATE_HOME: options.stateDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the CLI in-process with captured output. */
export async function runSimInProcess(args: string[], options: { stateDir: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: false,
    env: { ...process.env, XDG_STATE_HOME: options.stateDir, ...options.env },
    onSignal: () => () => undefined,
    forceExit: (code) => {
      throw new Error(`forceExit(${code}) in a test`);
    },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** Resolves once `text()` contains `needle`, or rejects after `timeoutMs`. */
export async function waitForText(text: () => string, needle: string | RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(typeof needle === "string" ? text().includes(needle) : needle.test(text()))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(needle)}; got:\n${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


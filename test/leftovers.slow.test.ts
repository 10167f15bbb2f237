/**
 * Nothing left behind, through the real `sim` CLI: a process node that leaves
 * processes behind in every way it can (a setsid child, a double-forked daemon with a
 * scrubbed environment, one that keeps the node's stdout and stderr; all ignoring
 * SIGTERM, and the node itself ignoring SIGTERM too), for every way a run ends. After
 * each run, /proc is searched for the test's unique marker; the CLI must have exited
 * and its summary must say what the search says.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedProcessNode } from "@sim/config";
import type { NodeLauncher, StartedNode } from "@sim/coordinator";
import { runScenario } from "@sim/harness";
import { processLauncher, type StartedProcess } from "@sim/launcher-process";
import { ESCAPER, aliveRoutes, killMarked, markedProcesses, newMarker, waitForRoutes, type Route } from "@sim/process-tree/testing";
import { afterEach, describe, expect, test } from "vitest";
import { repoRoot, spawnSim, tempDir, waitForText } from "./helpers/sim-cli.js";

const ROUTES: Route[] = ["setsid", "daemon", "daemon-stdio"];

/** How long the CLI may take to exit after its run ended (3 s SIGTERM grace, scans on a loaded machine). */
const EXIT_BOUND_MS = 30_000;

const markers: string[] = [];
afterEach(() => {
  // Clean up after a failed test; the assertions above already said what was left.
  for (const marker of markers.splice(0)) killMarked(marker);
});

function scenario(dir: string, marker: string, words: string[], options: { paced?: boolean } = {}): string {
  const file = join(dir, "leftovers.yaml");
  writeFileSync(
    file,
    [
      `duration_sec: ${options.paced ? 60 : 0.05}`,
      ...(options.paced ? ["realtime_factor: 1.0"] : []),
      "time_quantum_us: 10000",
      "timeouts: {shutdown_grace_sec: 0.5, quantum_wall_sec: 2}",
      "nodes:",
      `  escaper: {type: process, cwd: /, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(ESCAPER)}, "${marker}", ${words.map((w) => JSON.stringify(w)).join(", ")}]}`,
      "  cloud: {type: cloud}",
      "",
    ].join("\n"),
  );
  return file;
}

/** Just enough of pino's Logger for the harness: records warnings and errors. */
function recordingLogger(records: { level: string; msg: string }[]): NonNullable<Parameters<typeof runScenario>[1]>["logger"] {
  const record = (level: string) => (a: unknown, b?: unknown) => void records.push({ level, msg: typeof a === "string" ? a : String(b ?? "") });
  const noop = () => undefined;
  const logger = { child: () => logger, trace: noop, debug: noop, info: noop, warn: record("warn"), error: record("error"), fatal: record("fatal"), level: "warn" };
  return logger as unknown as NonNullable<Parameters<typeof runScenario>[1]>["logger"];
}

function registryFiles(stateDir: string): string[] {
  const runs = join(stateDir, "sim", "runs");
  return existsSync(runs) ? readdirSync(runs) : [];
}

async function exitWithin<T>(exited: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`sim did not exit within ${ms} ms`)), ms)));
  try {
    return await Promise.race([exited, bound]);
  } finally {
    clearTimeout(timer);
  }
}

interface Case {
  end: string;
  words: string[];
  args: string[];
  code: number;
  paced?: boolean;
  signal?: "SIGINT" | "SIGTERM";
}

const CASES: Case[] = [
  { end: "normal end", words: ["ignore-term"], args: [], code: 0 },
  { end: "node failure", words: ["fail"], args: [], code: 1 },
  { end: "quantum timeout", words: ["hang", "ignore-term"], args: [], code: 1 },
  { end: "run timeout (--timeout)", words: ["ignore-term"], args: ["--timeout", "2"], code: 1, paced: true },
  { end: "SIGINT to the CLI", words: ["ignore-term"], args: [], code: 130, paced: true, signal: "SIGINT" },
  { end: "SIGTERM to the CLI", words: ["ignore-term"], args: [], code: 143, paced: true, signal: "SIGTERM" },
];

describe("sim run leaves nothing behind", () => {
  test.each(CASES)("$end: exit code $code, no process of the node left, the summary says 0 left", { timeout: 120_000 }, async (c) => {
    const dir = tempDir("leftovers");
    const stateDir = tempDir("state");
    const marker = newMarker();
    markers.push(marker);
    const out = join(dir, "out");
    const sim = spawnSim(["run", scenario(dir, marker, [...ROUTES, ...c.words], { paced: c.paced }), "--out", out, ...c.args], { stateDir });
    await waitForRoutes(marker, ROUTES, 60_000);
    if (c.signal !== undefined) {
      await waitForText(() => (existsSync(join(stateDir, "sim", "runs")) ? "started" : ""), "started", 30_000);
      sim.child.kill(c.signal);
    }
    const exit = await exitWithin(sim.exited, EXIT_BOUND_MS);

    expect(exit.code, sim.stderr()).toBe(c.code);
    expect(aliveRoutes(marker, ROUTES)).toEqual([]);
    expect(markedProcesses(marker)).toEqual([]);
    expect(registryFiles(stateDir)).toEqual([]);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { cleanup: { processes_left: number; leftovers: string[] } };
    expect(summary.cleanup.processes_left).toBe(0);
    expect(summary.cleanup.leftovers).toEqual([]);
  });

  test("SIGKILL of the CLI: the reaper removes every process of the node within 15 s", { timeout: 120_000 }, async () => {
    const dir = tempDir("leftovers-kill");
    const stateDir = tempDir("state");
    const marker = newMarker();
    markers.push(marker);
    const sim = spawnSim(["run", scenario(dir, marker, [...ROUTES, "ignore-term"], { paced: true }), "--out", join(dir, "out")], { stateDir });
    await waitForRoutes(marker, ROUTES, 60_000);
    await waitForText(() => registryFiles(stateDir).join(), ".json", 30_000);
    sim.child.kill("SIGKILL");
    await sim.exited;

    const started = Date.now();
    while (markedProcesses(marker).length > 0 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 100));
    console.log(`reaper: every process of the node gone ${Date.now() - started} ms after SIGKILL of the CLI`);
    expect(aliveRoutes(marker, ROUTES)).toEqual([]);
    await waitForText(() => String(registryFiles(stateDir).length), "0", 15_000);
  });
});

/** Root here, with setpriv: the CLI can also be run as an unprivileged user (no cgroup: the subreaper supervisor). */
const canDropRoot = process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");

/** Parent, grandparent, ... of `pid`, up to init. */
function ancestors(pid: number): number[] {
  const found: number[] = [];
  for (let p = pid; p > 1; ) {
    const stat = readFileSync(`/proc/${p}/stat`, "latin1");
    p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    found.push(p);
  }
  return found;
}

/** The real CLI as user `nobody`, with folders it can write. */
function spawnSimAsNobody(args: string[], dir: string): { child: ChildProcess; exited: Promise<{ code: number | null }>; stderr: () => string } {
  chmodSync(dir, 0o777);
  const child = spawn(
    "/usr/bin/setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--conditions=@sim/source", "--import", "tsx", join(repoRoot, "packages/harness/src/cli.ts"), ...args],
    { cwd: repoRoot, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, XDG_STATE_HOME: join(dir, "state") }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  return { child, exited: new Promise((resolve) => child.once("exit", (code) => resolve({ code }))), stderr: () => err };
}

describe.skipIf(!canDropRoot)("as a user without root (containment subreaper)", () => {
  for (const end of ["SIGTERM", "SIGKILL"] as const) {
    test(`${end} to the CLI: no process of the node left`, { timeout: 120_000 }, async () => {
      const dir = tempDir("leftovers-nobody");
      const marker = newMarker();
      markers.push(marker);
      const sim = spawnSimAsNobody(["run", scenario(dir, marker, [...ROUTES, "ignore-term"], { paced: true }), "--out", join(dir, "out")], dir);
      await waitForRoutes(marker, ROUTES, 60_000);
      // The escapees are below the supervisor, whatever they did with sessions and environment.
      expect(markedProcesses(marker).every((pid) => ancestors(pid).some((a) => readFileSync(`/proc/${a}/cmdline`, "latin1").includes("sim-supervise.py")))).toBe(true);
      sim.child.kill(end);
      const exit = await exitWithin(sim.exited, EXIT_BOUND_MS);
      if (end === "SIGTERM") expect(exit.code, sim.stderr()).toBe(143);
      const started = Date.now();
      while (markedProcesses(marker).length > 0 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 100));
      expect(aliveRoutes(marker, ROUTES)).toEqual([]);
      if (end === "SIGTERM") {
        const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8")) as { cleanup: { processes_left: number } };
        expect(summary.cleanup.processes_left).toBe(0);
      }
    });
  }
});

describe("the cleanup report comes from an independent search", () => {
  test("processes a launcher failed to stop are found, stopped and counted, whatever the launcher says", { timeout: 120_000 }, async () => {
    const dir = tempDir("leftovers-buggy");
    const stateDir = tempDir("state");
    const marker = newMarker();
    markers.push(marker);
    // A launcher with a broken stop: it tells the node to shut down, forgets it in the
    // registry, and never looks at what the node started.
    const buggy: NodeLauncher<ResolvedProcessNode> = {
      ...processLauncher,
      async launch(node, ctx) {
        const started = (await processLauncher.launch(node, ctx)) as StartedProcess;
        const stop = async (): Promise<void> => {
          await started.external.shutdown();
          ctx.resources.removeProcess(started.pid);
        };
        const external = new Proxy(started.external, {
          get: (target, key) => (key === "stop" ? stop : (Reflect.get(target, key) as unknown)),
        });
        return { id: started.id, external, stop, [Symbol.asyncDispose]: stop } satisfies StartedNode;
      },
    };
    const records: { level: string; msg: string }[] = [];
    const logger = recordingLogger(records);
    const result = await runScenario(scenario(dir, marker, ROUTES), { outDir: join(dir, "out"), stateDir, launchers: [buggy], logger });

    // The escaper exited on shutdown; its three escapees were found and stopped by the harness's own check.
    expect(result.summary?.cleanup.processes_left).toBe(0);
    expect(result.summary?.cleanup.processes_stopped).toBeGreaterThanOrEqual(1 + ROUTES.length);
    expect(records.some((r) => /outlived the stop of their nodes/.test(r.msg))).toBe(true);
    expect(markedProcesses(marker)).toEqual([]);
    expect(registryFiles(stateDir)).toEqual([]);
  });
});

/**
 * Test support: scenarios around the Renode stand-in, a recording resource
 * registry and logger, and checks that processes are really gone.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedRenodeNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext, RunResources } from "@sim/coordinator";
import { isProcessGroupAlive as processGroupAlive } from "@sim/process-tree";

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** TEST FIXTURE: the executable stand-in for Renode (see the file's header). */
export const STANDIN = here("../../test/renode-standin.mjs");
export const PLATFORM = here("../../../../scenarios/renode/stm32f4-sensor.repl");
export const FIRMWARE = here("../../../../scenarios/renode/sensor-fw.elf");

export function renodeNode(overrides: Partial<ResolvedRenodeNode> = {}, args: string[] = []): ResolvedRenodeNode {
  return {
    id: "mcu",
    group: "mcu",
    group_index: 0,
    group_size: 1,
    type: "renode",
    platform: PLATFORM,
    firmware: FIRMWARE,
    uart: "sysbus.usart1",
    target: "gateway",
    renode: { path: STANDIN, args, quantum_us: null },
    ...overrides,
  };
}

export function scenarioWith(nodes: ResolvedRenodeNode[], overrides: Partial<ResolvedScenario> = {}): ResolvedScenario {
  return {
    source: null,
    base_dir: here("."),
    name: "renode-test",
    duration_sec: 1,
    seed: 42,
    time_quantum_us: 10_000,
    realtime_factor: null,
    nodes,
    network: { type: "direct" },
    ml_inference: null,
    output: { dir: null, trace: false, metrics: false },
    timeouts: { startup_sec: 10, shutdown_grace_sec: 2, quantum_wall_sec: 2 },
    limits: { sends_per_quantum: 100_000, log_lines: 100_000, log_bytes: 10 * 1024 * 1024 },
    ...overrides,
  };
}

export interface RecordingResources extends RunResources {
  readonly processes: Map<number, { node: string; pgid: number }>;
  readonly removed: number[];
}

export function recordingResources(): RecordingResources {
  const processes = new Map<number, { node: string; pgid: number }>();
  const removed: number[] = [];
  const unused = () => {
    throw new Error("the Renode launcher creates no containers or networks");
  };
  return {
    // Unique: a run's id names its cgroup and marks its processes, and test files run in parallel.
    runId: `test-run-${randomBytes(4).toString("hex")}`,
    processes,
    removed,
    addProcess: ({ node, pid, pgid }) => void processes.set(pid, { node, pgid }),
    removeProcess: (pid) => {
      processes.delete(pid);
      removed.push(pid);
    },
    addContainer: unused,
    removeContainer: unused,
    addNetwork: unused,
    removeNetwork: unused,
  };
}

export interface LogRecord {
  level: string;
  args: unknown[];
}

/** A stand-in for pino's Logger recording what it is given (the launcher only logs through it). */
export function recordingLogger(records: LogRecord[] = []): LaunchContext["logger"] {
  const make = (): unknown => ({
    child: () => make(),
    trace: (...args: unknown[]) => records.push({ level: "trace", args }),
    debug: (...args: unknown[]) => records.push({ level: "debug", args }),
    info: (...args: unknown[]) => records.push({ level: "info", args }),
    warn: (...args: unknown[]) => records.push({ level: "warn", args }),
    error: (...args: unknown[]) => records.push({ level: "error", args }),
    fatal: (...args: unknown[]) => records.push({ level: "fatal", args }),
  });
  return make() as LaunchContext["logger"];
}

export type TestLaunchContext = LaunchContext & { resources: RecordingResources; logs: LogRecord[] };

export function launchContext(scenario: ResolvedScenario, extra: Partial<LaunchContext> = {}): TestLaunchContext {
  const logs: LogRecord[] = [];
  const resources = recordingResources();
  return {
    runId: resources.runId,
    scenario,
    logDir: null,
    resources,
    logger: recordingLogger(logs),
    logs,
    ...extra,
  } as TestLaunchContext;
}

/** The folder the launcher gave Renode (from the `--pid-file` argument it logged). */
export function renodeWorkDir(ctx: TestLaunchContext): string {
  for (const record of ctx.logs) {
    const fields = record.args[0] as { args?: string[] } | undefined;
    const at = fields?.args?.indexOf("--pid-file") ?? -1;
    if (at >= 0) return dirname(fields?.args?.[at + 1] ?? "");
  }
  throw new Error("no Renode start was logged");
}

/** True while the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export { processGroupAlive };

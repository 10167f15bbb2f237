// Test support: a resolved scenario, an in-memory resource registry and the example nodes.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ResolvedProcessNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext, RunResources } from "@sim/coordinator";

export const EXAMPLES_TS = fileURLToPath(new URL("../../../../examples/nodes/ts/", import.meta.url));
export const EXAMPLES_PY = fileURLToPath(new URL("../../../../examples/nodes/python/", import.meta.url));

/** How a TypeScript node runs without a build step: tsx as an import hook. */
export function tsNodeCommand(file: string): string[] {
  return [process.execPath, "--import", "tsx", file];
}

export function scenario(timeouts: Partial<ResolvedScenario["timeouts"]> = {}, limits: Partial<ResolvedScenario["limits"]> = {}): ResolvedScenario {
  return {
    source: null,
    base_dir: process.cwd(),
    name: "test",
    duration_sec: 1,
    seed: 42,
    time_quantum_us: 10_000,
    realtime_factor: null,
    nodes: [],
    network: { type: "direct" },
    ml_inference: null,
    output: { dir: null, trace: false, metrics: false },
    timeouts: { startup_sec: 20, shutdown_grace_sec: 2, quantum_wall_sec: 10, ...timeouts },
    limits: { sends_per_quantum: 100_000, log_lines: 100_000, log_bytes: 10 * 1024 * 1024, ...limits },
  };
}

export function processNode(id: string, command: string[], cwd: string, config: Record<string, unknown> = {}, env: Record<string, string> = {}): ResolvedProcessNode {
  return { id, group: id, group_index: 0, group_size: 1, type: "process", command, cwd, env, config };
}

/** Records what a launcher registers; `live` is what it has not forgotten yet. */
export class MemoryResources implements RunResources {
  readonly processes = new Map<number, { node: string; pid: number; pgid: number }>();
  readonly added: number[] = [];
  // Unique by default: a run's id names its cgroup and marks its processes, and test files run in parallel.
  constructor(readonly runId = `test-run-${randomBytes(4).toString("hex")}`) {}
  addProcess(entry: { node: string; pid: number; pgid: number }): void {
    this.processes.set(entry.pid, entry);
    this.added.push(entry.pid);
  }
  removeProcess(pid: number): void {
    this.processes.delete(pid);
  }
  addContainer(): void {}
  removeContainer(): void {}
  addNetwork(): void {}
  removeNetwork(): void {}
}

export function launchContext(
  options: {
    resources?: MemoryResources;
    logDir?: string | null;
    timeouts?: Partial<ResolvedScenario["timeouts"]>;
    limits?: Partial<ResolvedScenario["limits"]>;
    logger?: RecordingLogger;
  } = {},
): LaunchContext & { resources: MemoryResources } {
  const resources = options.resources ?? new MemoryResources();
  return {
    runId: resources.runId,
    scenario: scenario(options.timeouts, options.limits),
    logDir: options.logDir ?? null,
    resources,
    logger: (options.logger ?? new RecordingLogger()) as unknown as LaunchContext["logger"],
  };
}

/** Just enough of pino's Logger for a launcher: records every call. */
export class RecordingLogger {
  constructor(
    readonly records: { level: string; bindings: Record<string, unknown>; msg: string }[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  child(bindings: Record<string, unknown>): RecordingLogger {
    return new RecordingLogger(this.records, { ...this.bindings, ...bindings });
  }
  private record(level: string, a: unknown, b?: unknown): void {
    const msg = typeof a === "string" ? a : String(b ?? "");
    const extra = typeof a === "object" && a !== null ? (a as Record<string, unknown>) : {};
    this.records.push({ level, bindings: { ...this.bindings, ...extra }, msg });
  }
  trace(a: unknown, b?: unknown): void { this.record("trace", a, b); }
  debug(a: unknown, b?: unknown): void { this.record("debug", a, b); }
  info(a: unknown, b?: unknown): void { this.record("info", a, b); }
  warn(a: unknown, b?: unknown): void { this.record("warn", a, b); }
  error(a: unknown, b?: unknown): void { this.record("error", a, b); }
  fatal(a: unknown, b?: unknown): void { this.record("fatal", a, b); }
}

/**
 * Plain helpers shared by the Docker tests and the Docker benchmark (no vitest
 * import): resolved nodes and scenarios with defaults, an in-memory resource
 * registry, and a recording logger.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedDockerNode, ResolvedNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext, RunResources } from "@sim/coordinator";
import Docker from "dockerode";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const FIXTURES = dirname(fileURLToPath(import.meta.url));
export const BUSYBOX = "sim-test/busybox:1";
export const NODE_IMAGE = "sim-test/node:1";

/** The engine the tests use: the default socket (tests may read the environment; library code does not). */
export function testDocker(): Docker {
  return new Docker({ socketPath: "/var/run/docker.sock" });
}

/** The run's resource registry as the harness keeps it, in memory: what is live now, and everything ever added. */
export class RecordingResources implements RunResources {
  readonly containers = new Map<string, { node: string; dockerHost: string | null }>();
  readonly networks = new Map<string, { name: string; dockerHost: string | null }>();
  readonly added: string[] = [];
  constructor(readonly runId: string) {}
  addProcess(): void {
    throw new Error("the docker launcher must not register processes");
  }
  removeProcess(): void {
    throw new Error("the docker launcher must not register processes");
  }
  addContainer(entry: { node: string; id: string; dockerHost: string | null }): void {
    this.containers.set(entry.id, { node: entry.node, dockerHost: entry.dockerHost });
    this.added.push(`container:${entry.node}`);
  }
  removeContainer(id: string): void {
    this.containers.delete(id);
  }
  addNetwork(entry: { name: string; id: string; dockerHost: string | null }): void {
    this.networks.set(entry.id, { name: entry.name, dockerHost: entry.dockerHost });
    this.added.push(`network:${entry.name}`);
  }
  removeNetwork(id: string): void {
    this.networks.delete(id);
  }
}

export interface LogEntry {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/** A pino-shaped logger that records what it is told (the launcher only calls the level methods). */
export function recordingLogger(entries: LogEntry[]): LaunchContext["logger"] {
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, msg?: string): void => {
      if (typeof fields === "string") entries.push({ level, fields: {}, msg: fields });
      else entries.push({ level, fields, msg: msg ?? "" });
    };
  const logger = {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: () => logger,
  };
  return logger as unknown as LaunchContext["logger"];
}

/** A resolved docker node with every option at its default; `fields` override. */
export function dockerNode(id: string, fields: Partial<ResolvedDockerNode> = {}): ResolvedDockerNode {
  return {
    id,
    group: id,
    group_index: 0,
    group_size: 1,
    type: "docker",
    image: BUSYBOX,
    build: null,
    command: null,
    env: {},
    ports: [],
    volumes: [],
    networks: [],
    resources: { cpus: null, memory_mb: null },
    wait_for: null,
    protocol: "none",
    docker_host: null,
    privileged: false,
    allow_host_paths: false,
    config: {},
    ...fields,
  };
}

export function scenarioOf(nodes: ResolvedNode[], overrides: Partial<ResolvedScenario> = {}): ResolvedScenario {
  return {
    source: null,
    base_dir: REPO_ROOT,
    name: "docker-test",
    duration_sec: 1,
    seed: 42,
    time_quantum_us: 10_000,
    realtime_factor: null,
    nodes,
    network: { type: "direct" },
    ml_inference: null,
    output: { dir: null, trace: false, metrics: false },
    timeouts: { startup_sec: 30, shutdown_grace_sec: 2, quantum_wall_sec: 10 },
    limits: { sends_per_quantum: 100_000, log_lines: 100_000, log_bytes: 10 * 1024 * 1024 },
    ...overrides,
  };
}

/**
 * From a resolved docker node to what the engine is asked for. Pure: no I/O, so
 * check() reports the same problems launch() would fail on.
 */
import { SCENARIO_DEFAULTS, type ResolvedDockerNode, type ResolvedLimits } from "@sim/config";
import type Docker from "dockerode";
import { DockerConfigError } from "./errors.js";
import { buildTag, containerName, isDockerName, networkName, nodeNetworks, resourceLabels } from "./names.js";
import { parsePort, portBindings, type PortMapping } from "./ports.js";
import { bindEntry, parseVolume, type VolumeMount } from "./volumes.js";

/** Docker refuses memory limits under 6 MB. */
const MIN_MEMORY_MB = 6;

export interface NodePlan {
  /** The image the container runs: `image:`, or the tag a `build:` section produces. */
  image: string;
  ports: PortMapping[];
  volumes: VolumeMount[];
  /** Network names as written in the scenario (the default network when none). */
  networks: string[];
  waitFor: { log: RegExp | null; port: number | null; timeoutMs: number } | null;
}

export interface PlanIssue {
  /** Key path below the node, e.g. ["ports", 0]. */
  path: (string | number)[];
  message: string;
}

/** The tag a node's container runs. */
export function imageOf(node: ResolvedDockerNode, scenarioName: string): string {
  return node.image ?? buildTag(scenarioName, node.group);
}

/** Parses a node's options; entries that do not parse are left out of the plan and reported as issues. */
export function planNode(node: ResolvedDockerNode, scenarioName: string): { plan: NodePlan; issues: PlanIssue[] } {
  const issues: PlanIssue[] = [];
  const attempt = <T>(path: (string | number)[], parse: () => T): T | null => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof DockerConfigError)) throw error;
      issues.push({ path, message: error.message });
      return null;
    }
  };

  if (node.image === null && node.build === null) {
    issues.push({ path: ["image"], message: `node "${node.id}" has neither \`image:\` nor \`build:\`` });
  }
  const ports = node.ports.flatMap((spec, i) => attempt(["ports", i], () => parsePort(spec)) ?? []);
  const volumes = node.volumes.flatMap((spec, i) => attempt(["volumes", i], () => parseVolume(spec)) ?? []);
  node.networks.forEach((name, i) => {
    if (!isDockerName(name)) {
      issues.push({ path: ["networks", i], message: `network name "${name}" must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$` });
    }
  });
  if (node.resources.memory_mb !== null && node.resources.memory_mb < MIN_MEMORY_MB) {
    issues.push({ path: ["resources", "memory_mb"], message: `memory_mb ${node.resources.memory_mb} is below Docker's minimum of ${MIN_MEMORY_MB}` });
  }
  if (node.resources.cpus !== null && !(node.resources.cpus > 0)) {
    issues.push({ path: ["resources", "cpus"], message: `cpus must be greater than 0, got ${node.resources.cpus}` });
  }

  let waitFor: NodePlan["waitFor"] = null;
  if (node.wait_for !== null) {
    const w = node.wait_for;
    const log = w.log === null ? null : attempt(["wait_for", "log"], () => compileLogPattern(w.log as string));
    if (w.port !== null && !ports.some((p) => p.containerPort === w.port && p.protocol === "tcp")) {
      issues.push({
        path: ["wait_for", "port"],
        message: `wait_for.port ${w.port} is not published: add "${w.port}" to \`ports:\` (the port is probed from the harness through its published address)`,
      });
    }
    waitFor = { log, port: w.port, timeoutMs: w.timeout_sec * 1000 };
  }

  return { plan: { image: imageOf(node, scenarioName), ports, volumes, networks: nodeNetworks(node.networks), waitFor }, issues };
}

function compileLogPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new DockerConfigError(`wait_for.log ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`);
  }
}

/** Like planNode, but throws DockerConfigError naming the node and every issue. */
export function planNodeOrThrow(node: ResolvedDockerNode, scenarioName: string): NodePlan {
  const { plan, issues } = planNode(node, scenarioName);
  if (issues.length > 0) {
    throw new DockerConfigError(`node "${node.id}": ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return plan;
}

export interface RunIdentity {
  runId: string;
  scenario: string;
}

/**
 * The engine's create options. The container joins the first of its networks here
 * (API 1.41 takes one network at create time); the launcher connects the others
 * before starting it.
 */
export function createOptions(
  node: ResolvedDockerNode,
  plan: NodePlan,
  run: RunIdentity,
  limits: Pick<ResolvedLimits, "log_bytes"> = SCENARIO_DEFAULTS.limits,
): Docker.ContainerCreateOptions {
  const stdio = node.protocol === "stdio";
  const { exposed, bindings } = portBindings(plan.ports);
  const anonymous = Object.fromEntries(plan.volumes.filter((v) => v.kind === "anonymous").map((v) => [v.target, {}]));
  const binds = plan.volumes.flatMap((v) => bindEntry(v) ?? []);
  const [first = ""] = plan.networks;
  const memory = node.resources.memory_mb === null ? undefined : node.resources.memory_mb * 1024 * 1024;
  const hostConfig: Docker.HostConfig = {
    // docker-init as PID 1 forwards SIGTERM and reaps zombies, so that a program that
    // installs no signal handler still stops at `docker stop` instead of at the SIGKILL.
    Init: true,
    Privileged: node.privileged,
    PortBindings: bindings,
    Binds: binds,
    NetworkMode: networkName(run.runId, first),
    ...(node.resources.cpus === null ? {} : { NanoCpus: Math.round(node.resources.cpus * 1e9) }),
    // The limit is a hard one: no swap on top (Docker's default would allow as much swap again).
    ...(memory === undefined ? {} : { Memory: memory, MemorySwap: memory }),
    // The engine keeps its own copy of the container's output while it exists: bound it
    // like the node's log (two files of log_bytes, the newest kept), so that a node that
    // floods stderr cannot fill the engine's disk during a long run.
    LogConfig: { Type: "json-file", Config: { "max-size": `${Math.ceil(Math.max(limits.log_bytes, 1024 * 1024) / 1024)}k`, "max-file": "2" } },
  };
  return {
    name: containerName(run.runId, node.id),
    ...(node.id.length <= 63 ? { Hostname: node.id } : {}),
    Image: plan.image,
    ...(node.command === null ? {} : { Cmd: node.command }),
    Env: Object.keys(node.env)
      .sort()
      .map((key) => `${key}=${node.env[key]}`),
    Labels: resourceLabels(run.runId, run.scenario, node.id),
    ExposedPorts: exposed,
    Volumes: anonymous,
    Tty: false,
    OpenStdin: stdio,
    // The container's stdin closes when the harness's attachment does, so that a node
    // whose coordinator vanished sees EOF and exits (PROTOCOL.md).
    StdinOnce: stdio,
    AttachStdin: stdio,
    AttachStdout: stdio,
    AttachStderr: stdio,
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: { [networkName(run.runId, first)]: { Aliases: aliasesOf(node) } } },
  };
}

/** Names other containers reach this one by on its networks: its id, and its group's name for a member of a `count` group. */
export function aliasesOf(node: ResolvedDockerNode): string[] {
  return node.group === node.id ? [node.id] : [node.id, node.group];
}

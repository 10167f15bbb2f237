import { SCENARIO_DEFAULTS } from "./defaults.js";
import { NodeNames, memberId } from "./node-names.js";
import { classifyHostPath, readOnlyUnlessAsked, splitVolume } from "./host-paths.js";
import type { NameMeaning, NodeEntry } from "./node-names.js";
import { describePath, quote } from "./problem.js";
import { absolute, receiverFor } from "./resolve-context.js";
import type { ResolveContext } from "./resolve-context.js";
import type {
  AnomalyInput,
  DockerNodeInput,
  GatewayNodeInput,
  ProcessNodeInput,
  RenodeNodeInput,
  ResolvedDockerNode,
  ResolvedGatewayNode,
  ResolvedNode,
  ResolvedNodeBase,
  ResolvedProcessNode,
  ResolvedRenodeNode,
  ResolvedSensorNode,
  SensorNodeInput,
} from "./types.js";

/**
 * Expands every clean entry into concrete nodes (file order, members in index
 * order) and resolves `target`/`upstream`. Problems go to `ctx.problems`.
 */
export function resolveNodes(ctx: ResolveContext, names: NodeNames, startupSec: number): ResolvedNode[] {
  reportCollisions(ctx, names);
  const gateways = names.entries.filter((e) => e.type === "gateway");
  const clouds = names.entries.filter((e) => e.type === "cloud");
  const nodes: ResolvedNode[] = [];
  for (const entry of names.entries) {
    if (entry.type === null) continue;
    const path = ["nodes", entry.key];
    if (!entry.clean) {
      checkReferencesOnly(ctx, names, entry);
      continue;
    }
    switch (entry.type) {
      case "sensor": {
        const input = entry.input as unknown as SensorNodeInput;
        const target = input.target !== undefined ? receiverFor(ctx, names, input.target, [...path, "target"]) : defaultTarget(ctx, names, entry, gateways);
        if (target !== undefined) expand(entry, nodes, (base) => sensor(base, input, target));
        break;
      }
      case "gateway": {
        const input = entry.input as unknown as GatewayNodeInput;
        const upstream = input.upstream !== undefined ? receiverFor(ctx, names, input.upstream, [...path, "upstream"]) : defaultUpstream(ctx, entry, clouds);
        if (upstream !== undefined) expand(entry, nodes, (base) => gateway(base, input, upstream));
        break;
      }
      case "cloud":
        expand(entry, nodes, (base) => ({ id: base.id, group: base.group, group_index: base.group_index, group_size: base.group_size, type: "cloud" }));
        break;
      case "process":
        expand(entry, nodes, (base) => processNode(ctx, base, entry.input as unknown as ProcessNodeInput));
        break;
      case "docker": {
        const input = entry.input as unknown as DockerNodeInput;
        const portsOk = checkPorts(ctx, entry, input);
        if (checkHostPaths(ctx, entry, input) && portsOk) expand(entry, nodes, (base) => docker(ctx, base, input, startupSec));
        break;
      }
      case "renode": {
        const input = entry.input as unknown as RenodeNodeInput;
        const target = input.target !== undefined ? receiverFor(ctx, names, input.target, [...path, "target"]) : null;
        if (target !== undefined) expand(entry, nodes, (base) => renode(ctx, base, input, target));
        break;
      }
    }
  }
  reportUpstreamCycles(ctx, nodes);
  return nodes;
}

/** An entry with schema errors is not built, but its references are still checked. */
function checkReferencesOnly(ctx: ResolveContext, names: NodeNames, entry: NodeEntry): void {
  for (const key of ["target", "upstream"]) {
    const path = ["nodes", entry.key, key];
    const value = entry.input[key];
    if (typeof value === "string" && ctx.isClean(path)) receiverFor(ctx, names, value, path);
  }
}

// Builders spell out every field in one literal (`id: base.id, ...`) rather than
// spreading `base`: with a spread, V8 builds each of a million group members the
// slow way (measured: several times slower, mostly in the garbage collector).
function expand(entry: NodeEntry, out: ResolvedNode[], make: (base: ResolvedNodeBase) => ResolvedNode): void {
  for (let i = 0; i < entry.size; i++) {
    out.push(make({ id: memberId(entry, i), group: entry.key, group_index: i, group_size: entry.size }));
  }
}

function reportCollisions(ctx: ResolveContext, names: NodeNames): void {
  for (const { entry, group, index } of names.collisions()) {
    const what = entry.grouped ? `the group ${quote(entry.key)}` : `the node ${quote(entry.key)}`;
    ctx.problems.add({
      code: "duplicate-id",
      path: ["nodes", entry.key],
      at: "key",
      message: `node id ${quote(entry.key)} is used twice: by ${what} and by member ${index} of the group ${quote(group.key)} (count: ${group.size})`,
      hint: `rename ${quote(entry.key)}; members of a group are named <group>_0 ... <group>_{count-1}`,
    });
  }
}

/**
 * A sensor's target when it names none: the only gateway; with no gateway at all,
 * null (the sensor samples and records its readings, and sends nothing: a warning);
 * with several, undefined (an error: which one is not guessed).
 */
function defaultTarget(ctx: ResolveContext, names: NodeNames, entry: NodeEntry, gateways: readonly NodeEntry[]): NameMeaning | null | undefined {
  const only = gateways.length === 1 ? names.lookup(gateways[0]!.key) : undefined;
  if (only) return only;
  const where = describePath(["nodes", entry.key]);
  if (gateways.length === 0) {
    ctx.problems.add({
      severity: "warning",
      code: "no-target",
      path: ["nodes", entry.key, "target"],
      locatePath: ["nodes", entry.key],
      at: "key",
      message: `${where} has no \`target\` and the scenario has no gateway: it samples and records its readings in the trace, and sends nothing`,
      hint: "add `target: <node or group>` or a gateway node to send them",
    });
    return null;
  }
  ctx.problems.add({
    code: "no-target",
    path: ["nodes", entry.key, "target"],
    locatePath: ["nodes", entry.key],
    at: "key",
    message: `${where} has no \`target\` and there are ${gateways.length} gateways to choose from (${gateways.slice(0, 5).map((g) => g.key).join(", ")}${gateways.length > 5 ? ", ..." : ""})`,
    hint: "add `target: <node or group>` to the sensor",
  });
  return undefined;
}

/** The only cloud entry, else null (a sink); several clouds leave it a sink with a warning. */
function defaultUpstream(ctx: ResolveContext, entry: NodeEntry, clouds: readonly NodeEntry[]): NameMeaning | null {
  if (clouds.length === 1) return { kind: clouds[0]!.grouped ? "group" : "node", entry: clouds[0]! };
  if (clouds.length > 1) {
    ctx.problems.add({
      severity: "warning",
      code: "ambiguous-upstream",
      path: ["nodes", entry.key, "upstream"],
      locatePath: ["nodes", entry.key],
      at: "key",
      message: `${describePath(["nodes", entry.key])} has no \`upstream\` and there are ${clouds.length} cloud nodes, so it is a sink that forwards nothing`,
      hint: "add `upstream: <node or group>` if it should forward",
    });
  }
  return null;
}

function sensor(base: ResolvedNodeBase, input: SensorNodeInput, target: NameMeaning | null): ResolvedSensorNode {
  const defaults = SCENARIO_DEFAULTS.sensor;
  const period = input.period_ms ?? defaults.period_ms;
  return {
    id: base.id,
    group: base.group,
    group_index: base.group_index,
    group_size: base.group_size,
    type: "sensor",
    sensors: [...(input.sensors ?? defaults.sensors)],
    period_ms: period,
    // Members of a group start at evenly spread phases so they do not all fire at once.
    start_ms: input.start_ms ?? (base.group_index * period) / base.group_size,
    until_sec: input.until_sec ?? null,
    target: target === null ? null : NodeNames.targetFor(target, base.group_index),
    payload_bytes: input.payload_bytes ?? defaults.payload_bytes,
    anomaly: input.anomaly ? copyAnomaly(input.anomaly) : null,
  };
}

function copyAnomaly(anomaly: AnomalyInput): AnomalyInput {
  return { probability: anomaly.probability, magnitude: anomaly.magnitude };
}

function gateway(base: ResolvedNodeBase, input: GatewayNodeInput, upstream: NameMeaning | null): ResolvedGatewayNode {
  return {
    id: base.id,
    group: base.group,
    group_index: base.group_index,
    group_size: base.group_size,
    type: "gateway",
    upstream: upstream === null ? null : NodeNames.targetFor(upstream, base.group_index),
    batch: input.batch ?? SCENARIO_DEFAULTS.gateway.batch,
    processing_ms: input.processing_ms ?? SCENARIO_DEFAULTS.gateway.processing_ms,
  };
}

function processNode(ctx: ResolveContext, base: ResolvedNodeBase, input: ProcessNodeInput): ResolvedProcessNode {
  return {
    id: base.id,
    group: base.group,
    group_index: base.group_index,
    group_size: base.group_size,
    type: "process",
    command: [...input.command],
    cwd: absolute(ctx, input.cwd ?? "."),
    env: { ...input.env },
    config: structuredClone(input.config ?? {}),
  };
}

// Docker's own rule: a bare name is a named volume; anything else is a host path.
const NAMED_VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `host:container[:options]` with a relative host path made absolute. */
export function resolveVolume(ctx: ResolveContext, volume: string): string {
  const colon = volume.indexOf(":");
  const host = volume.slice(0, colon);
  return NAMED_VOLUME.test(host) ? volume : `${absolute(ctx, host)}${volume.slice(colon)}`;
}

function docker(ctx: ResolveContext, base: ResolvedNodeBase, input: DockerNodeInput, startupSec: number): ResolvedDockerNode {
  const wait = input.wait_for;
  return {
    id: base.id,
    group: base.group,
    group_index: base.group_index,
    group_size: base.group_size,
    type: "docker",
    image: input.image ?? null,
    build: input.build
      ? { context: absolute(ctx, input.build.context), dockerfile: input.build.dockerfile ?? SCENARIO_DEFAULTS.docker.dockerfile, args: { ...input.build.args } }
      : null,
    command: input.command ? [...input.command] : null,
    env: { ...input.env },
    ports: [...(input.ports ?? [])],
    volumes: (input.volumes ?? []).map((v) => guardedVolume(ctx, v)),
    networks: [...(input.networks ?? [])],
    resources: { cpus: input.resources?.cpus ?? null, memory_mb: input.resources?.memory_mb ?? null },
    wait_for: wait ? { log: wait.log ?? null, port: wait.port ?? null, timeout_sec: wait.timeout_sec ?? startupSec } : null,
    protocol: input.protocol ?? (SCENARIO_DEFAULTS.docker.protocol as "stdio"),
    docker_host: input.docker_host ?? null,
    privileged: input.privileged ?? false,
    allow_host_paths: input.allow_host_paths ?? false,
    config: structuredClone(input.config ?? {}),
  };
}

/** A resolved volume; a host path outside the scenario's folder is mounted read-only unless the mapping asks for `rw`. */
function guardedVolume(ctx: ResolveContext, volume: string): string {
  const resolved = resolveVolume(ctx, volume);
  const { host } = splitVolume(resolved);
  if (!host.startsWith("/")) return resolved;
  return classifyHostPath(host, ctx.baseDir).kind === "outside" ? readOnlyUnlessAsked(resolved) : resolved;
}

/** System folders are never bound; other host paths outside the scenario's folder only with `allow_host_paths: true`. */
function checkHostPaths(ctx: ResolveContext, entry: NodeEntry, input: DockerNodeInput): boolean {
  let ok = true;
  (input.volumes ?? []).forEach((volume, j) => {
    const { host } = splitVolume(resolveVolume(ctx, volume));
    if (!host.startsWith("/")) return;
    const verdict = classifyHostPath(host, ctx.baseDir);
    const path = ["nodes", entry.key, "volumes", j];
    if (verdict.kind === "refused") {
      ok = false;
      ctx.problems.add({ code: "host-path-refused", path, message: `${describePath(path)} binds ${host} into the container: refused, ${verdict.because}`, hint: "bind a folder made for the experiment" });
    } else if (verdict.kind === "outside" && input.allow_host_paths !== true) {
      ok = false;
      ctx.problems.add({
        code: "host-path-outside",
        path,
        message: `${describePath(path)} binds ${host}, which is outside the scenario's folder ${ctx.baseDir}`,
        hint: "add `allow_host_paths: true` to the node to allow it (mounted read-only unless the mapping ends in :rw)",
      });
    }
  });
  return ok;
}

/** Members of a group cannot all bind the same host port. */
function checkPorts(ctx: ResolveContext, entry: NodeEntry, input: DockerNodeInput): boolean {
  if (entry.size <= 1) return true;
  let ok = true;
  (input.ports ?? []).forEach((port, j) => {
    if (!port.includes(":")) return;
    ok = false;
    ctx.problems.add({
      code: "port-conflict",
      path: ["nodes", entry.key, "ports", j],
      message: `${describePath(["nodes", entry.key, "ports", j])} publishes a fixed host port, but the group has ${entry.size} containers that would all bind it`,
      hint: `publish only the container port (e.g. "${port.slice(port.lastIndexOf(":") + 1)}") so that Docker picks free host ports, or drop \`count\``,
    });
  });
  return ok;
}

function renode(ctx: ResolveContext, base: ResolvedNodeBase, input: RenodeNodeInput, target: NameMeaning | null): ResolvedRenodeNode {
  const path = input.renode?.path;
  return {
    id: base.id,
    group: base.group,
    group_index: base.group_index,
    group_size: base.group_size,
    type: "renode",
    platform: absolute(ctx, input.platform),
    firmware: absolute(ctx, input.firmware),
    uart: input.uart,
    target: target === null ? null : NodeNames.targetFor(target, base.group_index),
    renode: {
      // A bare command name is looked up on PATH; anything with a slash is a file path.
      path: path === undefined ? null : path.includes("/") ? absolute(ctx, path) : path,
      args: [...(input.renode?.args ?? [])],
      quantum_us: input.renode?.quantum_us ?? null,
    },
  };
}

/** Gateways forwarding in a circle would pass messages around forever. */
function reportUpstreamCycles(ctx: ResolveContext, nodes: readonly ResolvedNode[]): void {
  const gateways = new Map<string, ResolvedGatewayNode>();
  for (const node of nodes) if (node.type === "gateway") gateways.set(node.id, node);
  const state = new Map<string, "visiting" | "done">();
  const reportedGroups = new Set<string>();
  for (const start of gateways.values()) {
    const chain: ResolvedGatewayNode[] = [];
    let node: ResolvedGatewayNode | undefined = start;
    while (node && !state.has(node.id)) {
      state.set(node.id, "visiting");
      chain.push(node);
      node = node.upstream === null ? undefined : gateways.get(node.upstream);
    }
    if (node && state.get(node.id) === "visiting") {
      const cycle = chain.slice(chain.indexOf(node));
      const first = cycle[0]!;
      if (!reportedGroups.has(first.group)) {
        reportedGroups.add(first.group);
        const ids = cycle.slice(0, 6).map((n) => n.id);
        ctx.problems.add({
          code: "upstream-cycle",
          path: ["nodes", first.group, "upstream"],
          message: `gateway upstreams form a cycle: ${ids.join(" -> ")}${cycle.length > 6 ? " -> ..." : ""} -> ${first.id}; messages would circulate forever`,
          hint: "end the chain at a cloud node, an external node, or a gateway without upstream",
        });
      }
    }
    for (const n of chain) state.set(n.id, "done");
  }
}

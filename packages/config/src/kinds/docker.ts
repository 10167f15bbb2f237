import { resolve } from "node:path";
import { classifyHostPath, readOnlyUnlessAsked, splitVolume } from "../host-paths.js";
import type { NodeFile, NodeKind } from "../node-kind.js";
import type { NodeEntry } from "../node-names.js";
import { describePath } from "../problem.js";
import { absolute } from "../resolve-context.js";
import type { ResolveContext } from "../resolve-context.js";
import type { DockerNodeInput, ResolvedDockerNode, ResolvedNodeBase } from "../types.js";

const DEFAULTS = Object.freeze({ protocol: "stdio", dockerfile: "Dockerfile" } as const);

/**
 * `type: docker`: a container started by @sim/launcher-docker; a lockstep node over
 * its stdio, or with `protocol: none` a service that takes no messages.
 */
export const dockerKind = {
  runs: "external",
  serviceWhen: {
    test: (input) => input.protocol === "none",
    because: "has `protocol: none` and so takes no messages",
    hint: "give it `protocol: stdio`, or send to another node",
  },
  receives: true,
  schema: "docker_node",
  references: [],
  defaults: DEFAULTS,
  command: { args: ["command"], env: true },
  resolve(entry, input, ctx) {
    const portsOk = checkPorts(ctx, entry, input);
    if (!checkHostPaths(ctx, entry, input) || !portsOk) return undefined;
    return (base) => docker(ctx, base, input, ctx.startupSec);
  },
  files(node) {
    const files: NodeFile[] = [];
    if (node.build) {
      files.push({ key: ["build", "context"], file: node.build.context, kind: "directory", what: "docker build context" });
      files.push({ key: ["build", "dockerfile"], file: resolve(node.build.context, node.build.dockerfile), kind: "file", what: "Dockerfile" });
    }
    node.volumes.forEach((volume, j) => {
      const host = volume.slice(0, volume.indexOf(":"));
      // Relative host paths were made absolute; a bare name is a named volume.
      if (host.startsWith("/")) files.push({ key: ["volumes", j], file: host, kind: "any", what: "volume host path" });
    });
    return files;
  },
} as const satisfies NodeKind<"docker">;

// Docker's own rule: a bare name is a named volume; anything else is a host path.
const NAMED_VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `host:container[:options]` with a relative host path made absolute. */
function resolveVolume(ctx: ResolveContext, volume: string): string {
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
    build: input.build ? { context: absolute(ctx, input.build.context), dockerfile: input.build.dockerfile ?? DEFAULTS.dockerfile, args: { ...input.build.args } } : null,
    command: input.command ? [...input.command] : null,
    env: { ...input.env },
    ports: [...(input.ports ?? [])],
    volumes: (input.volumes ?? []).map((v) => guardedVolume(ctx, v)),
    networks: [...(input.networks ?? [])],
    resources: { cpus: input.resources?.cpus ?? null, memory_mb: input.resources?.memory_mb ?? null },
    wait_for: wait ? { log: wait.log ?? null, port: wait.port ?? null, timeout_sec: wait.timeout_sec ?? startupSec } : null,
    protocol: input.protocol ?? DEFAULTS.protocol,
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

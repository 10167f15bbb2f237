/**
 * check(): what can be known before anything starts — engines reachable, images
 * present or buildable, paths that exist, options that parse. Reads only; creates,
 * builds and pulls nothing.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import type { Problem, ResolvedDockerNode, ResolvedScenario } from "@sim/config";
import { planNode } from "./container-spec.js";
import { isConnectionError, pingEngine, type Engine, type Engines } from "./engine.js";
import { DockerConfigError, DockerImageMissingError } from "./errors.js";
import { imageExists } from "./image.js";

type Path = (string | number)[];

export async function checkDockerNodes(nodes: ResolvedDockerNode[], scenario: ResolvedScenario, engines: Engines): Promise<Problem[]> {
  const problems: Problem[] = [];
  const problem = (severity: Problem["severity"], code: string, node: ResolvedDockerNode, path: Path, message: string, hint?: string) =>
    problems.push({
      severity,
      code,
      file: scenario.source,
      line: null,
      column: null,
      path: ["nodes", node.group, ...path],
      message,
      ...(hint === undefined ? {} : { hint }),
    });

  // Members of a `count` group share their options: check each group once.
  const groups = new Map<string, ResolvedDockerNode>();
  for (const node of nodes) if (!groups.has(node.group)) groups.set(node.group, node);

  // One ping per engine; the nodes on an unreachable engine get one problem, not one per image.
  const reachable = new Map<string, Promise<string | null>>();
  const engineOf = new Map<ResolvedDockerNode, Engine>();
  for (const node of groups.values()) {
    let engine: Engine;
    try {
      engine = engines.get(node.docker_host);
    } catch (error) {
      if (!(error instanceof DockerConfigError)) throw error;
      problem("error", error.code, node, ["docker_host"], error.message);
      continue;
    }
    engineOf.set(node, engine);
    if (!reachable.has(engine.address)) {
      reachable.set(
        engine.address,
        pingEngine(engine).then(
          () => null,
          (error: Error & { code?: string }) => error.message,
        ),
      );
    }
  }
  const reported = new Set<string>();

  await Promise.all(
    [...groups.values()].map(async (node) => {
      const { plan, issues } = planNode(node, scenario.name);
      for (const issue of issues) problem("error", "SIM_DOCKER_CONFIG_INVALID", node, issue.path, `node "${node.group}": ${issue.message}`);

      await Promise.all(
        plan.volumes.map(async (volume, i) => {
          if (volume.kind !== "bind" || volume.source === null) return;
          if (!(await exists(volume.source))) {
            problem(
              "error",
              "SIM_DOCKER_VOLUME_MISSING",
              node,
              ["volumes", i],
              `node "${node.group}": the host path ${volume.source} of volume "${volume.spec}" does not exist`,
              "Create it first: Docker would silently create an empty, root-owned folder in its place.",
            );
          }
        }),
      );

      if (node.build !== null) {
        const { context, dockerfile } = node.build;
        const rel = relative(context, join(context, dockerfile));
        if (!(await exists(context, true))) {
          problem("error", "SIM_DOCKER_BUILD_INVALID", node, ["build", "context"], `node "${node.group}": the build context ${context} is not a folder`);
        } else if (isAbsolute(dockerfile) || rel.startsWith("..")) {
          problem("error", "SIM_DOCKER_BUILD_INVALID", node, ["build", "dockerfile"], `node "${node.group}": dockerfile "${dockerfile}" must lie inside the build context ${context}`);
        } else if (!(await exists(join(context, dockerfile)))) {
          problem("error", "SIM_DOCKER_BUILD_INVALID", node, ["build", "dockerfile"], `node "${node.group}": there is no ${dockerfile} in the build context ${context}`);
        }
      }

      if (node.privileged) {
        problem(
          "warning",
          "SIM_DOCKER_PRIVILEGED",
          node,
          ["privileged"],
          `node "${node.group}" runs a privileged container: it has full access to the host's devices and kernel`,
        );
      }

      const engine = engineOf.get(node);
      if (engine === undefined) return;
      if (!engine.address.startsWith("unix://") && node.wait_for?.port != null) {
        const port = plan.ports.find((p) => p.containerPort === node.wait_for?.port);
        if (port !== undefined && isLoopback(port.hostIp)) {
          problem(
            "warning",
            "SIM_DOCKER_PORT_UNREACHABLE",
            node,
            ["wait_for", "port"],
            `node "${node.group}": port ${port.containerPort} is published on the loopback address of the remote engine ${engine.address}, which the harness cannot reach`,
            `Publish it on an address the harness can reach ("${port.hostIp.includes(":") ? "[::]" : "0.0.0.0"}:${port.hostPort ?? port.containerPort}:${port.containerPort}") or wait for a log line instead.`,
          );
        }
      }
      const unreachable = await reachable.get(engine.address);
      if (unreachable != null) {
        if (!reported.has(engine.address)) {
          reported.add(engine.address);
          problem("error", "SIM_DOCKER_UNAVAILABLE", node, node.docker_host === null ? [] : ["docker_host"], unreachable);
        }
        return;
      }
      if (node.build === null && node.image !== null) {
        const image = node.image;
        let exists: boolean;
        try {
          exists = await imageExists(engine, image);
        } catch (error) {
          // A reference the engine's API cannot take (a node built in code skips the
          // schema's check) or an engine that refuses the request: a problem, not a crash.
          const reason = error instanceof Error ? error.message : String(error);
          if (isConnectionError(error)) problem("error", "SIM_DOCKER_UNAVAILABLE", node, ["image"], `the Docker engine at ${engine.address} stopped answering: ${reason}`);
          else problem("error", "SIM_DOCKER_CONFIG_INVALID", node, ["image"], `node "${node.group}": the engine at ${engine.address} could not look up image ${JSON.stringify(image)}: ${reason}`);
          return;
        }
        if (!exists) {
          const error = new DockerImageMissingError(node.group, image, engine.address);
          problem("error", error.code, node, ["image"], error.message);
        }
      }
    }),
  );
  return problems.sort((a, b) => a.path.join(".").localeCompare(b.path.join(".")));
}

/** 127.0.0.0/8 and ::1 (with or without brackets): reachable only from the engine's own host. */
function isLoopback(hostIp: string): boolean {
  const ip = hostIp.replace(/^\[|\]$/g, "");
  return ip === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

async function exists(path: string, folder = false): Promise<boolean> {
  try {
    const info = await stat(path);
    return folder ? info.isDirectory() : true;
  } catch {
    return false;
  }
}

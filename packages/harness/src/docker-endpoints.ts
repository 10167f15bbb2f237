/**
 * Where a run's Docker nodes can be reached: their published ports (a port
 * published as "8080" gets a free host port, which otherwise has to be looked up
 * with `docker port`) and their addresses on the run's networks. Read once the
 * containers have started; reported in summary.json's `docker` and by `sim run`.
 */
import { request } from "node:http";
import type { ResolvedDockerNode, ResolvedScenario } from "@sim/config";
import type { StartedNode } from "@sim/coordinator";
import type { DockerStartedNode } from "@sim/launcher-docker";
import type { Logger } from "pino";

export interface DockerPortEndpoint {
  container_port: number;
  protocol: "tcp" | "udp";
  /** Where the port is reached from this machine; null when the engine published none (the container had exited). */
  host: string | null;
  host_port: number | null;
}

export interface DockerEndpoint {
  container: string;
  container_id: string;
  /** The engine the container runs on. */
  engine: string;
  /** One entry per `ports:` spec of the node, in order. */
  ports: DockerPortEndpoint[];
  /**
   * The container's IP address on each network, by the network's name in the
   * scenario (`default` for the run's own network); null when the engine could not
   * be asked (only unix:// and plain tcp:// engines are).
   */
  addresses: Record<string, string> | null;
}

/** How long one inspect may take before the addresses are reported as unknown. */
const INSPECT_TIMEOUT_MS = 5_000;

/** The endpoints of every started Docker node, by node id in scenario order. */
export async function dockerEndpoints(scenario: ResolvedScenario, runId: string, started: readonly StartedNode[], logger: Logger): Promise<Record<string, DockerEndpoint>> {
  const byId = new Map(started.filter(isDockerStarted).map((s) => [s.id, s]));
  const nodes = scenario.nodes.filter((n): n is ResolvedDockerNode => n.type === "docker" && byId.has(n.id));
  const endpoints = await Promise.all(
    nodes.map(async (node): Promise<[string, DockerEndpoint]> => {
      const container = byId.get(node.id)!;
      const ports = node.ports.map((spec) => {
        const { port, protocol } = containerPort(spec);
        const published = container.publishedPort(port, protocol);
        return { container_port: port, protocol, host: published?.host ?? null, host_port: published?.port ?? null };
      });
      let addresses: Record<string, string> | null = null;
      try {
        addresses = await networkAddresses(container.engineAddress, container.containerId, `sim-${runId}-`);
      } catch (error) {
        logger.debug({ node: node.id, err: error }, "could not read the container's network addresses");
      }
      return [node.id, { container: container.containerName, container_id: container.containerId, engine: container.engineAddress, ports, addresses }];
    }),
  );
  return Object.fromEntries(endpoints);
}

function isDockerStarted(node: StartedNode): node is DockerStartedNode {
  const n = node as Partial<DockerStartedNode>;
  return typeof n.containerId === "string" && typeof n.engineAddress === "string" && typeof n.publishedPort === "function";
}

/** The container side of a `ports:` spec: "127.0.0.1:8080:80/udp" -> 80/udp. */
function containerPort(spec: string): { port: number; protocol: "tcp" | "udp" } {
  const m = /(\d+)(?:\/(tcp|udp))?\s*$/.exec(spec);
  return { port: Number(m?.[1]), protocol: m?.[2] === "udp" ? "udp" : "tcp" };
}

/** Network name -> IP address, from the engine's inspect of the container; null for engines not reachable over plain HTTP. */
async function networkAddresses(engine: string, containerId: string, runPrefix: string): Promise<Record<string, string> | null> {
  const target = plainTarget(engine);
  if (target === null) return null;
  const info = await getJson(target, `/containers/${encodeURIComponent(containerId)}/json`) as {
    NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; GlobalIPv6Address?: string }> };
  };
  const out: Record<string, string> = {};
  for (const name of Object.keys(info.NetworkSettings?.Networks ?? {}).sort()) {
    const net = info.NetworkSettings!.Networks![name]!;
    const ip = net.IPAddress || net.GlobalIPv6Address;
    if (ip) out[name.startsWith(runPrefix) ? name.slice(runPrefix.length) : name] = ip;
  }
  return out;
}

type Target = { socketPath: string } | { host: string; port: number };

/** unix:// and plain tcp:// or http:// engines; TLS (https://, tcp://…:2376) and ssh:// are left out. */
function plainTarget(engine: string): Target | null {
  if (engine.startsWith("unix://")) return { socketPath: engine.slice("unix://".length) };
  const m = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(engine);
  if (m === null || m[2] === "2376") return null;
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 2375 };
}

function getJson(target: Target, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method: "GET", path, timeout: INSPECT_TIMEOUT_MS, headers: { host: "docker" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`docker engine answered ${res.statusCode ?? "?"}: ${body.slice(0, 200)}`));
        else {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${INSPECT_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
}

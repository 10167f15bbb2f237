/**
 * The few Docker Engine API calls cleanup needs, over plain HTTP (a unix socket or
 * tcp://). Kept free of dockerode so that the reaper starts fast and small.
 */
import { request } from "node:http";
import { SimError } from "@sim/config/errors";
import { DEFAULT_DOCKER_HOST, LABEL_RUN_ID, parseEngineAddress } from "@sim/launcher-docker/engine-address";

/** Default local engine socket. */
export const DEFAULT_DOCKER_SOCKET = DEFAULT_DOCKER_HOST.slice("unix://".length);

/** One Docker request may take this long before the engine counts as unreachable. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A Docker engine could not be reached or refused a cleanup request. Code `SIM_DOCKER_CLEANUP_FAILED`. */
export class DockerApiError extends SimError {
  constructor(
    readonly host: string,
    message: string,
    readonly status: number | null = null,
  ) {
    super("SIM_DOCKER_CLEANUP_FAILED", `docker engine ${host}: ${message}`);
  }
}

interface Target {
  socketPath?: string;
  host?: string;
  port?: number;
}

function target(host: string | null): Target {
  if (host === null || host === "") return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (host.startsWith("/")) return { socketPath: host };
  let parsed;
  try {
    parsed = parseEngineAddress(host);
  } catch (error) {
    throw new DockerApiError(host, (error as Error).message);
  }
  if (parsed.kind === "unix") return { socketPath: parsed.socketPath };
  if (parsed.kind === "tcp" && !parsed.tls) return { host: parsed.host, port: parsed.port };
  throw new DockerApiError(host, "only unix:// and plain tcp:// engines can be cleaned without the docker CLI");
}

async function call(host: string | null, method: string, path: string): Promise<{ status: number; body: string }> {
  const t = target(host);
  const name = host ?? DEFAULT_DOCKER_SOCKET;
  return new Promise((resolve, reject) => {
    const req = request({ ...t, method, path, timeout: REQUEST_TIMEOUT_MS, headers: { host: "docker" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", (err) => reject(new DockerApiError(name, err.message)));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on("error", (err) => reject(new DockerApiError(name, err.message)));
    req.end();
  });
}

export interface LabelledResource {
  id: string;
  /** Value of the `sim.run-id` label. */
  runId: string;
}

/** Containers (running or not) carrying label `sim.run-id` (with `runId`: that value only). */
export async function listRunContainers(host: string | null, runId?: string): Promise<LabelledResource[]> {
  return list(host, "/containers/json?all=1&filters=", runId, (c) => ({ id: c.Id, labels: c.Labels }));
}

/** Networks carrying label `sim.run-id` (with `runId`: that value only). */
export async function listRunNetworks(host: string | null, runId?: string): Promise<LabelledResource[]> {
  return list(host, "/networks?filters=", runId, (n) => ({ id: n.Id, labels: n.Labels }));
}

async function list(
  host: string | null,
  path: string,
  runId: string | undefined,
  pick: (item: { Id: string; Labels: Record<string, string> | null }) => { id: string; labels: Record<string, string> | null },
): Promise<LabelledResource[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [runId === undefined ? LABEL_RUN_ID : `${LABEL_RUN_ID}=${runId}`] }));
  const res = await call(host, "GET", path + filters);
  if (res.status !== 200) throw new DockerApiError(host ?? DEFAULT_DOCKER_SOCKET, `listing failed (${res.status}): ${res.body.slice(0, 200)}`, res.status);
  const items = JSON.parse(res.body) as { Id: string; Labels: Record<string, string> | null }[];
  return items.map(pick).map(({ id, labels }) => ({ id, runId: labels?.[LABEL_RUN_ID] ?? "" }));
}

/** Force-removes a container (and its anonymous volumes). "gone": it did not exist. */
export async function removeContainer(host: string | null, id: string): Promise<"removed" | "gone"> {
  const res = await call(host, "DELETE", `/containers/${encodeURIComponent(id)}?force=1&v=1`);
  if (res.status === 204 || res.status === 200) return "removed";
  if (res.status === 404) return "gone";
  throw new DockerApiError(host ?? DEFAULT_DOCKER_SOCKET, `removing container ${id} failed (${res.status}): ${res.body.slice(0, 200)}`, res.status);
}

/** Removes a network. "gone": it did not exist. */
export async function removeNetwork(host: string | null, id: string): Promise<"removed" | "gone"> {
  const res = await call(host, "DELETE", `/networks/${encodeURIComponent(id)}`);
  if (res.status === 204 || res.status === 200) return "removed";
  if (res.status === 404) return "gone";
  throw new DockerApiError(host ?? DEFAULT_DOCKER_SOCKET, `removing network ${id} failed (${res.status}): ${res.body.slice(0, 200)}`, res.status);
}

/** The id (`sha256:…`) of a local image, or null when the engine does not have it. */
export async function imageId(host: string | null, image: string): Promise<string | null> {
  const res = await call(host, "GET", `/images/${encodeURIComponent(image)}/json`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new DockerApiError(host ?? DEFAULT_DOCKER_SOCKET, `inspecting image ${image} failed (${res.status}): ${res.body.slice(0, 200)}`, res.status);
  return (JSON.parse(res.body) as { Id: string }).Id;
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { DockerUnavailableError } from "./errors.js";
import { DEFAULT_DOCKER_HOST, parseEngineAddress, type EngineAddress } from "./engine-address.js";

/** Where the engine is when neither `docker_host:` nor the launcher options name one. */
export { DEFAULT_DOCKER_HOST };

/**
 * How long a ping may take before the engine counts as unreachable. A local engine
 * answers in milliseconds; a remote one over TLS in well under a second. Without a
 * bound, a firewalled tcp:// address would hang until the OS's TCP timeout (minutes).
 */
const PING_TIMEOUT_MS = 5_000;

export interface EngineOptions {
  /** Engine used by nodes without `docker_host:` (e.g. the CLI passes `$DOCKER_HOST`). Default `unix:///var/run/docker.sock`. */
  defaultHost?: string | null;
  /** Folder with `ca.pem`, `cert.pem`, `key.pem` for TLS engines (like `$DOCKER_CERT_PATH`). */
  certPath?: string | null;
}

/** One Docker engine: its client, and how to name it in messages and in the resource registry. */
export interface Engine {
  readonly docker: Docker;
  /** The address as written (`unix:///var/run/docker.sock`, `tcp://host:2376`). */
  readonly address: string;
  /** What the resource registry records: the node's `docker_host`, or null for the default engine. */
  readonly registryHost: string | null;
  /** Host name to reach ports published on this engine from the harness machine. */
  readonly publishedHost: string;
}

/**
 * Turns a `docker_host` URL into dockerode options. Every key dockerode would
 * otherwise take from `$DOCKER_HOST`/`$DOCKER_CERT_PATH` is set explicitly, so the
 * engine used is the one named here and never a hidden environment variable.
 */
export function dockerOptionsFor(address: string, certPath: string | null = null): Docker.DockerOptions {
  const explicit: Docker.DockerOptions = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined };
  const parsed = parseEngineAddress(address, certPath);
  switch (parsed.kind) {
    case "unix":
      return { ...explicit, socketPath: parsed.socketPath };
    case "ssh":
      return { ...explicit, protocol: "ssh", host: parsed.host, port: parsed.port, ...(parsed.username === null ? {} : { username: parsed.username }) };
    case "tcp": {
      const options: Docker.DockerOptions = { ...explicit, host: parsed.host, port: parsed.port, protocol: parsed.tls ? "https" : "http" };
      if (parsed.tls && certPath !== null) {
        options.ca = readFileSync(join(certPath, "ca.pem"));
        options.cert = readFileSync(join(certPath, "cert.pem"));
        options.key = readFileSync(join(certPath, "key.pem"));
      }
      return options;
    }
  }
}

/** The host name under which ports published on an engine are reachable from here. */
export function publishedHostFor(address: string): string {
  let parsed: EngineAddress;
  try {
    parsed = parseEngineAddress(address);
  } catch {
    return "127.0.0.1";
  }
  return parsed.kind === "unix" || parsed.host === "" || parsed.host === "localhost" ? "127.0.0.1" : parsed.host;
}

/** One dockerode client per engine address, created on first use. */
export class Engines {
  readonly #defaultHost: string;
  readonly #certPath: string | null;
  readonly #engines = new Map<string, Engine>();

  constructor(options: EngineOptions = {}) {
    this.#defaultHost = options.defaultHost ?? DEFAULT_DOCKER_HOST;
    this.#certPath = options.certPath ?? null;
  }

  /** The address a node's containers go to. */
  addressFor(dockerHost: string | null): string {
    return dockerHost ?? this.#defaultHost;
  }

  get(dockerHost: string | null): Engine {
    const address = this.addressFor(dockerHost);
    let engine = this.#engines.get(address);
    if (engine === undefined) {
      engine = {
        docker: new Docker(dockerOptionsFor(address, this.#certPath)),
        address,
        registryHost: address === DEFAULT_DOCKER_HOST ? null : address,
        publishedHost: publishedHostFor(address),
      };
      this.#engines.set(address, engine);
    }
    return engine;
  }
}

/** Resolves when the engine answers `_ping`; rejects with DockerUnavailableError naming it otherwise. */
export async function pingEngine(engine: Engine, timeoutMs: number = PING_TIMEOUT_MS): Promise<void> {
  try {
    // dockerode accepts an abort signal on every call; its typings omit it for ping().
    const ping = engine.docker.ping.bind(engine.docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    throw new DockerUnavailableError(engine.address, { cause });
  }
}

/** True for dockerode's "404 no such …" errors. */
export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { statusCode?: unknown }).statusCode === 404;
}

/** The HTTP status of a dockerode error, if it has one. */
export function statusOf(error: unknown): number | null {
  const status = typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === "number" ? status : null;
}

const CONNECTION_ERRORS = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "EACCES", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE"]);

/** True when `error` says the engine could not be reached at all (rather than refusing a request). */
export function isConnectionError(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && CONNECTION_ERRORS.has(code);
}

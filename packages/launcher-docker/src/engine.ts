import { readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { DockerConfigError, DockerUnavailableError } from "./errors.js";

/** Where the engine is when neither `docker_host:` nor the launcher options name one. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

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
  if (address.startsWith("unix://")) {
    const socketPath = address.slice("unix://".length);
    if (!socketPath.startsWith("/")) {
      throw new DockerConfigError(`docker_host "${address}": a unix socket needs an absolute path, e.g. unix:///var/run/docker.sock`);
    }
    return { ...explicit, socketPath };
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch (cause) {
    throw new DockerConfigError(
      `docker_host "${address}" is not a URL; use unix:///path/to/docker.sock, tcp://host:2375, tcp://host:2376 (TLS) or ssh://user@host`,
    );
  }
  if (url.protocol === "ssh:") {
    return {
      ...explicit,
      protocol: "ssh",
      host: url.hostname,
      port: url.port === "" ? 22 : Number(url.port),
      ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    };
  }
  if (url.protocol !== "tcp:" && url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DockerConfigError(
      `docker_host "${address}": unsupported scheme "${url.protocol}"; use unix://, tcp://, http://, https:// or ssh://`,
    );
  }
  // Docker's convention: 2376 is the TLS port, 2375 the plain one.
  const tls = url.protocol === "https:" || url.port === "2376" || (url.protocol === "tcp:" && certPath !== null);
  const port = url.port === "" ? (tls ? 2376 : 2375) : Number(url.port);
  const options: Docker.DockerOptions = { ...explicit, host: url.hostname, port, protocol: tls ? "https" : "http" };
  if (tls && certPath !== null) {
    options.ca = readFileSync(join(certPath, "ca.pem"));
    options.cert = readFileSync(join(certPath, "cert.pem"));
    options.key = readFileSync(join(certPath, "key.pem"));
  }
  return options;
}

/** The host name under which ports published on an engine are reachable from here. */
export function publishedHostFor(address: string): string {
  if (address.startsWith("unix://")) return "127.0.0.1";
  try {
    const hostname = new URL(address).hostname;
    return hostname === "" || hostname === "localhost" ? "127.0.0.1" : hostname.replace(/^\[|\]$/g, "");
  } catch {
    return "127.0.0.1";
  }
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

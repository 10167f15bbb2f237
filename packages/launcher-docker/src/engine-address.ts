/**
 * Docker engine addresses (`docker_host:`, `$DOCKER_HOST`) parsed in one place, for
 * the launcher and for the harness's reaper. No dockerode here: the reaper imports
 * this file alone (`@sim/launcher-docker/engine-address`) to start fast and small.
 */
import { DockerConfigError } from "./errors.js";

export { LABEL_RUN_ID, LABEL_SCENARIO, LABEL_NODE, LABEL_NETWORK } from "./names.js";

export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

export type EngineAddress =
  | { kind: "unix"; socketPath: string }
  /** tcp://, http:// or https://; `tls` by Docker's convention (https, port 2376, or certificates given). */
  | { kind: "tcp"; host: string; port: number; tls: boolean }
  | { kind: "ssh"; host: string; port: number; username: string | null };

/**
 * Parses an engine address. `certPath` (`$DOCKER_CERT_PATH`) makes a tcp:// address
 * a TLS one. Throws DockerConfigError naming the address and the accepted forms.
 */
export function parseEngineAddress(address: string, certPath: string | null = null): EngineAddress {
  if (address.startsWith("unix://")) {
    const socketPath = address.slice("unix://".length);
    if (!socketPath.startsWith("/")) {
      throw new DockerConfigError(`docker_host "${address}": a unix socket needs an absolute path, e.g. unix:///var/run/docker.sock`);
    }
    return { kind: "unix", socketPath };
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new DockerConfigError(
      `docker_host "${address}" is not a URL; use unix:///path/to/docker.sock, tcp://host:2375, tcp://host:2376 (TLS) or ssh://user@host`,
    );
  }
  // URL keeps IPv6 brackets in `hostname`; sockets want the bare address.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (url.protocol === "ssh:") {
    return { kind: "ssh", host, port: url.port === "" ? 22 : Number(url.port), username: url.username === "" ? null : decodeURIComponent(url.username) };
  }
  if (url.protocol !== "tcp:" && url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DockerConfigError(`docker_host "${address}": unsupported scheme "${url.protocol}"; use unix://, tcp://, http://, https:// or ssh://`);
  }
  // Docker's convention: 2376 is the TLS port, 2375 the plain one.
  const tls = url.protocol === "https:" || url.port === "2376" || (url.protocol === "tcp:" && certPath !== null);
  return { kind: "tcp", host, port: url.port === "" ? (tls ? 2376 : 2375) : Number(url.port), tls };
}

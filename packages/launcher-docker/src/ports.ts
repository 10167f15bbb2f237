import { DockerConfigError } from "./errors.js";

/**
 * Published ports bind to loopback unless the spec names an address: a container
 * started for an experiment must not become a server on the lab network by default.
 */
export const DEFAULT_PORT_HOST_IP = "127.0.0.1";

export interface PortMapping {
  /** The spec as written, e.g. "127.0.0.1:8080:80/tcp". */
  spec: string;
  hostIp: string;
  /** null: the engine picks a free port (spec "80" or "127.0.0.1::80"). */
  hostPort: number | null;
  containerPort: number;
  protocol: "tcp" | "udp";
}

// [ip:][hostPort:]containerPort[/proto]; ip may be IPv4 or a bracketed IPv6 address.
const PORT_SPEC = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):)?(\d*):)?(\d+)(?:\/(tcp|udp))?$/;

function portNumber(text: string, spec: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new DockerConfigError(`port "${spec}": ${text} is not a port number (1-65535)`);
  }
  return n;
}

/** Parses "80", "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80", "[::1]:8080:80", each with an optional "/udp". */
export function parsePort(spec: string): PortMapping {
  const m = PORT_SPEC.exec(spec.trim());
  if (m === null) {
    throw new DockerConfigError(
      `port "${spec}" is not understood; write "80" (a free host port), "8080:80" or "127.0.0.1:8080:80", optionally with "/udp"`,
    );
  }
  const [, ip, hostPort, containerPort, protocol] = m;
  return {
    spec,
    hostIp: ip === undefined ? DEFAULT_PORT_HOST_IP : ip.replace(/^\[|\]$/g, ""),
    hostPort: hostPort === undefined || hostPort === "" ? null : portNumber(hostPort, spec),
    containerPort: portNumber(containerPort ?? "", spec),
    protocol: protocol === "udp" ? "udp" : "tcp",
  };
}

/** The `ExposedPorts` and `HostConfig.PortBindings` parts of a container's create options. */
export function portBindings(mappings: readonly PortMapping[]): {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of mappings) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort === null ? "" : String(p.hostPort) });
  }
  return { exposed, bindings };
}

/**
 * What a scenario opens of this machine: every host path bound into a container
 * and every port published on an address other than loopback. `sim validate` and
 * the dry-run plan list them, so that a scenario from someone else can be read
 * before it runs.
 */
import type { ResolvedScenario } from "@sim/config";

export interface HostAccess {
  node: string;
  kind: "host path" | "published port";
  /** `/srv/data -> /data (read-only)` or `0.0.0.0:8080 -> 80/tcp`. */
  what: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|::1|localhost)$/;

export function hostAccessOf(scenario: ResolvedScenario): HostAccess[] {
  const access: HostAccess[] = [];
  for (const node of scenario.nodes) {
    if (node.type !== "docker" || node.group_index !== 0) continue;
    const name = node.group_size > 1 ? `${node.group} (${node.group_size} containers)` : node.id;
    for (const volume of node.volumes) {
      const [host = "", container = "", options = ""] = volume.split(":");
      if (!host.startsWith("/")) continue;
      const mode = options.split(",").includes("ro") ? "read-only" : "read-write";
      access.push({ node: name, kind: "host path", what: `${host} -> ${container} (${mode})` });
    }
    for (const port of node.ports) {
      const ip = hostIpOf(port);
      if (ip === null || LOOPBACK.test(ip)) continue;
      access.push({ node: name, kind: "published port", what: `${port} (reachable from other machines on ${ip})` });
    }
  }
  return access;
}

/** The host address of `ip:host:container[/proto]`, else null (sim then binds 127.0.0.1). */
function hostIpOf(spec: string): string | null {
  const bare = spec.replace(/\/(tcp|udp)$/, "");
  const bracketed = /^\[([^\]]+)\]:/.exec(bare);
  if (bracketed) return bracketed[1]!;
  const parts = bare.split(":");
  return parts.length === 3 ? parts[0]! : null;
}

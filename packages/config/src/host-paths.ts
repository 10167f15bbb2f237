/**
 * Which host paths a Docker node may bind. A scenario file can come from anyone:
 * a volume like "/:/host" would hand the container the whole machine. So:
 *
 * - host paths inside the scenario's folder are mounted as written;
 * - host paths outside it need `allow_host_paths: true` on the node, and are then
 *   mounted read-only unless the mapping says `:rw`;
 * - the system's own folders are refused outright, whatever the scenario says.
 *
 * This is the lexical check (no I/O); `checkScenarioFiles` repeats the refusal on
 * the real path, so that a symbolic link cannot lead around it.
 */
import { isAbsolute, relative, sep } from "node:path";

/**
 * Never bound into a container: the root itself, the system's configuration and
 * secrets, the kernel's views of processes and devices, the boot files, root's home,
 * and the folder of the Docker socket (access to it is control of the host).
 */
export const REFUSED_HOST_PATHS = ["/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/run", "/var/run"] as const;

export type HostPathVerdict =
  | { kind: "inside" }
  | { kind: "outside" }
  | { kind: "refused"; because: string };

export function classifyHostPath(hostPath: string, scenarioDir: string): HostPathVerdict {
  if (hostPath === "/" || hostPath === "") return { kind: "refused", because: "it is the root of the host's filesystem" };
  const system = REFUSED_HOST_PATHS.find((root) => hostPath === root || hostPath.startsWith(root + sep));
  if (system) return { kind: "refused", because: `${system} is a system folder` };
  const rel = relative(scenarioDir, hostPath);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel)) ? { kind: "inside" } : { kind: "outside" };
}

/** `host:container[:options]` -> its parts (the host part already absolute for host paths). */
export function splitVolume(volume: string): { host: string; container: string; options: string[] } {
  const [host = "", container = "", options = ""] = volume.split(":");
  return { host, container, options: options === "" ? [] : options.split(",") };
}

/** The mapping with `ro` added unless it says `rw` or `ro` already. */
export function readOnlyUnlessAsked(volume: string): string {
  const { options } = splitVolume(volume);
  if (options.includes("rw") || options.includes("ro")) return volume;
  return options.length === 0 ? `${volume}:ro` : `${volume},ro`;
}

import { DockerConfigError } from "./errors.js";

export interface VolumeMount {
  spec: string;
  /**
   * `bind`: an absolute host path; `named`: a Docker volume the researcher named
   * (kept after the run); `anonymous`: a container-only volume (removed with the container).
   */
  kind: "bind" | "named" | "anonymous";
  /** Host path or volume name; null for an anonymous volume. */
  source: string | null;
  target: string;
  readOnly: boolean;
}

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Parses "/abs/host:/in/container[:ro|:rw]", "name:/in/container[:ro]" or "/in/container". */
export function parseVolume(spec: string): VolumeMount {
  const parts = spec.split(":");
  let readOnly = false;
  const last = parts[parts.length - 1];
  if (parts.length > 1 && (last === "ro" || last === "rw")) {
    readOnly = last === "ro";
    parts.pop();
  }
  const usage = `write "/host/path:/container/path", optionally followed by ":ro"`;
  if (parts.length === 1) {
    const target = parts[0] ?? "";
    if (!target.startsWith("/")) throw new DockerConfigError(`volume "${spec}": the container path must be absolute; ${usage}`);
    return { spec, kind: "anonymous", source: null, target, readOnly };
  }
  if (parts.length !== 2) {
    throw new DockerConfigError(`volume "${spec}" has too many ":" (paths containing ":" are not supported); ${usage}`);
  }
  const [source = "", target = ""] = parts;
  if (!target.startsWith("/")) throw new DockerConfigError(`volume "${spec}": the container path must be absolute; ${usage}`);
  if (source.startsWith("/")) return { spec, kind: "bind", source, target, readOnly };
  if (!VOLUME_NAME.test(source)) {
    throw new DockerConfigError(`volume "${spec}": "${source}" is neither an absolute host path nor a volume name; ${usage}`);
  }
  return { spec, kind: "named", source, target, readOnly };
}

/** The `HostConfig.Binds` entry of a bind or named volume; anonymous volumes go to `Volumes` instead. */
export function bindEntry(mount: VolumeMount): string | null {
  if (mount.source === null) return null;
  return `${mount.source}:${mount.target}${mount.readOnly ? ":ro" : ""}`;
}

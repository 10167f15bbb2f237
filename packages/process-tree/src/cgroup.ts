/**
 * cgroup v2: one cgroup per run, `sim-<runId>`, created below the cgroup of the
 * process that creates it, with one child per node. A process cannot leave its
 * cgroup without write access to a cgroup above it (in practice: root acting on
 * purpose), so whatever a node does with sessions, process groups or its
 * environment, every descendant stays listed in its node's `cgroup.procs`, and
 * `cgroup.kill` ends them all at once.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signalProcess } from "./proc.js";

/** Mount point of the cgroup v2 hierarchy and the cgroup root it shows, or null. */
function cgroup2Mount(): { dir: string; root: string } | null {
  let text: string;
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    // "36 35 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw"
    const [left, right] = line.split(" - ");
    if (left === undefined || right === undefined || right.split(" ")[0] !== "cgroup2") continue;
    const fields = left.split(" ");
    if (fields[3] === undefined || fields[4] === undefined) continue;
    return { root: unescapeMountField(fields[3]), dir: unescapeMountField(fields[4]) };
  }
  return null;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The folder of this process's own cgroup v2, or null (no cgroup v2, or not visible here). */
export function ownCgroupDir(): string | null {
  const mount = cgroup2Mount();
  if (mount === null) return null;
  let own: string | undefined;
  try {
    own = readFileSync("/proc/self/cgroup", "utf8")
      .split("\n")
      .find((line) => line.startsWith("0::"))
      ?.slice(3);
  } catch {
    return null;
  }
  if (own === undefined || own.endsWith(" (deleted)")) return null;
  const root = mount.root === "/" ? "" : mount.root;
  if (root !== "" && own !== root && !own.startsWith(`${root}/`)) return null;
  return join(mount.dir, own.slice(root.length));
}

/** Folder name of a run's cgroup. */
export function runCgroupName(runId: string): string {
  return `sim-${runId}`;
}

/** Folder name of a node's cgroup inside its run's: only characters a file name can always hold. */
export function nodeCgroupName(name: string): string {
  return `node-${name.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}`;
}

/**
 * Creates (or reuses) the cgroup for node `name` of run `runId` below our own cgroup.
 * Null when that is not possible here: no cgroup v2, or no write access (not root
 * and no delegated subtree), or a read-only cgroup file system (most containers).
 */
export function createNodeCgroup(runId: string, name: string): string | null {
  const own = ownCgroupDir();
  if (own === null) return null;
  const dir = join(own, runCgroupName(runId), nodeCgroupName(name));
  // A concurrent stop may remove the (empty) run folder between the two mkdirs: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      mkdirSync(dir, { recursive: true });
      // Only a "domain" cgroup takes processes (a threaded subtree takes threads).
      if (readFileSync(join(dir, "cgroup.type"), "utf8").trim() === "domain") return dir;
      removeNodeCgroup(dir);
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || existsSync(dir)) return null;
    }
  }
  return null;
}

/** Every process in cgroup `dir` and the cgroups below it; [] once it is gone. */
export function cgroupProcesses(dir: string): number[] {
  const found: number[] = [];
  const visit = (d: string): void => {
    try {
      for (const line of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n")) if (line !== "") found.push(Number(line));
    } catch {
      return;
    }
    for (const child of subgroups(d)) visit(join(d, child));
  };
  visit(dir);
  return found;
}

function subgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Sends `signal` to every process of cgroup `dir` (and below); returns how many were signalled. */
export function signalCgroup(dir: string, signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of cgroupProcesses(dir)) if (signalProcess(pid, signal)) sent++;
  return sent;
}

/**
 * SIGKILL to every process of cgroup `dir` and below: `cgroup.kill` (Linux 5.14+)
 * does it atomically, so that a process forking meanwhile cannot slip through;
 * older kernels get a SIGKILL per listed process (call it again until empty).
 */
export function killCgroup(dir: string): void {
  try {
    writeFileSync(join(dir, "cgroup.kill"), "1");
    return;
  } catch {
    // No cgroup.kill: signal one by one.
  }
  signalCgroup(dir, "SIGKILL");
}

/**
 * Removes cgroup `dir` and the cgroups below it, once empty. True when it is gone;
 * false while a process is still in it.
 */
export function removeCgroup(dir: string): boolean {
  for (const child of subgroups(dir)) removeCgroup(join(dir, child));
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** Removes the cgroup of node `name` and, when it was the last one, its run's. */
export function removeNodeCgroup(dir: string): boolean {
  if (!removeCgroup(dir)) return false;
  // The run's folder goes with its last node (fails harmlessly while others remain).
  try {
    rmdirSync(join(dir, ".."));
  } catch {
    // Other nodes of the run are still there, or it is gone already.
  }
  return true;
}

/**
 * The cgroups of run `runId` anywhere in the cgroup v2 hierarchy (a run's cgroup sits
 * below the cgroup of the harness that started it, which a later `sim clean` does not
 * know). Our own cgroup is looked at first: the reaper, started by the harness, finds
 * it there at once; otherwise the whole hierarchy is searched.
 */
export function findRunCgroups(runId: string, where: "own" | "anywhere" = "anywhere"): string[] {
  const name = runCgroupName(runId);
  const own = ownCgroupDir();
  if (own !== null && existsSync(join(own, name))) return [join(own, name)];
  if (where === "own") return [];
  const mount = cgroup2Mount();
  if (mount === null) return [];
  const found: string[] = [];
  const visit = (dir: string, depth: number): void => {
    for (const child of subgroups(dir)) {
      if (child === name) found.push(join(dir, child));
      // Never below a run's own cgroup; systemd's hierarchy is rarely deeper than this.
      else if (depth < 12 && !child.startsWith("sim-")) visit(join(dir, child), depth + 1);
    }
  };
  visit(mount.dir, 0);
  return found;
}

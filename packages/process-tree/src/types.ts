/**
 * How the processes of one node are kept together so that all of them can be found
 * and stopped (see docs/reliability.md, "Nothing left behind"):
 *
 * - `cgroup`: a cgroup v2 per node (Linux, where a cgroup can be created: root, or a
 *   delegated subtree). Nothing the node starts can leave it unprivileged.
 * - `subreaper`: the node runs below `sim-supervise`, a child subreaper (Linux, any
 *   user, needs python3). Orphans come back to the supervisor instead of init.
 * - `group`: only the node's own process group, its descendants while they are
 *   attached, and processes marked with the run's environment (everywhere else).
 */
export type Containment = "cgroup" | "subreaper" | "group";

export interface TerminateResult {
  /** The strongest signal that had to be sent: none (already gone), SIGTERM or SIGKILL. */
  signal: "none" | "SIGTERM" | "SIGKILL";
  /** False if a process survived even SIGKILL (e.g. stuck in uninterruptible I/O). */
  gone: boolean;
}

/** How a program ended: an exit code, or the signal that killed it. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

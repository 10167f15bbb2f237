/**
 * The contract between the harness and the packages that start external nodes
 * (process, Docker, Renode). The harness finds a launcher by node `type`: a new
 * launched node type is its row in `@sim/config`'s table of node kinds and one
 * package implementing `NodeLauncher`, registered in the harness's default launchers
 * (or passed to it in `launchers`).
 */
import type { Problem, ResolvedNode, ResolvedScenario } from "@sim/config";
import type { Logger } from "pino";
import type { ExternalNode } from "./types.js";

/**
 * The run's resource registry. The harness implements it (a file on disk plus the
 * reaper that cleans up after a SIGKILL); a launcher records every resource the
 * moment it exists and forgets it once it is really gone.
 */
export interface RunResources {
  readonly runId: string;
  /**
   * `workDir`: a temporary folder the launcher made for this process (sockets, pid
   * files), removed with it when the reaper or `sim clean` has to end the process.
   */
  addProcess(entry: { node: string; pid: number; pgid: number; workDir?: string }): void;
  removeProcess(pid: number): void;
  addContainer(entry: { node: string; id: string; dockerHost: string | null }): void;
  removeContainer(id: string): void;
  addNetwork(entry: { name: string; id: string; dockerHost: string | null }): void;
  removeNetwork(id: string): void;
}

export interface LaunchContext {
  readonly runId: string;
  readonly scenario: ResolvedScenario;
  /** Folder for `<node>.log` files; null: logs go only to `logger`. */
  readonly logDir: string | null;
  readonly resources: RunResources;
  readonly logger: Logger;
  /** Aborted when the run is interrupted; a launch in progress should give up. */
  readonly signal?: AbortSignal;
}

/**
 * A started external resource. `stop()` is the one way to end it (the lockstep
 * participant, `external`, has none): polite request, grace, then force; idempotent,
 * and returns when the resource is really gone.
 */
export interface StartedNode extends AsyncDisposable {
  readonly id: string;
  /** The lockstep participant, or null for a resource that only lives for the run (a service container). */
  readonly external: ExternalNode | null;
  stop(): Promise<void>;
}

export interface NodeLauncher<N extends ResolvedNode = ResolvedNode> {
  readonly type: N["type"];
  /** Checks that need I/O (files, executables, engines, images). Starts nothing. */
  check(nodes: N[], scenario: ResolvedScenario): Promise<Problem[]>;
  /** What the node would start, for `sim run --dry-run`. No I/O. */
  describe(node: N): Record<string, unknown>;
  /** Run-wide preparation before any node of this type starts (build images, create networks). */
  prepare?(nodes: N[], ctx: LaunchContext): Promise<void>;
  launch(node: N, ctx: LaunchContext): Promise<StartedNode>;
  /** Run-wide cleanup after every node of this type was stopped (remove networks). Idempotent. */
  cleanup?(ctx: LaunchContext): Promise<void>;
}

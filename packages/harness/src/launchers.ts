import type { NodeType, ResolvedNode } from "@sim/config";
import type { NodeLauncher } from "@sim/coordinator";
import { createDockerLauncher } from "@sim/launcher-docker";
import { createProcessLauncher } from "@sim/launcher-process";
import { createRenodeLauncher } from "@sim/launcher-renode";
import { BUILTIN_NODE_TYPES } from "@sim/nodes";

/** Any launcher, whatever node type it handles. */
// `any`: each launcher narrows its own node type; the registry matches them by `type`.
export type AnyNodeLauncher = NodeLauncher<any>;

export interface DefaultLaunchersOptions {
  /**
   * The environment the CLI was started with: what process and Renode nodes inherit
   * (and where `renode` is looked up), and `DOCKER_HOST` for the default engine.
   * Default: the current process's, read by each launcher when it needs it.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The launchers sim ships, one per external node type, fresh for one run. */
export function defaultLaunchers(options: DefaultLaunchersOptions = {}): AnyNodeLauncher[] {
  const env = options.env;
  return [
    createProcessLauncher(env ? { inheritedEnv: env } : {}),
    createDockerLauncher({ defaultHost: env?.DOCKER_HOST ?? null }),
    createRenodeLauncher(env ? { env: { ...env } } : {}),
  ];
}

/**
 * Launchers keyed by node type: a new external node type is one package that
 * implements NodeLauncher, passed in `launchers`, not an edit of the harness.
 */
export class LauncherRegistry {
  private readonly byType = new Map<string, AnyNodeLauncher>();

  constructor(launchers: readonly AnyNodeLauncher[]) {
    for (const launcher of launchers) this.byType.set(launcher.type, launcher);
  }

  /** The launcher for an external node type, or undefined (built-in types have none). */
  get(type: string): AnyNodeLauncher | undefined {
    return this.byType.get(type);
  }

  /** Whether the node runs inside the coordinator's process. */
  static isBuiltin(node: ResolvedNode): boolean {
    return (BUILTIN_NODE_TYPES as readonly NodeType[]).includes(node.type);
  }

  /** The scenario's external nodes grouped by type, in scenario order. */
  static externalByType(nodes: readonly ResolvedNode[]): Map<string, ResolvedNode[]> {
    const groups = new Map<string, ResolvedNode[]>();
    for (const node of nodes) {
      if (LauncherRegistry.isBuiltin(node)) continue;
      const list = groups.get(node.type) ?? [];
      list.push(node);
      groups.set(node.type, list);
    }
    return groups;
  }
}

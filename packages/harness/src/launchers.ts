import type { NodeType, ResolvedNode } from "@sim/config";
import type { NodeLauncher } from "@sim/coordinator";
import { dockerLauncher } from "@sim/launcher-docker";
import { processLauncher } from "@sim/launcher-process";
import { renodeLauncher } from "@sim/launcher-renode";
import { BUILTIN_NODE_TYPES } from "@sim/nodes";

/** Any launcher, whatever node type it handles. */
// `any`: each launcher narrows its own node type; the registry matches them by `type`.
export type AnyNodeLauncher = NodeLauncher<any>;

/** The launchers sim ships: one per external node type. */
export function defaultLaunchers(): AnyNodeLauncher[] {
  return [processLauncher, dockerLauncher, renodeLauncher];
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

import { EXTERNAL_NODE_TYPES, isInProcessNode, type LaunchedNodeType, type ResolvedNode, type ResolvedNodeOf } from "@sim/config";
import type { NodeLauncher } from "@sim/coordinator";

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

type Env = DefaultLaunchersOptions["env"];

/**
 * The launcher sim ships for each type the table of node kinds (`@sim/config`) has a
 * launcher start: typed over those types, so that a launched row without its launcher
 * here does not compile. Each launcher's package is imported when a node of its type
 * is first checked, so that a run (and `sim validate`) pays only for the node types
 * its scenario has: dockerode and its 200 modules are not loaded for a scenario
 * without Docker nodes.
 */
const LAUNCHERS: { readonly [T in LaunchedNodeType]: (env: Env) => Promise<NodeLauncher<ResolvedNodeOf<T>>> } = {
  process: async (env) => (await import("@sim/launcher-process")).createProcessLauncher(env ? { inheritedEnv: env } : {}),
  docker: async (env) => (await import("@sim/launcher-docker")).createDockerLauncher({ defaultHost: env?.DOCKER_HOST ?? null }),
  qemu: async (env) => (await import("@sim/launcher-qemu")).createQemuLauncher(env ? { env: { ...env } } : {}),
  renode: async (env) => (await import("@sim/launcher-renode")).createRenodeLauncher(env ? { env: { ...env } } : {}),
};

/** The launchers sim ships, one per launched node type, fresh for one run. */
export function defaultLaunchers(options: DefaultLaunchersOptions = {}): AnyNodeLauncher[] {
  return EXTERNAL_NODE_TYPES.map((type) => lazyLauncher(type, () => LAUNCHERS[type](options.env)));
}

/**
 * A launcher of `type` whose implementation is created by `load` on first use.
 * `check` (always the first call for a node type: validation runs before a dry run's
 * `describe` and before any launch) loads it; `describe` needs it loaded already.
 */
export function lazyLauncher(type: string, load: () => Promise<AnyNodeLauncher>): AnyNodeLauncher {
  let loaded: AnyNodeLauncher | null = null;
  let loading: Promise<AnyNodeLauncher> | null = null;
  const get = async (): Promise<AnyNodeLauncher> => (loaded ??= await (loading ??= load()));
  return {
    type,
    check: async (nodes, scenario) => (await get()).check(nodes, scenario),
    describe: (node) => {
      if (loaded === null) throw new Error(`the ${type} launcher was asked to describe a node before check() loaded it`);
      return loaded.describe(node);
    },
    prepare: async (nodes, ctx) => (await get()).prepare?.(nodes, ctx),
    launch: async (node, ctx) => (await get()).launch(node, ctx),
    // Never loaded: nothing of this type was started, so there is nothing to clean up.
    cleanup: async (ctx) => loaded?.cleanup?.(ctx),
  };
}

/**
 * Launchers keyed by node type. A new launched node type is its row in the table of
 * node kinds (`@sim/config`) and one package implementing NodeLauncher, registered in
 * LAUNCHERS above (a launched row without it does not compile) or passed in `launchers`.
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

  /** Whether the node runs inside the coordinator's process (built by `@sim/nodes`, no launcher). */
  static isBuiltin(node: ResolvedNode): boolean {
    return isInProcessNode(node);
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

import type { Problem, ResolvedRenodeNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext, NodeLauncher, StartedNode } from "@sim/coordinator";
import { checkRenodeNodes, findRenodeExecutable, renodeQuantumUs } from "./check.js";
import { RenodeNotFoundError } from "./errors.js";
import { RenodeNode } from "./renode-node.js";

export interface RenodeLauncherOptions {
  /**
   * Environment of the Renode processes, also searched for `renode` on its PATH.
   * Default: the environment of the calling process, read when a node is checked or launched.
   */
  env?: Record<string, string | undefined>;
}

/** A `NodeLauncher` for `type: renode` nodes. */
export function createRenodeLauncher(options: RenodeLauncherOptions = {}): NodeLauncher<ResolvedRenodeNode> {
  const env = () => options.env ?? process.env;
  return {
    type: "renode",

    check(nodes: ResolvedRenodeNode[], scenario: ResolvedScenario): Promise<Problem[]> {
      return checkRenodeNodes(nodes, scenario, env());
    },

    describe(node: ResolvedRenodeNode): Record<string, unknown> {
      return {
        type: "renode",
        executable: node.renode.path ?? "renode (from the PATH)",
        args: ["--disable-xwt", "--plain", "--port", "<free port>", "--pid-file", "<run dir>/renode.pid", "--config", "<run dir>/renode.cfg", ...node.renode.args],
        platform: node.platform,
        firmware: node.firmware,
        uart: node.uart,
        target: node.target,
        quantum_us: node.renode.quantum_us,
      };
    },

    async launch(node: ResolvedRenodeNode, ctx: LaunchContext): Promise<StartedNode> {
      const found = await findRenodeExecutable(node, ctx.scenario, env());
      if ("problem" in found) throw new RenodeNotFoundError(`renode node "${node.id}": ${found.problem}; ${found.hint}`);
      return RenodeNode.launch(node, ctx, {
        executable: found.path,
        quantumUs: renodeQuantumUs(node, ctx.scenario),
        env: env(),
      });
    },
  };
}

/** The Renode launcher, using the calling process's environment. */
export const renodeLauncher: NodeLauncher<ResolvedRenodeNode> = createRenodeLauncher();

import type { Problem, ResolvedQemuNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext, NodeLauncher, StartedNode } from "@sim/coordinator";
import { checkQemuNodes } from "./check.js";
import { DEFAULT_RX_INTERVAL_NS, qemuArgs } from "./command-line.js";
import { QemuNode } from "./qemu-node.js";

export interface QemuLauncherOptions {
  /**
   * Environment of the QEMU processes, also searched for `qemu-system-arm` on its PATH
   * and for gcc when the plugin is built. Default: the calling process's, read when a
   * node is checked or launched.
   */
  env?: Record<string, string | undefined>;
  /** The emulator: a command name on the PATH or a path (default `qemu-system-arm`). */
  qemu?: string;
  /** The compiled `sim-qemu-step` plugin (default: built with gcc on first use). */
  plugin?: string;
}

/** A `NodeLauncher` for `type: qemu` nodes. */
export function createQemuLauncher(options: QemuLauncherOptions = {}): NodeLauncher<ResolvedQemuNode> {
  const env = () => options.env ?? process.env;
  const qemu = options.qemu ?? "qemu-system-arm";
  return {
    type: "qemu",

    check(nodes: ResolvedQemuNode[], scenario: ResolvedScenario): Promise<Problem[]> {
      return checkQemuNodes(nodes, scenario, { qemu, plugin: options.plugin, env: env() });
    },

    describe(node: ResolvedQemuNode): Record<string, unknown> {
      return {
        type: "qemu",
        executable: qemu.includes("/") ? qemu : `${qemu} (from the PATH)`,
        args: qemuArgs({
          machine: node.machine,
          firmware: node.firmware,
          icountShift: node.icount_shift,
          serial: node.serial,
          plugin: options.plugin ?? "<cache>/sim-qemu-step-<hash>.so",
          socketPath: "<run dir>/ctl.sock",
          txPath: "<run dir>/uart.tx",
          rxIntervalNs: DEFAULT_RX_INTERVAL_NS,
        }),
        machine: node.machine,
        firmware: node.firmware,
        serial: node.serial,
        target: node.target,
        icount_shift: node.icount_shift,
        quantum_us: node.quantum_us,
      };
    },

    async launch(node: ResolvedQemuNode, ctx: LaunchContext): Promise<StartedNode> {
      return QemuNode.launch(node, ctx, { qemu, plugin: options.plugin, env: env() });
    },
  };
}

/** The QEMU launcher, using the calling process's environment. */
export const qemuLauncher: NodeLauncher<ResolvedQemuNode> = createQemuLauncher();

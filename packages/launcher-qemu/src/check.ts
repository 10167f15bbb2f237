/**
 * The validation-time checks of `type: qemu` nodes (`NodeLauncher.check`): the
 * firmware is an Arm ELF, `qemu-system-arm` is there and can be stepped (the plugin
 * builds and finds every symbol it needs), and it knows the machine. Starts no machine.
 */
import { open } from "node:fs/promises";
import { didYouMean, type Problem, type ResolvedQemuNode, type ResolvedScenario } from "@sim/config";
import { QemuBuildError } from "./errors.js";
import { listMachines } from "./machines.js";
import { probeQemu } from "./probe.js";

export interface QemuCheckOptions {
  /** The emulator: a command name on the PATH or a path. */
  qemu: string;
  /** The compiled plugin; default: built with gcc on first use. */
  plugin?: string;
  env: Record<string, string | undefined>;
}

const ELF_MAGIC = 0x7f454c46;
/** e_machine of 32-bit Arm. */
const EM_ARM = 40;
const INSTALL_HINT = "on Debian: apt-get install qemu-system-arm (and gcc, which builds the stepping plugin)";

/** Every problem of the scenario's QEMU nodes, each reported once per group. */
export async function checkQemuNodes(nodes: readonly ResolvedQemuNode[], scenario: ResolvedScenario, options: QemuCheckOptions): Promise<Problem[]> {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const add = (node: ResolvedQemuNode, key: string, code: string, message: string, hint?: string) => {
    const path = ["nodes", node.group, key];
    // Members of a `count` group share their settings: report each problem once.
    const id = JSON.stringify([path, code]);
    if (seen.has(id)) return;
    seen.add(id);
    problems.push({ severity: "error", code, file: scenario.source, line: null, column: null, path, message, ...(hint === undefined ? {} : { hint }) });
  };
  for (const node of nodes) {
    const firmware = await firmwareProblem(node.firmware);
    if (firmware !== null) add(node, "firmware", firmware.code, `nodes.${node.group}.firmware: ${node.firmware} ${firmware.message}`, firmware.hint);
  }
  const first = nodes[0];
  if (first === undefined) return problems;
  const runtime = await runtimeProblem(options);
  if (runtime !== null) {
    // Where the scenario asks for QEMU: the `type` of its first QEMU node.
    add(first, "type", runtime.code, `nodes.${first.group}: ${runtime.message}`, runtime.hint);
    return problems;
  }
  const machines = await listMachines(options.qemu, options.env);
  for (const node of nodes) {
    if (machines === null || machines.has(node.machine)) continue;
    add(
      node,
      "machine",
      "qemu-unknown-machine",
      `nodes.${node.group}.machine: ${options.qemu} has no machine ${JSON.stringify(node.machine)}`,
      didYouMean(node.machine, [...machines]) ?? `\`${options.qemu} -M help\` lists the machines; sim steps single-core Cortex-M ones such as netduinoplus2 or mps2-an385`,
    );
  }
  return problems;
}

/** Why QEMU cannot be stepped here, or null when it can. */
async function runtimeProblem(options: QemuCheckOptions): Promise<{ code: string; message: string; hint: string } | null> {
  let probe;
  try {
    probe = await probeQemu({ qemu: options.qemu, plugin: options.plugin, env: options.env });
  } catch (error) {
    if (!(error instanceof QemuBuildError)) throw error;
    return { code: "qemu-plugin-build", message: error.message, hint: "the stepping plugin is built with the host's gcc on first use (on Debian: apt-get install gcc)" };
  }
  if (probe.ok) return null;
  switch (probe.reason) {
    case "not-found":
      return { code: "qemu-not-found", message: `the QEMU executable \`${options.qemu}\` was not found`, hint: INSTALL_HINT };
    case "missing-symbols":
      return {
        code: "qemu-plugin-unsupported",
        message: `${options.qemu} cannot be stepped: it does not export ${probe.missing.join(", ")}`,
        hint: "QEMU 7.2 or later built with plugin support and its internal symbols exported, as Debian's qemu-system-arm is (docs/qemu.md)",
      };
    case "no-plugin-support":
      return { code: "qemu-plugin-unsupported", message: `${options.qemu} cannot load the stepping plugin: ${probe.message}`, hint: "QEMU 7.2 or later built with plugin support, as Debian's qemu-system-arm is (docs/qemu.md)" };
  }
}

async function firmwareProblem(path: string): Promise<{ code: string; message: string; hint: string } | null> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return null; // missing or unreadable: checkScenarioFiles reports it, with its position
  }
  try {
    const head = Buffer.alloc(20);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < 20 || head.readUInt32BE(0) !== ELF_MAGIC) {
      return { code: "not-an-elf", message: "is not an ELF file", hint: "QEMU's -kernel needs the linked .elf, not a .bin or .hex" };
    }
    // e_ident[EI_DATA] 1: little-endian, as every Cortex-M firmware.
    const machine = head[5] === 1 ? head.readUInt16LE(18) : head.readUInt16BE(18);
    if (machine !== EM_ARM) return { code: "not-an-arm-elf", message: `is an ELF for machine ${machine}, not for Arm (${EM_ARM})`, hint: "build it for the machine's core, e.g. with arm-none-eabi-gcc -mcpu=cortex-m4" };
    return null;
  } catch {
    return null; // a directory (EISDIR on read): checkScenarioFiles reports it
  } finally {
    await handle.close();
  }
}

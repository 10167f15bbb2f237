import { constants } from "node:fs";
import { access, open, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { Problem, ResolvedRenodeNode, ResolvedScenario } from "@sim/config";
import { monitorPathProblem } from "./monitor-parser.js";

/** Renode's own quantum when `renode.quantum_us` is not set (capped at the scenario's quantum). */
export const DEFAULT_RENODE_QUANTUM_US = 100;

/** Flags the launcher sets itself; setting them again in `renode.args` would break the run. */
const RESERVED_FLAGS = ["--port", "-P", "--pid-file", "--config", "--console", "--hide-monitor", "-e", "--execute"];

/** Renode's own quantum for a node: `renode.quantum_us`, else 100 µs, never above the scenario's quantum. */
export function renodeQuantumUs(node: ResolvedRenodeNode, scenario: ResolvedScenario): number {
  return node.renode.quantum_us ?? Math.min(DEFAULT_RENODE_QUANTUM_US, scenario.time_quantum_us);
}

export type ExecutableLookup = { path: string } | { problem: string; hint: string };

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the Renode executable: `renode.path` (relative to the scenario's folder
 * when it has a `/`, looked up on the PATH when it is a bare name), else
 * `renode` on the PATH.
 */
export async function findRenodeExecutable(
  node: ResolvedRenodeNode,
  scenario: ResolvedScenario,
  env: Record<string, string | undefined>,
): Promise<ExecutableLookup> {
  const configured = node.renode.path;
  const install = "install Renode 1.16.1 (the `renode` command) or set `renode.path` on the node";
  if (configured !== null && configured.includes("/")) {
    const path = isAbsolute(configured) ? configured : resolve(scenario.base_dir, configured);
    if (await isExecutableFile(path)) return { path };
    return { problem: `renode.path ${path} is not an executable file`, hint: `check the path, or ${install}` };
  }
  const name = configured ?? "renode";
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return { path: candidate };
  }
  return { problem: `the Renode executable \`${name}\` was not found on the PATH`, hint: install };
}

interface FileProblem {
  /** `missing-file` / `not-a-file` are the codes @sim/config's checkScenarioFiles uses for the same finding. */
  code: "missing-file" | "not-a-file" | "unreadable-file" | "not-an-elf" | "unsupported-path";
  message: string;
  hint: string;
}

async function fileProblem(path: string, what: string, kind: "platform" | "firmware"): Promise<FileProblem | null> {
  const monitorProblem = monitorPathProblem(path);
  if (monitorProblem !== null) return { code: "unsupported-path", message: `${what} ${path} ${monitorProblem}`, hint: "rename or move the file" };
  let handle;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { code: "not-a-file", message: `${what} ${path} is not a file`, hint: "point it at a file" };
    handle = await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return { code: "missing-file", message: `${what} ${path} does not exist`, hint: "paths are relative to the folder of the scenario file" };
    }
    return { code: "unreadable-file", message: `${what} ${path} cannot be read (${code ?? String(error)})`, hint: "check its permissions" };
  }
  try {
    if (kind === "firmware") {
      const head = Buffer.alloc(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      if (bytesRead < 4 || head.readUInt32BE(0) !== 0x7f454c46) {
        return { code: "not-an-elf", message: `${what} ${path} is not an ELF file`, hint: "Renode's `sysbus LoadELF` needs the linked .elf, not a .bin or .hex" };
      }
    }
    return null;
  } finally {
    await handle.close();
  }
}

/** The I/O checks of `NodeLauncher.check`: files, the executable, settings the schema cannot judge. */
export async function checkRenodeNodes(
  nodes: readonly ResolvedRenodeNode[],
  scenario: ResolvedScenario,
  env: Record<string, string | undefined>,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const add = (node: ResolvedRenodeNode, key: (string | number)[], code: string, message: string, hint?: string) => {
    const path = ["nodes", node.group, ...key];
    // Members of a `count` group share their settings: report each problem once.
    const id = JSON.stringify([path, code, message]);
    if (seen.has(id)) return;
    seen.add(id);
    problems.push({ severity: "error", code, file: scenario.source, line: null, column: null, path, message, ...(hint === undefined ? {} : { hint }) });
  };
  const executables = new Map<string, Promise<ExecutableLookup>>();
  for (const node of nodes) {
    const where = `node ${node.group}`;
    const platform = await fileProblem(node.platform, `${where}: platform`, "platform");
    if (platform) add(node, ["platform"], platform.code, platform.message, platform.hint);
    const firmware = await fileProblem(node.firmware, `${where}: firmware`, "firmware");
    if (firmware) add(node, ["firmware"], firmware.code, firmware.message, firmware.hint);

    if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(node.uart)) {
      add(node, ["uart"], "renode-uart", `${where}: uart ${JSON.stringify(node.uart)} is not a peripheral name`, "use the name Renode shows, e.g. sysbus.usart2");
    }
    const quantum = renodeQuantumUs(node, scenario);
    if (!Number.isSafeInteger(quantum) || quantum <= 0) {
      add(node, ["renode", "quantum_us"], "renode-quantum", `${where}: renode.quantum_us must be a positive integer, got ${quantum}`);
    } else if (quantum > scenario.time_quantum_us) {
      add(
        node,
        ["renode", "quantum_us"],
        "renode-quantum",
        `${where}: renode.quantum_us ${quantum} is larger than time_quantum_us ${scenario.time_quantum_us}`,
        "Renode's own quantum must not exceed the scenario's: lower renode.quantum_us or raise time_quantum_us",
      );
    }
    for (const arg of node.renode.args) {
      const flag = arg.split("=")[0] ?? arg;
      if (RESERVED_FLAGS.includes(flag)) {
        add(node, ["renode", "args"], "renode-args", `${where}: renode.args must not contain ${flag}: the launcher sets it`, "remove it from renode.args");
      }
    }
    const key = node.renode.path ?? "";
    let lookup = executables.get(key);
    if (lookup === undefined) {
      lookup = findRenodeExecutable(node, scenario, env);
      executables.set(key, lookup);
    }
    const found = await lookup;
    if ("problem" in found) add(node, node.renode.path === null ? [] : ["renode", "path"], "renode-executable", `${where}: ${found.problem}`, found.hint);
  }
  return problems;
}

import { execa } from "execa";

/** How long `qemu-system-arm -M help` may take (it starts no machine). */
const LIST_TIMEOUT_MS = 20_000;

/**
 * The machine names this QEMU knows (`-M help`), or null when it cannot be asked
 * (not found, or it failed: the probe reports why).
 */
export async function listMachines(qemu: string, env?: Record<string, string | undefined>): Promise<Set<string> | null> {
  const options = env === undefined ? {} : { env, extendEnv: false };
  const result = await execa(qemu, ["-M", "help"], { ...options, reject: false, timeout: LIST_TIMEOUT_MS });
  if (result.exitCode !== 0) return null;
  // "Supported machines are:", then one machine a line: its name, spaces, a description.
  const names = String(result.stdout)
    .split("\n")
    .slice(1)
    .map((line) => /^(\S+)\s/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  return new Set(names);
}

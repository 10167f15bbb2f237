import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * "0" in a member's environment: encode its trace on the engine's thread. The local
 * executor sets it when members run side by side, where a thread per member only adds
 * the cost of handing batches over (the cores are busy with other members anyway).
 */
export const MEMBER_TRACE_THREAD_ENV = "SIM_SWEEP_TRACE_THREAD";

/**
 * How to start a member process: the compiled entry point next to this module once
 * built, or the TypeScript source through tsx when running from source (tests, dev).
 * Both executors use it, so a member runs the same way locally and on Slurm.
 */
export function memberCommand(): { node: string; args: string[]; cwd: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    // tsx is resolved from the cwd: the source folder sits inside the repository.
    return { node: process.execPath, args: ["--conditions=@sim/source", "--import", "tsx", join(dirname(here), "member-main.ts")], cwd: dirname(here) };
  }
  return { node: process.execPath, args: [join(dirname(here), "member-main.js")], cwd: dirname(here) };
}

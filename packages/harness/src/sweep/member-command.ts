import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

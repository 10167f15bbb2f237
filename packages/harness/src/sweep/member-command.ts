import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { STORE_FILES } from "./store.js";

/**
 * "0" in a member's environment: encode its trace on the engine's thread. Set for
 * crowded members (see `membersCrowdCores`), where a thread per member only adds the
 * cost of handing batches over: the cores are busy with other members anyway.
 */
export const MEMBER_TRACE_THREAD_ENV = "SIM_SWEEP_TRACE_THREAD";

/**
 * Whether members running side by side keep every core busy by themselves. A member
 * alone uses up to two cores (the engine, and its trace worker thread, V8's compiler
 * and GC threads); crowded members are better off without those helpers, each on one
 * core: less CPU per member for the same result, so more members per second.
 */
export function membersCrowdCores(jobs: number, cores: number = availableParallelism()): boolean {
  return jobs * 2 > cores;
}

/** How to start a member process: program, arguments, folder and the environment it adds. */
export interface MemberCommand {
  node: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * The compiled entry point next to this module once built, or the TypeScript source
 * through tsx when running from source (tests, dev). Both executors use it, so a
 * member runs the same way locally and on Slurm.
 *
 * Every member is a fresh Node process that loads the same ~300 modules, so members
 * share V8's code cache in the store (NODE_COMPILE_CACHE, Node 22.1 and later; Node
 * 20 ignores it): a member then starts about 0.3 s sooner. A cache the caller set
 * already is kept.
 */
export function memberCommand(store: string, options: { crowded: boolean; env?: Readonly<Record<string, string | undefined>> }): MemberCommand {
  const here = fileURLToPath(import.meta.url);
  const env: Record<string, string> = {};
  if (!(options.env ?? process.env).NODE_COMPILE_CACHE) env.NODE_COMPILE_CACHE = join(store, STORE_FILES.compileCache);
  // --single-threaded: no V8 compiler or GC threads beside the member's main thread.
  const v8 = options.crowded ? ["--single-threaded"] : [];
  if (options.crowded) env[MEMBER_TRACE_THREAD_ENV] = "0";
  if (here.endsWith(".ts")) {
    // tsx is resolved from the cwd: the source folder sits inside the repository.
    return { node: process.execPath, args: [...v8, "--conditions=@sim/source", "--import", "tsx", join(dirname(here), "member-main.ts")], cwd: dirname(here), env };
  }
  return { node: process.execPath, args: [...v8, join(dirname(here), "member-main.js")], cwd: dirname(here), env };
}

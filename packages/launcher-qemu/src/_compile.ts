import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { QemuBuildError } from "./errors.js";

export interface CompileRequest {
  target: "plugin" | "firmware";
  /** The compiler: a command name on the PATH, or a path. */
  cc: string;
  /** Source files, hashed with the flags and the compiler's version into the output's name. */
  inputs: readonly string[];
  /** Arguments before `-o <out>`; the inputs that are compiled must be among them. */
  args: readonly string[];
  outDir: string;
  /** Output name: `<stem>-<hash>.<ext>`. */
  stem: string;
  ext: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface CompileResult {
  path: string;
  /** False when a file with the same hash was already there. */
  built: boolean;
  /** Wall time spent, ms (hashing and, when built, compiling). */
  ms: number;
}

/**
 * Compiles into `outDir` under a name derived from everything that goes in, so
 * that concurrent builds (two test files) and stale outputs are harmless: a
 * finished file is renamed into place atomically and never changed afterwards.
 */
export async function compileCached(req: CompileRequest): Promise<CompileResult> {
  const started = performance.now();
  const env = req.env === undefined ? {} : { env: { ...req.env }, extendEnv: false };
  let version: string;
  try {
    version = (await execa(req.cc, ["-dumpfullversion", "-dumpmachine"], { ...env })).stdout;
  } catch (error) {
    throw new QemuBuildError(
      req.target,
      `cannot run the C compiler \`${req.cc}\` to build the ${req.target}: ${(error as Error).message.split("\n")[0]} (on Debian: apt-get install ${req.target === "plugin" ? "gcc" : "gcc-arm-none-eabi"})`,
      "",
      { cause: error },
    );
  }
  const hash = createHash("sha256").update(version).update("\0").update(JSON.stringify(req.args)).update("\0");
  for (const input of req.inputs) hash.update(await readFile(input)).update("\0");
  const out = join(req.outDir, `${req.stem}-${hash.digest("hex").slice(0, 16)}.${req.ext}`);
  if (await isFile(out)) return { path: out, built: false, ms: performance.now() - started };
  await mkdir(req.outDir, { recursive: true });
  const tmp = `${out}.tmp-${randomBytes(4).toString("hex")}`;
  const result = await execa(req.cc, [...req.args, "-o", tmp], { ...env, reject: false, all: true });
  if (result.exitCode !== 0 || result.failed) {
    await rm(tmp, { force: true });
    const output = String(result.all ?? "");
    throw new QemuBuildError(req.target, `building the ${req.target} with ${req.cc} failed: ${output.trim().split("\n").slice(0, 5).join(" / ") || result.shortMessage}`, output);
  }
  await rename(tmp, out);
  return { path: out, built: true, ms: performance.now() - started };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The output folder is checked before anything starts: a folder that cannot be
 * created or written, or that already holds a run, is invalid input (exit 2), not
 * a failure found after the nodes ran. Creation goes one level at a time, so that a
 * path under a virtual filesystem fails at once instead of looping.
 */
import { constants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { SimError } from "@sim/config";

/** The output folder cannot be used. Invalid input: exit 2. Code `SIM_OUTPUT_DIR`. */
export class OutputDirError extends SimError {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super("SIM_OUTPUT_DIR", `cannot write the outputs to ${dir}: ${reason}`);
  }
}

/** Filesystems that hold no user files: a folder there can never be an output folder. */
const VIRTUAL_ROOTS = ["/proc", "/sys", "/dev"];

export interface OutputDirCheck {
  /** A folder that already holds this file holds a run: refuse unless `force`. */
  marker?: string;
  force?: boolean;
  /** How to allow overwriting, for the message (e.g. "pass --force"). */
  forceHint?: string;
}

/** Checks without writing anything (a dry run). */
export async function checkOutputDir(dir: string, check: OutputDirCheck = {}): Promise<void> {
  const absolute = resolve(dir);
  if (VIRTUAL_ROOTS.some((root) => absolute === root || absolute.startsWith(root + sep))) {
    throw new OutputDirError(absolute, `it is on a virtual filesystem (${absolute.split(sep).slice(0, 2).join(sep)}), not a place for files`);
  }
  // The nearest part of the path that exists must be a folder we may write in.
  let existing = absolute;
  for (;;) {
    // ENOTDIR: a part above is a file; going up finds it and says so.
    const info = await stat(existing).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" || error.code === "ENOTDIR" ? null : error));
    if (info instanceof Error) {
      throw new OutputDirError(absolute, info.code === "EACCES" ? `${existing} is not accessible (permission denied)` : info.message);
    }
    if (info !== null) {
      if (!info.isDirectory()) throw new OutputDirError(absolute, existing === absolute ? "it is a file, not a folder" : `${existing} is a file, not a folder`);
      break;
    }
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new OutputDirError(absolute, `${existing} is not writable (permission denied)`);
  }
  if (check.marker && existing === absolute && !check.force) {
    const marker = join(absolute, check.marker);
    if (await stat(marker).then(() => true, () => false)) {
      throw new OutputDirError(absolute, `it already holds a run (${check.marker}); ${check.forceHint ?? "choose another folder"}`);
    }
  }
}

/** Checks, then creates the folder (and its missing parents, one level at a time). */
export async function prepareOutputDir(dir: string, check: OutputDirCheck = {}): Promise<string> {
  const absolute = resolve(dir);
  await checkOutputDir(absolute, check);
  const missing: string[] = [];
  for (let d = absolute; ; d = dirname(d)) {
    if (await stat(d).then(() => true, () => false)) break;
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new OutputDirError(absolute, `cannot create ${d}: ${(error as Error).message}`);
    }
  }
  return absolute;
}

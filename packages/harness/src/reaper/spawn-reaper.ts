/**
 * Starts the run's reaper: a small detached Node process that holds the read end of
 * a pipe whose write end only the harness has. When the harness disappears (even by
 * SIGKILL) the kernel closes the pipe, the reaper reads EOF and cleans up the run.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Socket } from "node:net";

/** How long `release()` waits for the reaper to exit after being told to. */
const RELEASE_WAIT_MS = 5_000;

export interface ReaperHandle {
  readonly pid: number;
  /** The run ended cleanly: the reaper exits without doing anything. Resolves when it has exited. */
  release(): Promise<void>;
  /** Hand over: the reaper cleans up what the registry still lists, as if the harness had died. */
  handOver(): void;
}

export interface StartReaperOptions {
  registryFile: string;
  harnessPid: number;
  harnessStartTime: number | null;
  /** Environment for the reaper (default: PATH and HOME only). */
  env?: Record<string, string>;
  onError?: (err: Error) => void;
}

/**
 * The command that runs the reaper: the compiled script next to this module once
 * built, or the TypeScript source through tsx when running from source (tests, dev).
 */
export function reaperCommand(): { args: string[]; cwd: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    // tsx is resolved from the cwd: the source folder sits inside the repository.
    return { args: ["--conditions=@sim/source", "--import", "tsx", join(dirname(here), "reaper-main.ts")], cwd: dirname(here) };
  }
  return { args: [join(dirname(here), "reaper-main.js")], cwd: "/" };
}

export function startReaper(options: StartReaperOptions): ReaperHandle {
  const { args, cwd } = reaperCommand();
  const child = spawn(
    process.execPath,
    [...args, options.registryFile, String(options.harnessPid), String(options.harnessStartTime ?? "")],
    {
      cwd,
      env: options.env ?? {},
      // Own process group and session: a Ctrl-C aimed at the harness must not reach it.
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    },
  );
  child.on("error", (err) => options.onError?.(err));
  // Neither the reaper nor its pipe may keep the harness alive.
  child.unref();
  (child.stdin as unknown as Socket).unref();
  child.stdin!.on("error", () => {});
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  let released = false;
  return {
    pid: child.pid ?? -1,
    async release() {
      if (!released) {
        released = true;
        child.stdin!.end("exit\n");
      }
      // A ref'd timer keeps the harness alive until the reaper has gone (or the bound passed).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, RELEASE_WAIT_MS)))]);
      clearTimeout(timer);
    },
    handOver() {
      if (released) return;
      released = true;
      child.stdin!.end();
    },
  };
}

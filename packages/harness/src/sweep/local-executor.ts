/**
 * Runs members on this machine, `jobs` at a time, each in its own child process
 * and process group (a member's nodes, containers and reaper are its own, so
 * concurrent members never share a run id, a network or a registry entry).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { memberCommand, membersCrowdCores } from "./member-command.js";
import type { ExecutorHooks, SweepExecutor } from "./executor.js";
import { MEMBER_FILES, memberDir, readMemberResult } from "./store.js";

/**
 * How long a member may take to stop cleanly after SIGTERM before its process
 * group is killed (its reaper then removes what its nodes left). Longer than a
 * run's own shutdown grace plus Docker's container stop.
 */
const MEMBER_STOP_GRACE_MS = 30_000;

export interface LocalExecutorOptions {
  jobs: number;
  /** Environment of member processes (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
}

export class LocalExecutor implements SweepExecutor {
  readonly name = "local";
  constructor(private readonly options: LocalExecutorOptions) {}

  plan(memberCount: number): string[] {
    const { node, args } = memberCommand("<store>", { crowded: this.crowded(), env: this.options.env });
    return [
      `local: ${Math.min(this.options.jobs, Math.max(memberCount, 1))} member(s) at a time (--jobs ${this.options.jobs}), each in its own process group`,
      `  each member: ${[node, ...args].join(" ")} <store> <key>`,
    ];
  }

  /** Members crowd the cores: each then runs on one thread (see membersCrowdCores). */
  private crowded(): boolean {
    return membersCrowdCores(this.options.jobs);
  }

  async check(): Promise<void> {}

  async run(store: string, keys: readonly string[], hooks: ExecutorHooks): Promise<void> {
    const queue = [...keys];
    const running = new Map<string, ChildProcess>();
    let failed = false;
    const stopAll = () => {
      for (const child of running.values()) stopMember(child);
    };
    hooks.signal.addEventListener("abort", stopAll, { once: true });
    try {
      await new Promise<void>((resolveAll) => {
        const next = () => {
          while (running.size < this.options.jobs && queue.length > 0 && !hooks.signal.aborted && !(hooks.failFast && failed)) {
            const key = queue.shift()!;
            const child = this.start(store, key);
            running.set(key, child);
            hooks.onStart(key);
            child.once("close", () => {
              running.delete(key);
              void readMemberResult(store, key).then((result) => {
                if (result?.status !== "succeeded") failed = true;
                hooks.onFinish(key, result, join(memberDir(store, key), MEMBER_FILES.log));
                next();
              });
            });
          }
          if (running.size === 0) resolveAll();
        };
        next();
      });
    } finally {
      hooks.signal.removeEventListener("abort", stopAll);
    }
  }

  private start(store: string, key: string): ChildProcess {
    const { node, args, cwd, env } = memberCommand(store, { crowded: this.crowded(), env: this.options.env });
    const log = openSync(join(memberDir(store, key), MEMBER_FILES.log), "a");
    try {
      const child = spawn(node, [...args, store, key], {
        cwd,
        env: {
          ...(this.options.env ?? process.env),
          ...env,
          SIM_SWEEP_WATCH_PARENT: "1",
        },
        // Own process group: a Ctrl-C at the terminal reaches only the sweep, which
        // then stops every member cleanly itself.
        detached: true,
        // stdin: a pipe only the sweep holds; the member stops when it closes (see member-main).
        stdio: ["pipe", log, log],
      });
      child.stdin?.on("error", () => undefined);
      return child;
    } finally {
      closeSync(log);
    }
  }
}

/** SIGTERM (the member stops its run cleanly), then SIGKILL of its group after the grace. */
function stopMember(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }, MEMBER_STOP_GRACE_MS);
  child.once("close", () => clearTimeout(timer));
}

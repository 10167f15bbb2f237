import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { EscapeFilter } from "./monitor-parser.js";
import { processGroupAlive, signalProcessGroup } from "./process-group.js";

/** How a process ended. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface RenodeProcessOptions {
  executable: string;
  args: readonly string[];
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Every line Renode prints on stdout or stderr. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

const OUTPUT_TAIL_LINES = 30;
const MONITOR_ANNOUNCED = /Monitor available in telnet mode on port (\d+)/;
// Polling interval while waiting for a process group to disappear.
const GROUP_POLL_MS = 25;

/**
 * A Renode process in its own process group (`detached`), so that stopping it
 * also reaches anything it started (the `renode` launcher script starts the
 * .NET runtime). Output is drained continuously: a full pipe would stall Renode.
 */
export class RenodeProcess {
  /** Starts the process; rejects if it cannot be started at all (missing file, no permission). */
  static async start(options: RenodeProcessOptions): Promise<RenodeProcess> {
    const subprocess = execa(options.executable, [...options.args], {
      cwd: options.cwd,
      ...(options.env === undefined ? {} : { env: options.env, extendEnv: false }),
      detached: true,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      buffer: false,
      reject: false,
    });
    // The promise settles with a result object (reject: false); exit is observed through events.
    void subprocess.catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      subprocess.once("spawn", () => resolve());
      subprocess.once("error", (error) => reject(error));
    });
    const pid = subprocess.pid;
    if (pid === undefined) throw new Error(`${options.executable} started without a pid`);
    return new RenodeProcess(pid, subprocess, options.onLine);
  }

  /** Resolves when the process has exited (its group may still have members). */
  readonly exited: Promise<ExitInfo>;
  /** Resolves with the port once Renode logs `Monitor available in telnet mode on port P`. */
  readonly monitorAnnounced: Promise<number>;
  exitInfo: ExitInfo | null = null;
  private readonly tail: string[] = [];

  private constructor(
    /** Process id; also the process group id. */
    readonly pid: number,
    subprocess: ReturnType<typeof execa>,
    onLine?: (line: string, stream: "stdout" | "stderr") => void,
  ) {
    this.exited = new Promise((resolve) => {
      subprocess.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    let announce: (port: number) => void = () => undefined;
    this.monitorAnnounced = new Promise((resolve) => (announce = resolve));
    const watch = (stream: NodeJS.ReadableStream | null, name: "stdout" | "stderr") => {
      if (stream === null) return;
      const escapes = new EscapeFilter();
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (partial + escapes.push(chunk)).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          this.tail.push(line);
          if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
          const announced = MONITOR_ANNOUNCED.exec(line);
          if (announced) announce(Number(announced[1]));
          onLine?.(line, name);
        }
      });
    };
    watch(subprocess.stdout, "stdout");
    watch(subprocess.stderr, "stderr");
  }

  /** The last lines Renode printed, for error messages. */
  outputTail(): string[] {
    return [...this.tail];
  }

  /** True until the process and every other member of its group are gone. */
  get alive(): boolean {
    return this.exitInfo === null || processGroupAlive(this.pid);
  }

  /** Waits up to `ms` for the process to exit; true if it did. */
  async waitExit(ms: number): Promise<boolean> {
    if (this.exitInfo !== null) return true;
    const ac = new AbortController();
    const exited = await Promise.race([
      this.exited.then(() => true),
      sleep(ms, false, { signal: ac.signal }).catch(() => false),
    ]);
    ac.abort();
    return exited;
  }

  /** Waits up to `ms` for the whole process group to be gone; true if it is. */
  async waitGone(ms: number): Promise<boolean> {
    const polls = Math.max(1, Math.ceil(ms / GROUP_POLL_MS));
    for (let i = 0; i < polls; i++) {
      if (!this.alive) return true;
      await sleep(GROUP_POLL_MS);
    }
    return !this.alive;
  }

  /** Sends `signal` to the whole group (no-op once it is gone). */
  signal(signal: NodeJS.Signals): void {
    signalProcessGroup(this.pid, signal);
  }

  /**
   * SIGTERM to the group, up to `termGraceMs` for it to go, then SIGKILL and up
   * to `killWaitMs` for the kernel to remove it. True when nothing is left.
   */
  async terminate(termGraceMs: number, killWaitMs: number): Promise<boolean> {
    if (!this.alive) return true;
    this.signal("SIGTERM");
    if (await this.waitGone(termGraceMs)) return true;
    this.signal("SIGKILL");
    return this.waitGone(killWaitMs);
  }
}

/**
 * A TCP port that was free on 127.0.0.1 a moment ago. Renode 1.16.1 cannot
 * choose its own monitor port (`-P 0` does not work), so the launcher picks one;
 * another program could take it before Renode binds it, which shows up as a
 * start-up failure naming the port.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not determine a free port"))));
    });
  });
}

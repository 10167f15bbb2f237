import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessTree, type Containment, type ExitInfo } from "@sim/process-tree";
import { execa } from "execa";
import { EscapeFilter } from "./monitor-parser.js";

export type { ExitInfo };

export interface RenodeProcessOptions {
  executable: string;
  args: readonly string[];
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Every line Renode prints on stdout or stderr. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** The run and node it belongs to: its cgroup and the marks in its environment (default: a one-off id). */
  runId?: string;
  nodeId?: string;
  /** How its processes are kept together (default "auto", see @sim/process-tree). */
  containment?: Containment | "auto";
}

const OUTPUT_TAIL_LINES = 30;
/** Output without a newline is handed on in pieces of this size, so that it cannot grow memory. */
const MAX_PARTIAL_CHARS = 64 * 1024;
const MONITOR_ANNOUNCED = /Monitor available in telnet mode on port (\d+)/;

/**
 * A Renode process and everything it starts (the `renode` launcher script starts the
 * .NET runtime), kept together by a `ProcessTree` (a cgroup, a subreaper supervisor,
 * or at least its own process group), so that stopping it reaches all of them.
 * Output is drained continuously: a full pipe would stall Renode.
 */
export class RenodeProcess {
  /** Starts the process; rejects if it cannot be started at all (missing file, no permission). */
  static async start(options: RenodeProcessOptions): Promise<RenodeProcess> {
    const tree = new ProcessTree({
      runId: options.runId ?? `renode-${randomBytes(4).toString("hex")}`,
      name: options.nodeId ?? "renode",
      containment: options.containment,
      searchPath: options.env?.PATH,
    });
    const command = tree.command(options.executable, options.args);
    const subprocess = execa(command.file, command.args, {
      cwd: options.cwd,
      // The marks a scan finds its processes by, on top of the environment given (or ours).
      env: { ...(options.env ?? {}), ...tree.environment },
      extendEnv: options.env === undefined,
      detached: true,
      stdio: ["ignore", "pipe", "pipe", ...tree.stdio],
      buffer: false,
      reject: false,
    });
    // The promise settles with a result object (reject: false); exit is observed through events.
    void subprocess.catch(() => undefined);
    tree.attach(subprocess);
    await new Promise<void>((resolve, reject) => {
      subprocess.once("spawn", () => resolve());
      subprocess.once("error", (error) => reject(error));
    });
    const pid = subprocess.pid;
    if (pid === undefined) throw new Error(`${options.executable} started without a pid`);
    return new RenodeProcess(pid, tree, subprocess, options.onLine);
  }

  /** Resolves when Renode itself has exited (what it started may still run). */
  readonly exited: Promise<ExitInfo>;
  /** Resolves with the port once Renode logs `Monitor available in telnet mode on port P`. */
  readonly monitorAnnounced: Promise<number>;
  private readonly tail: string[] = [];

  private constructor(
    /** The process started (Renode, or its supervisor); also its process group id. */
    readonly pid: number,
    private readonly tree: ProcessTree,
    private readonly subprocess: ReturnType<typeof execa>,
    onLine?: (line: string, stream: "stdout" | "stderr") => void,
  ) {
    this.exited = tree.exited;
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
        if (partial.length > MAX_PARTIAL_CHARS) {
          lines.push(partial);
          partial = "";
        }
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

  /** How Renode ended, once it has. */
  get exitInfo(): ExitInfo | null {
    return this.tree.exitInfo;
  }

  /** How its processes are kept together. */
  get containment(): Containment {
    return this.tree.containment;
  }

  /** True until Renode and every process it started are gone. */
  get alive(): boolean {
    return this.exitInfo === null || this.tree.alive;
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

  /**
   * SIGTERM to Renode and everything it started, up to `termGraceMs` for them to go,
   * then SIGKILL and up to `killWaitMs` for the kernel to remove them. True when
   * nothing is left. Our ends of its output pipes are closed afterwards, so that a
   * survivor holding them cannot keep the harness alive.
   */
  async terminate(termGraceMs: number, killWaitMs: number): Promise<boolean> {
    const result = await this.tree.terminate({ killAfterMs: termGraceMs, killWaitMs });
    this.subprocess.stdout?.destroy();
    this.subprocess.stderr?.destroy();
    return result.gone;
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

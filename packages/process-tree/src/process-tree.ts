/**
 * One started program and everything it starts: how it is launched so that none of
 * its descendants can get away (a cgroup, a subreaper supervisor, or at least its own
 * process group), which processes belong to it at any moment, and the stop sequence.
 * Every launcher that starts processes (process nodes, Renode) goes through this.
 */
import type { ChildProcess } from "node:child_process";
import { accessSync, constants, readlinkSync, statSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { cgroupProcesses, createNodeCgroup, removeNodeCgroup } from "./cgroup.js";
import { KILL_WAIT_MS, NODE_ID_ENV, RUN_ID_ENV, SIGKILL_AFTER_MS } from "./constants.js";
import { descendantsOf, holdersOf, liveProcesses, processesWithEnv, readStat } from "./proc.js";
import { terminateSet, waitEmpty, type ProcessSet } from "./terminate.js";
import type { Containment, ExitInfo, TerminateResult } from "./types.js";

/** The supervisor program, shipped with this package (src/ and dist/ are siblings of supervisor/). */
export const SUPERVISOR_SCRIPT = fileURLToPath(new URL("../supervisor/sim-supervise.py", import.meta.url));

/** Where python3 is looked for before the PATH (a pyenv shim on the PATH costs 0.4 s per start). */
const PYTHON_CANDIDATES = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"];

/**
 * After the tree is gone, how long its stdout/stderr may take to report end-of-file
 * before someone outside the tree is presumed to hold them (and is looked for).
 */
const STDIO_SETTLE_MS = 250;

/**
 * The supervisor reports the program's exit and ends itself a moment later (once no
 * descendant is left). On a loaded machine that moment can outlast a stop that
 * follows the report at once: the supervisor is given this long rather than a SIGTERM.
 */
const SUPERVISOR_EXIT_MS = 1_000;

/** The status line the supervisor writes when the program ends: "exit 3" or "signal 9". */
const STATUS_LINE = /^(exit|signal) (\d+)$/m;

export interface ProcessTreeOptions {
  /** The run the program belongs to (its cgroup's name, its environment marks). */
  runId: string;
  /** The node (its cgroup's name, its environment marks). */
  name: string;
  /** Default "auto": `cgroup` where one can be created, else `subreaper` where python3 is, else `group`. */
  containment?: Containment | "auto";
  /** A PATH value searched for python3 after the usual places. */
  searchPath?: string;
  /** SIGTERM -> SIGKILL delay the supervisor uses when the harness dies. */
  killAfterMs?: number;
}

/** Live pid + start time: a later process given the same pid is not mistaken for it. */
interface Known {
  pid: number;
  startTime: number;
}

/**
 * Use: `new ProcessTree(options)`; spawn `tree.command(file, args)` detached, with
 * `tree.stdio` appended to stdin/stdout/stderr and `tree.environment` added to its
 * environment; then `tree.attach(child)`. `tree.exited` is the program's own exit;
 * `terminate()` ends every process of the tree and says whether any survived.
 */
export class ProcessTree {
  readonly containment: Containment;
  readonly runId: string;
  readonly name: string;
  /** The node's cgroup folder (containment `cgroup`). */
  readonly cgroup: string | null;
  /** The program's own exit (not the supervisor's); resolves once, never rejects. */
  readonly exited: Promise<ExitInfo>;
  private resolveExit: (exit: ExitInfo) => void = () => undefined;
  private exit: ExitInfo | null = null;
  private readonly python: string | null;
  private readonly killAfterMs: number;
  private root: Known | null = null;
  /** Our pgid while the group may still hold ours; null once seen empty (its id may be reused). */
  private groupId: number | null = null;
  private stdioLinks = new Set<string>();
  private stdioOpen: (() => boolean) | null = null;
  /** Outsiders found holding the program's stdio. */
  private readonly extra = new Map<number, number>();
  private terminating: Promise<TerminateResult> | null = null;

  constructor(options: ProcessTreeOptions) {
    this.runId = options.runId;
    this.name = options.name;
    this.killAfterMs = options.killAfterMs ?? SIGKILL_AFTER_MS;
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    const wanted = options.containment ?? "auto";
    const linux = process.platform === "linux";
    let cgroup: string | null = null;
    let python: string | null = null;
    if (linux && (wanted === "auto" || wanted === "cgroup")) cgroup = createNodeCgroup(options.runId, options.name);
    if (linux && cgroup === null && (wanted === "auto" || wanted === "subreaper")) python = findPython(options.searchPath);
    this.containment = cgroup !== null ? "cgroup" : python !== null ? "subreaper" : "group";
    if (wanted !== "auto" && wanted !== this.containment) {
      throw new Error(`process containment "${wanted}" is not available here (${describeUnavailable(wanted as "cgroup" | "subreaper")})`);
    }
    this.cgroup = cgroup;
    this.python = python;
  }

  /** Environment variables the program must be started with: the marks a scan finds it by. */
  get environment(): Record<string, string> {
    return { [RUN_ID_ENV]: this.runId, [NODE_ID_ENV]: this.name };
  }

  /** Extra stdio entries after stdin, stdout, stderr: the supervisor's status channel (fd 3). */
  get stdio(): "pipe"[] {
    return this.containment === "subreaper" ? ["pipe"] : [];
  }

  /**
   * What to spawn to run `file args`. `cgroup`: a shell that moves itself into the
   * node's cgroup, then execs the program (so it never runs outside it, not even for
   * the time it takes to start a child). `subreaper`: the supervisor, which forks it.
   */
  command(file: string, args: readonly string[]): { file: string; args: string[] } {
    if (this.containment === "cgroup") {
      const join_ = 'echo $$ > "$1" || exit 125; shift; exec "$@"';
      return { file: "/bin/sh", args: ["-c", join_, "sim-cgroup-join", join(this.cgroup!, "cgroup.procs"), file, ...args] };
    }
    if (this.containment === "subreaper") {
      return {
        file: this.python!,
        args: ["-I", "-S", SUPERVISOR_SCRIPT, "3", String(process.pid), String(this.killAfterMs), "--", file, ...args],
      };
    }
    return { file, args: [...args] };
  }

  /** Takes over the spawned process (started with `detached: true`, so its pid is its group's id). */
  attach(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) {
      this.discard();
      return;
    }
    const stat = readStat(pid);
    this.root = { pid, startTime: stat?.startTime ?? -1 };
    this.groupId = pid;
    // The program's ends of its stdio, read now, before it can close or replace them.
    for (const fd of [0, 1, 2]) {
      const link = readLink(`/proc/${pid}/fd/${fd}`);
      if (link !== null && (link.startsWith("pipe:") || link.startsWith("socket:"))) this.stdioLinks.add(link);
    }
    const ended = [child.stdout, child.stderr].map((stream) => {
      if (stream === null) return () => true;
      let done = false;
      stream.once("end", () => (done = true));
      return () => done || stream.readableEnded;
    });
    this.stdioOpen = () => !ended.every((isEnded) => isEnded());

    const finish = (exit: ExitInfo): void => {
      if (this.exit !== null) return;
      this.exit = exit;
      this.resolveExit(exit);
    };
    const status = this.containment === "subreaper" ? child.stdio[3] : null;
    if (status != null && "setEncoding" in status) {
      let text = "";
      status.setEncoding("utf8");
      status.on("data", (chunk: string) => {
        text += chunk;
        const m = STATUS_LINE.exec(text);
        if (m) finish(m[1] === "exit" ? { code: Number(m[2]), signal: null } : { code: null, signal: signalName(Number(m[2])) });
      });
      status.on("error", () => undefined);
      // The status channel must not keep the harness alive.
      (status as unknown as { unref?: () => void }).unref?.();
    }
    child.once("exit", (code, signal) => {
      // Subreaper: the supervisor ends after the program (normally reported on fd 3 already).
      finish({ code, signal });
      if (status != null) (status as unknown as { destroy: () => void }).destroy();
    });
    child.once("error", () => finish({ code: null, signal: null }));
  }

  /** The spawned process (the program itself, or its supervisor); null before `attach`. */
  get pid(): number | null {
    return this.root?.pid ?? null;
  }

  /** The program's exit, once known. */
  get exitInfo(): ExitInfo | null {
    return this.exit;
  }

  /** Every live process of the tree now. */
  members(): number[] {
    const live = liveProcesses();
    const found = new Set<number>();
    if (this.cgroup !== null) for (const pid of cgroupProcesses(this.cgroup)) found.add(pid);
    if (live === null) {
      // No /proc: only kill(2) on the group can tell.
      if (this.groupId !== null) {
        try {
          process.kill(-this.groupId, 0);
          found.add(this.groupId);
        } catch {
          this.groupId = null;
        }
      }
      return [...found];
    }
    const root = this.root !== null && live.some((p) => p.pid === this.root!.pid && p.startTime === this.root!.startTime) ? this.root.pid : null;
    if (root !== null) {
      found.add(root);
      for (const pid of descendantsOf([root], live)) found.add(pid);
    }
    if (this.groupId !== null) {
      const group = live.filter((p) => p.pgrp === this.groupId);
      if (group.length === 0) this.groupId = null;
      for (const p of group) found.add(p.pid);
    }
    for (const pid of processesWithEnv(this.environment)) found.add(pid);
    for (const [pid, startTime] of this.extra) {
      if (live.some((p) => p.pid === pid && p.startTime === startTime)) found.add(pid);
      else this.extra.delete(pid);
    }
    found.delete(process.pid);
    return [...found];
  }

  /** True while any process of the tree is alive. */
  get alive(): boolean {
    return this.members().length > 0;
  }

  /**
   * Ends every process of the tree: SIGTERM, SIGKILL `killAfterMs` later, then up to
   * `killWaitMs` for the kernel. Then, if the program's stdout or stderr is still
   * open, whoever holds it outside the tree is stopped the same way. Removes the
   * node's cgroup once empty. Safe to call again (the same promise while running).
   */
  terminate(options: { killAfterMs?: number; killWaitMs?: number } = {}): Promise<TerminateResult> {
    this.terminating ??= this.doTerminate({ killAfterMs: options.killAfterMs ?? SIGKILL_AFTER_MS, killWaitMs: options.killWaitMs ?? KILL_WAIT_MS }).finally(() => {
      this.terminating = null;
    });
    return this.terminating;
  }

  private async doTerminate(options: { killAfterMs: number; killWaitMs: number }): Promise<TerminateResult> {
    if (this.containment === "subreaper" && this.exit !== null && this.root !== null) {
      const left = this.members();
      if (left.length === 1 && left[0] === this.root.pid) await waitEmpty(this.processSet(), SUPERVISOR_EXIT_MS, left);
    }
    let result = await terminateSet(this.processSet(), options);
    if (result.gone && this.stdioOpen !== null && this.stdioLinks.size > 0) {
      const deadline = performance.now() + STDIO_SETTLE_MS;
      while (this.stdioOpen() && performance.now() < deadline) await sleep(25);
      if (this.stdioOpen()) {
        for (const pid of holdersOf(this.stdioLinks)) {
          const stat = readStat(pid);
          if (stat !== null) this.extra.set(pid, stat.startTime);
        }
        if (this.extra.size > 0) {
          const again = await terminateSet(this.processSet(), options);
          result = { signal: strongest(result.signal, again.signal), gone: again.gone };
        }
      }
    }
    if (result.gone && this.cgroup !== null) removeNodeCgroup(this.cgroup);
    return result;
  }

  /** Nothing was started after all: remove what the constructor prepared. */
  discard(): void {
    if (this.cgroup !== null) removeNodeCgroup(this.cgroup);
  }

  private processSet(): ProcessSet {
    return {
      members: () => this.members(),
      supervisors: this.containment === "subreaper" && this.root !== null ? [this.root.pid] : [],
      cgroups: this.cgroup === null ? [] : [this.cgroup],
      pgid: () => this.groupId,
    };
  }
}

function strongest(a: TerminateResult["signal"], b: TerminateResult["signal"]): TerminateResult["signal"] {
  const order = ["none", "SIGTERM", "SIGKILL"];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** A python3 that can run the supervisor, or null. */
export function findPython(searchPath: string | undefined): string | null {
  const dirs = (searchPath ?? "").split(delimiter).filter((d) => d.startsWith("/"));
  for (const file of [...PYTHON_CANDIDATES, ...dirs.map((d) => join(d, "python3"))]) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not there: the next one.
    }
  }
  return null;
}

function describeUnavailable(wanted: Exclude<Containment, "group">): string {
  if (process.platform !== "linux") return `not Linux but ${process.platform}`;
  return wanted === "cgroup" ? "no writable cgroup v2 below this process's cgroup" : "no python3 found";
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

function signalName(signal: number): NodeJS.Signals | null {
  return SIGNAL_NAMES.get(signal) ?? null;
}

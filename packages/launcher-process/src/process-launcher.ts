/**
 * `type: process` nodes: a local program speaking the node protocol on its stdio.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { SCENARIO_DEFAULTS, type Problem, type ResolvedProcessNode, type ResolvedScenario } from "@sim/config";
import type { LaunchContext, NodeLauncher, StartedNode } from "@sim/coordinator";
import { createProtocolNode, LogLimit, type NodeExit, type ProtocolNode } from "@sim/protocol";
import { KILL_WAIT_MS, ProcessTree, SIGKILL_AFTER_MS, type Containment, type TerminateResult } from "@sim/process-tree";
import { execa } from "execa";
import { nodeEnvironment } from "./environment.js";
import { ProcessStartError } from "./errors.js";
import { findExecutable } from "./find-executable.js";

/** Lines of stderr kept to explain a failure. */
const STDERR_TAIL_LINES = 20;
/** A stderr line longer than this is written out without waiting for its newline. */
const MAX_PARTIAL_CHARS = 64 * 1024;
/**
 * How long the exit is held back, at most, for the last of stderr to be read, so that
 * a failure quotes what the node printed before dying. A pipe's last bytes are read
 * within milliseconds of the exit; longer only when something the node started still
 * holds its stderr open.
 */
const STDERR_DRAIN_MS = 250;

export interface ProcessLauncherOptions {
  /** Environment the minimal inherited set is taken from (default: process.env at launch). */
  inheritedEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * How each node's processes are kept together (see docs/reliability.md); default
   * "auto": a cgroup where one can be created, else the subreaper supervisor, else
   * the process group. Naming one that is not available fails the launch.
   */
  containment?: Containment | "auto";
}

/** A started process node; `stopResult` says how it ended once `stop()` resolved. */
export interface StartedProcess extends StartedNode {
  readonly external: ProtocolNode;
  /** The process started: the node's program, or its supervisor (containment `subreaper`); also its process group. */
  readonly pid: number;
  readonly containment: Containment;
  readonly stopResult: TerminateResult | null;
}

/** Creates the launcher for `type: process` nodes. */
export function createProcessLauncher(options: ProcessLauncherOptions = {}): NodeLauncher<ResolvedProcessNode> {
  const inheritedEnv = (): Readonly<Record<string, string | undefined>> => options.inheritedEnv ?? process.env;
  return {
    type: "process",
    check: (nodes, scenario) => checkProcessNodes(nodes, scenario, inheritedEnv()),
    describe: (node) => ({ command: node.command, cwd: node.cwd, env: Object.keys(node.env).sort() }),
    launch: (node, ctx) => launchProcess(node, ctx, inheritedEnv(), options.containment ?? "auto"),
  };
}

/** The launcher for `type: process` nodes, with the default options. */
export const processLauncher: NodeLauncher<ResolvedProcessNode> = createProcessLauncher();

async function checkProcessNodes(
  nodes: ResolvedProcessNode[],
  scenario: ResolvedScenario,
  inherited: Readonly<Record<string, string | undefined>>,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const problem = (node: ResolvedProcessNode, key: string, code: string, message: string, hint: string): Problem => ({
    severity: "error",
    code,
    file: scenario.source,
    line: null,
    column: null,
    path: ["nodes", node.group, key],
    message: `node "${node.id}": ${message}`,
    hint,
  });
  // Members of a group share the same command and cwd: check each distinct pair once.
  const seen = new Set<string>();
  for (const node of nodes) {
    const key = JSON.stringify([node.command[0], node.cwd, node.env.PATH]);
    if (seen.has(key)) continue;
    seen.add(key);
    const cwdOk = await stat(node.cwd).then((s) => s.isDirectory(), () => false);
    if (!cwdOk) {
      problems.push(problem(node, "cwd", "cwd-not-found", `working folder ${node.cwd} does not exist`, "Fix `cwd` (relative paths are relative to the scenario file)."));
      continue;
    }
    const command = node.command[0];
    if (command === undefined || command === "") {
      problems.push(problem(node, "command", "command-empty", "`command` is empty", 'Give the program and its arguments, e.g. ["python3", "node.py"].'));
      continue;
    }
    const path = node.env.PATH ?? inherited.PATH;
    if ((await findExecutable(command, node.cwd, path)) === null) {
      problems.push(
        problem(
          node,
          "command",
          "command-not-found",
          command.includes("/")
            ? `${command} is not an executable file (relative to ${node.cwd})`
            : `${command} was not found on PATH`,
          command.includes("/") ? "Check the path and its execute permission (chmod +x)." : "Install it, or give its path.",
        ),
      );
    }
  }
  return problems;
}

async function launchProcess(
  node: ResolvedProcessNode,
  ctx: LaunchContext,
  inherited: Readonly<Record<string, string | undefined>>,
  containment: Containment | "auto",
): Promise<StartedProcess> {
  ctx.signal?.throwIfAborted();
  const [file, ...args] = node.command;
  if (file === undefined) throw new ProcessStartError(node.id, "`command` is empty");
  const { timeouts } = ctx.scenario;
  // A scenario resolved by an older version (or built by hand) may lack `limits`.
  const limits = { ...SCENARIO_DEFAULTS.limits, ...ctx.scenario.limits };
  const logger = ctx.logger.child({ node: node.id });

  const env = nodeEnvironment(inherited, node.env, ctx.runId, node.id);
  // Started through a wrapper (a shell or the supervisor), a missing program would only
  // show as an exit code: look for it first, as execve would.
  if ((await findExecutable(file, node.cwd, env.PATH ?? "/usr/bin:/bin")) === null) {
    throw new ProcessStartError(node.id, `cannot start ${JSON.stringify(node.command)} in ${node.cwd}: ${file} is not an executable file${file.includes("/") ? "" : " on PATH"}`);
  }
  let tree: ProcessTree;
  try {
    tree = new ProcessTree({ runId: ctx.runId, name: node.id, containment, searchPath: env.PATH, killAfterMs: SIGKILL_AFTER_MS });
  } catch (error) {
    throw new ProcessStartError(node.id, (error as Error).message, { cause: error });
  }

  let logFile: WriteStream | null = null;
  if (ctx.logDir !== null) {
    mkdirSync(ctx.logDir, { recursive: true });
    logFile = createWriteStream(join(ctx.logDir, `${node.id}.log`), { flags: "a" });
    logFile.on("error", (err) => logger.warn({ err }, "cannot write the node's log file"));
  }

  const command = tree.command(file, args);
  const child = execa(command.file, command.args, {
    cwd: node.cwd,
    env: { ...env, ...tree.environment },
    extendEnv: false,
    // Its own process group (and session), so that a Ctrl-C aimed at the harness does not reach it.
    detached: true,
    stdio: ["pipe", "pipe", "pipe", ...tree.stdio],
    buffer: false,
    reject: false,
    stripFinalNewline: false,
  });
  // With reject: false the promise never rejects; keep it from being reported unhandled anyway.
  child.catch(() => {});
  tree.attach(child);

  const pid = child.pid;
  if (pid === undefined) {
    const result = await child;
    logFile?.end();
    const cause = (result as { cause?: unknown }).cause;
    throw new ProcessStartError(
      node.id,
      `cannot start ${JSON.stringify(node.command)} in ${node.cwd}: ${cause instanceof Error ? cause.message : result.shortMessage}`,
      { cause },
    );
  }
  // Detached: the child called setsid(), so its process group id is its pid.
  ctx.resources.addProcess({ node: node.id, pid, pgid: pid });
  logger.debug({ pid, containment: tree.containment }, "started");
  // The program's own exit (with a supervisor, not the supervisor's).
  const exited: Promise<NodeExit> = tree.exited;

  // <node>.log and the run's logger get stderr and the protocol's log lines, whole
  // lines only, up to limits.log_lines / limits.log_bytes; the tail for error
  // messages keeps following stderr after that.
  const logLimit = new LogLimit(limits);
  const toLog = (entry: string, forward: () => void): void => {
    const verdict = logLimit.admit(entry);
    if (verdict === "keep") {
      logFile?.write(entry);
      forward();
    } else if (verdict === "truncate") {
      logFile?.write(`[sim] ${logLimit.note}\n`);
      logger.warn(logLimit.note!);
    }
  };
  const tail: string[] = [];
  let partial = "";
  const stderr = child.stderr!;
  const stdout = child.stdout!;
  const stdin = child.stdin!;
  const stderrLine = (line: string): void => {
    toLog(`${line}\n`, () => logger.info({ stream: "stderr" }, line));
    tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
  };
  const flushPartial = (): void => {
    if (partial !== "") stderrLine(partial);
    partial = "";
  };
  stderr.setEncoding("utf8");
  stderr.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    // Output without newlines is still logged, in pieces.
    if (partial.length > MAX_PARTIAL_CHARS) {
      lines.push(partial);
      partial = "";
    }
    for (const line of lines) stderrLine(line);
  });
  const stderrEnded = new Promise<void>((resolve) => {
    stderr.once("end", resolve);
    stderr.once("close", resolve);
  });
  // The exit as the protocol node learns it: once the last stderr lines are in (or
  // STDERR_DRAIN_MS passed), so that its failure message quotes them.
  const reportedExit = exited.then(async (exit) => {
    await Promise.race([stderrEnded, delay(STDERR_DRAIN_MS)]);
    flushPartial();
    return exit;
  });

  let stopping: Promise<void> | null = null;
  let stopResult: TerminateResult | null = null;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const running = tree.exitInfo === null;
      await protocol.shutdown();
      if (running) await Promise.race([exited, delay(timeouts.shutdown_grace_sec * 1000)]);
      // Even when the program exited, something it started may still run.
      stopResult = await tree.terminate({ killAfterMs: SIGKILL_AFTER_MS, killWaitMs: KILL_WAIT_MS });
      await Promise.race([exited, delay(KILL_WAIT_MS)]);
      // Our ends of its stdio: whatever still holds the other ends must not keep the harness alive.
      for (const stream of [stdin, stdout, stderr]) stream.destroy();
      if (stopResult.gone && tree.exitInfo !== null) {
        ctx.resources.removeProcess(pid);
        if (stopResult.signal !== "none") logger.warn(`did not exit after shutdown, or left processes running; ended with ${stopResult.signal}`);
      } else {
        logger.error({ pid, containment: tree.containment }, "a process of the node survived SIGKILL; left in the run registry");
        stopResult = { signal: stopResult.signal, gone: false };
      }
      flushPartial();
      const dropped = logLimit.summary();
      if (dropped !== null) {
        logFile?.write(`[sim] ${dropped}\n`);
        logger.warn(dropped);
      }
      if (logFile) await new Promise<void>((resolve) => logFile.end(resolve));
    })();
    return stopping;
  };

  const protocol = createProtocolNode({
    id: node.id,
    type: node.type,
    stdin,
    stdout,
    config: node.config,
    quantumWallMs: timeouts.quantum_wall_sec * 1000,
    startupMs: timeouts.startup_sec * 1000,
    maxSendsPerQuantum: limits.sends_per_quantum,
    exited: reportedExit,
    onLog: (level, msg) => toLog(`[${level}] ${msg}\n`, () => logger[level as "info"](msg)),
    diagnostics: () => [...tail, partial.length > 500 ? `${partial.slice(0, 500)}…` : partial].filter((line) => line !== "").join("\n"),
  });

  return {
    id: node.id,
    external: protocol,
    pid,
    containment: tree.containment,
    get stopResult() {
      return stopResult;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

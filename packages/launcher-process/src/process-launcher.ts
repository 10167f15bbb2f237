/**
 * `type: process` nodes: a local program speaking the node protocol on its stdio.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Problem, ResolvedProcessNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext, NodeLauncher, StartedNode } from "@sim/coordinator";
import { createProtocolNode, type NodeExit, type ProtocolNode } from "@sim/protocol";
import { execa } from "execa";
import { nodeEnvironment } from "./environment.js";
import { ProcessStartError } from "./errors.js";
import { findExecutable } from "./find-executable.js";
import { KILL_WAIT_MS, SIGKILL_AFTER_MS, terminateProcessGroup, type TerminateResult } from "./process-group.js";

/** Lines of stderr kept to explain a failure. */
const STDERR_TAIL_LINES = 20;

export interface ProcessLauncherOptions {
  /** Environment the minimal inherited set is taken from (default: process.env at launch). */
  inheritedEnv?: Readonly<Record<string, string | undefined>>;
}

/** A started process node; `stopResult` says how it ended once `stop()` resolved. */
export interface StartedProcess extends StartedNode {
  readonly external: ProtocolNode;
  readonly pid: number;
  readonly stopResult: TerminateResult | null;
}

/** Creates the launcher for `type: process` nodes. */
export function createProcessLauncher(options: ProcessLauncherOptions = {}): NodeLauncher<ResolvedProcessNode> {
  const inheritedEnv = (): Readonly<Record<string, string | undefined>> => options.inheritedEnv ?? process.env;
  return {
    type: "process",
    check: (nodes, scenario) => checkProcessNodes(nodes, scenario, inheritedEnv()),
    describe: (node) => ({ command: node.command, cwd: node.cwd, env: Object.keys(node.env).sort() }),
    launch: (node, ctx) => launchProcess(node, ctx, inheritedEnv()),
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
): Promise<StartedProcess> {
  ctx.signal?.throwIfAborted();
  const [file, ...args] = node.command;
  if (file === undefined) throw new ProcessStartError(node.id, "`command` is empty");
  const { timeouts } = ctx.scenario;
  const logger = ctx.logger.child({ node: node.id });

  let logFile: WriteStream | null = null;
  if (ctx.logDir !== null) {
    mkdirSync(ctx.logDir, { recursive: true });
    logFile = createWriteStream(join(ctx.logDir, `${node.id}.log`), { flags: "a" });
    logFile.on("error", (err) => logger.warn({ err }, "cannot write the node's log file"));
  }

  const child = execa(file, args, {
    cwd: node.cwd,
    env: nodeEnvironment(inherited, node.env, ctx.runId, node.id),
    extendEnv: false,
    // Its own process group, so that stop and the reaper can signal everything it started.
    detached: true,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    stripFinalNewline: false,
  });
  // With reject: false the promise never rejects; keep it from being reported unhandled anyway.
  child.catch(() => {});

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

  let exit: NodeExit | null = null;
  const exited = new Promise<NodeExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const tail: string[] = [];
  let partial = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    logFile?.write(chunk);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    if (partial.length > 4096) partial = partial.slice(-4096);
    for (const line of lines) {
      logger.info({ stream: "stderr" }, line);
      tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    }
  });

  let stopping: Promise<void> | null = null;
  let stopResult: TerminateResult | null = null;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exit === null) {
        await protocol.shutdown();
        await Promise.race([exited, delay(timeouts.shutdown_grace_sec * 1000)]);
      } else {
        await protocol.shutdown();
      }
      // Even when the leader exited, something it started may still run in its group.
      stopResult = await terminateProcessGroup(pid, { killAfterMs: SIGKILL_AFTER_MS, killWaitMs: KILL_WAIT_MS });
      await Promise.race([exited, delay(KILL_WAIT_MS)]);
      if (stopResult.gone && exit !== null) {
        ctx.resources.removeProcess(pid);
        if (stopResult.signal !== "none") logger.warn(`did not exit after shutdown; ended with ${stopResult.signal}`);
      } else {
        logger.error({ pid }, "process group survived SIGKILL; left in the run registry");
        stopResult = { signal: stopResult.signal, gone: false };
      }
      if (logFile) await new Promise<void>((resolve) => logFile.end(resolve));
    })();
    return stopping;
  };

  const protocol = createProtocolNode({
    id: node.id,
    type: node.type,
    stdin: child.stdin,
    stdout: child.stdout,
    config: node.config,
    quantumWallMs: timeouts.quantum_wall_sec * 1000,
    startupMs: timeouts.startup_sec * 1000,
    exited,
    onLog: (level, msg) => {
      logFile?.write(`[${level}] ${msg}\n`);
      logger[level as "info"](msg);
    },
    diagnostics: () => (tail.length > 0 ? tail.join("\n") : partial),
    stop,
  });

  return {
    id: node.id,
    external: protocol,
    pid,
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

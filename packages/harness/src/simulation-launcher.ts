import { randomBytes } from "node:crypto";
import { checkScenarioFiles, locateProblems, ScenarioInvalidError, type Problem, type ResolvedNode, type ResolvedScenario } from "@sim/config";
import type { InProcessNode, LaunchContext, SimNode, StartedNode } from "@sim/coordinator";
import { createBuiltinNode, INFERENCE_RUNTIME_HINT, inferenceRuntimeProblem, loadInference, needsInference, type InferenceEngine } from "@sim/nodes";
import { commandLine, findRunProcesses, KILL_WAIT_MS, removeRunCgroups, SIGKILL_AFTER_MS, terminateRun } from "@sim/process-tree";
import { pino, type Logger } from "pino";
import { checkModuleNodes, type CustomNodeTypes } from "./custom-nodes/check-module-nodes.js";
import { ModuleImporter } from "./custom-nodes/import-module.js";
import { LaunchFailedError } from "./errors.js";
import { defaultLaunchers, LauncherRegistry, type AnyNodeLauncher } from "./launchers.js";
import { listRunContainers, listRunNetworks } from "./reaper/docker-api.js";
import { RunRegistry } from "./resources/run-registry.js";
import type { RunRecord } from "./resources/run-record.js";

export interface SimulationLauncherOptions {
  /** Launchers by node type; default: process, docker and renode. */
  launchers?: readonly AnyNodeLauncher[];
  /** Classes of `module` nodes without a `module` file, by the name their `export` gives (docs/custom-nodes.md). */
  nodeTypes?: CustomNodeTypes;
  /** Id carried by every process, container and network of the run; default: a fresh one. */
  runId?: string;
  /** sim's state folder: the run registry goes to `<stateDir>/runs/<runId>.json`. */
  stateDir: string;
  /** Folder for `<node>.log` files of external nodes; null: logs only go to `logger`. */
  logDir?: string | null;
  /** Default: silent. */
  logger?: Logger;
  /** Start the reaper with the first external resource (default true). */
  reaper?: boolean;
}

/**
 * What the run's shutdown stopped and what (if anything) outlived it. The process
 * counts come from a search independent of the launchers (the run's cgroup, its run id
 * in process environments, the recorded processes and groups, their descendants).
 */
export interface CleanupReport {
  /** Recorded processes that are gone, plus processes of the run the final check found and stopped. */
  processes_stopped: number;
  containers_removed: number;
  networks_removed: number;
  /** Found still running after shutdown; each also listed in `leftovers`. */
  processes_left: number;
  containers_left: number;
  networks_left: number;
  leftovers: string[];
}

/** The nodes of a launched run, ready for a Coordinator. */
export interface LaunchedRun {
  nodes: SimNode[];
  /** The run's shared ML model, when the scenario uses one. */
  inference: InferenceEngine | null;
  /** Every external resource started, also those outside lockstep (service containers), in scenario order. */
  started: StartedNode[];
}

/** How long a failed or timed-out start waits for launches in flight before tearing down. */
const LAUNCH_SETTLE_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Run ids: sortable by start time within a second, unique across concurrent runs. */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/**
 * The lifecycle of one run's nodes: `validate()` finds every problem before anything
 * starts, `launch()` builds the in-process nodes and starts the external ones in
 * parallel (tearing down whatever started if any fails), and `shutdown()` stops
 * everything, always, and checks that nothing of the run is left.
 */
export class SimulationLauncher {
  readonly scenario: ResolvedScenario;
  readonly runId: string;
  private readonly registry: LauncherRegistry;
  private readonly options: SimulationLauncherOptions;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private resources: RunRegistry | null = null;
  private started: StartedNode[] = [];
  private inference: InferenceEngine | null = null;
  private readonly importer = new ModuleImporter();
  /** The `module` nodes validate() built, for launch() to use; null until then. */
  private moduleNodes: Map<string, InProcessNode> | null = null;
  private shuttingDown: Promise<CleanupReport> | null = null;
  private launching: Promise<LaunchedRun> | null = null;
  private launchFailed = false;

  constructor(scenario: ResolvedScenario, options: SimulationLauncherOptions) {
    this.scenario = scenario;
    this.options = options;
    this.runId = options.runId ?? newRunId(new Date());
    this.registry = new LauncherRegistry(options.launchers ?? defaultLaunchers());
    this.logger = options.logger ?? pino({ level: "silent" });
  }

  /**
   * Every problem at once: referenced files, and whether each external node's
   * runtime is there (executables, the Docker engine, images). Starts nothing.
   */
  async validate(): Promise<Problem[]> {
    const problems = await checkScenarioFiles(this.scenario);
    problems.push(...(await this.checkModuleNodes(problems)));
    if (needsInference(this.scenario)) {
      const missing = await inferenceRuntimeProblem();
      if (missing !== null) problems.push(...locateProblems(this.scenario, [missingInferenceRuntime(missing, this.scenario)]));
    }
    for (const [type, nodes] of LauncherRegistry.externalByType(this.scenario.nodes)) {
      const launcher = this.registry.get(type);
      if (launcher === undefined) {
        problems.push(noLauncherProblem(type, nodes, this.scenario));
        continue;
      }
      problems.push(...locateProblems(this.scenario, await launcher.check(nodes, this.scenario)));
    }
    return withoutDuplicates(problems);
  }

  /**
   * Loads the `module` nodes' code and builds them (kept for launch()); returns their
   * problems. A group whose module file `fileProblems` already reports missing is not loaded.
   */
  private async checkModuleNodes(fileProblems: readonly Problem[]): Promise<Problem[]> {
    if (!this.scenario.nodes.some((node) => node.type === "module")) return [];
    const skipGroups = new Set(fileProblems.filter((p) => p.path[0] === "nodes" && p.path[2] === "module").map((p) => String(p.path[1])));
    const checked = await checkModuleNodes(this.scenario, { importer: this.importer, nodeTypes: this.options.nodeTypes, skipGroups });
    this.moduleNodes = checked.nodes;
    return checked.problems;
  }

  /** What each external node would start, for a dry run. No I/O. */
  describeExternal(): { id: string; type: string; details: Record<string, unknown> }[] {
    return this.scenario.nodes
      .filter((node) => !LauncherRegistry.isBuiltin(node))
      .map((node) => ({ id: node.id, type: node.type, details: this.registry.get(node.type)?.describe(node) ?? {} }));
  }

  /**
   * Builds the in-process nodes and starts the external ones in parallel, each
   * recorded in the run registry the moment it exists. If any cannot start within
   * `timeouts.startup_sec`, everything already started is torn down and the error
   * (a LaunchFailedError naming the node) is rethrown.
   */
  launch(): Promise<LaunchedRun> {
    this.launching ??= this.doLaunch();
    return this.launching;
  }

  private async doLaunch(): Promise<LaunchedRun> {
    if (needsInference(this.scenario) && this.scenario.ml_inference !== null) {
      this.inference = await loadInference(this.scenario.ml_inference);
    }
    const builtin = new Map<string, SimNode>();
    try {
      // Without validate() first (an embedder's choice), the module nodes are checked and built here.
      if (this.moduleNodes === null) {
        const problems = await this.checkModuleNodes([]);
        if (problems.length > 0) throw new ScenarioInvalidError(problems);
      }
      const modules = this.moduleNodes;
      for (const node of this.scenario.nodes) {
        const built = modules?.get(node.id) ?? createBuiltinNode(node, this.scenario, { inference: this.inference });
        if (built !== null) builtin.set(node.id, built);
      }
    } catch (error) {
      await this.inference?.close();
      throw error;
    }

    const external = LauncherRegistry.externalByType(this.scenario.nodes);
    const startedById = new Map<string, StartedNode>();
    if (external.size > 0) {
      const ctx = this.launchContext();
      try {
        await this.withStartupTimeout(async () => {
          for (const [type, nodes] of external) await this.launcherFor(type).prepare?.(nodes, ctx);
          const launches = [...external.values()].flat().map(async (node) => {
            try {
              const started = await this.launcherFor(node.type).launch(node, ctx);
              this.started.push(started);
              startedById.set(node.id, started);
            } catch (error) {
              throw error instanceof LaunchFailedError ? error : new LaunchFailedError(node.id, { cause: error });
            }
          });
          // Wait for every launch to settle, so that nothing starts after the teardown.
          const results = await Promise.allSettled(launches);
          const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
          if (failed) throw failed.reason;
        });
      } catch (error) {
        // Unless a shutdown is already waiting for this launch (an interrupt), tear down now.
        if (this.shuttingDown === null) {
          this.launchFailed = true;
          await this.shutdown();
        }
        throw error;
      }
    }

    const nodes: SimNode[] = [];
    for (const node of this.scenario.nodes) {
      const simNode = builtin.get(node.id) ?? startedById.get(node.id)?.external;
      if (simNode) nodes.push(simNode);
    }
    const order = new Map(this.scenario.nodes.map((node, i) => [node.id, i]));
    return { nodes, inference: this.inference, started: [...this.started].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)) };
  }

  /**
   * Stops every external node (polite request, grace, SIGTERM, SIGKILL — each
   * launcher's own sequence), removes the run's networks, then verifies that no
   * process, container or network of the run remains. Idempotent; never throws.
   */
  shutdown(): Promise<CleanupReport> {
    this.shuttingDown ??= this.doShutdown();
    return this.shuttingDown;
  }

  private async doShutdown(): Promise<CleanupReport> {
    this.abort.abort(new Error("the run is shutting down"));
    // Shut down while launching (an interrupt): let the launches in flight settle
    // first, so that every node they start is in `started` and gets stopped.
    if (this.launching && !this.launchFailed) await Promise.race([this.launching.catch(() => undefined), sleep(LAUNCH_SETTLE_MS)]);
    const listed = this.resources?.snapshot() ?? emptySnapshot(this.runId);

    const stops = await Promise.allSettled(this.started.map((node) => node.stop()));
    stops.forEach((result, i) => {
      if (result.status === "rejected") this.logger.warn({ node: this.started[i]?.id, err: result.reason }, "stopping a node failed");
    });
    for (const type of LauncherRegistry.externalByType(this.scenario.nodes).keys()) {
      try {
        await this.registry.get(type)?.cleanup?.(this.launchContext());
      } catch (error) {
        this.logger.warn({ type, err: error }, "run-wide cleanup failed");
      }
    }
    await this.inference?.close();

    const report = await this.verifyGone(listed);
    // Anything still listed is handed to the reaper, which keeps trying after we exit.
    await this.resources?.close();
    return report;
  }

  /**
   * Checks independently of the launchers that nothing of the run survived: whatever
   * the search finds (see `findRunProcesses`) is stopped now rather than left to the
   * reaper, and what survives even that is reported.
   */
  private async verifyGone(listed: RunRecord): Promise<CleanupReport> {
    const leftovers: string[] = [];
    const search = { exclude: this.resources?.reaperPid != null ? [this.resources.reaperPid] : [], cgroups: "own" as const };
    // No external node was launched (no launch context): nothing could have started a process.
    let found = this.resources === null ? [] : findRunProcesses(this.runId, listed.processes, search).pids;
    let swept = 0;
    if (found.length > 0) {
      this.logger.warn({ pids: found, commands: found.map(describeProcess) }, "processes of the run outlived the stop of their nodes; stopping them");
      await terminateRun(this.runId, listed.processes, { ...search, killAfterMs: SIGKILL_AFTER_MS, killWaitMs: KILL_WAIT_MS });
      const left = findRunProcesses(this.runId, listed.processes, search).pids;
      swept = found.filter((pid) => !left.includes(pid)).length;
      found = left;
    }
    if (this.resources !== null) removeRunCgroups(this.runId, "own");
    for (const pid of found) {
      const node = listed.processes.find((p) => p.pid === pid)?.node;
      leftovers.push(`process ${pid} (${describeProcess(pid)})${node === undefined ? "" : ` of node "${node}"`}`);
    }
    const recordedLeft = listed.processes.filter((p) => found.includes(p.pid)).length;

    let containersLeft = 0;
    let networksLeft = 0;
    const usesDocker = this.scenario.nodes.some((n) => n.type === "docker") || listed.containers.length > 0;
    if (usesDocker) {
      const hosts = new Set<string | null>([null, ...listed.containers.map((c) => c.dockerHost), ...listed.networks.map((n) => n.dockerHost)]);
      for (const host of hosts) {
        try {
          const containers = await listRunContainers(host, this.runId);
          const networks = await listRunNetworks(host, this.runId);
          containersLeft += containers.length;
          networksLeft += networks.length;
          for (const c of containers) leftovers.push(`container ${c.id.slice(0, 12)} on ${host ?? "the local engine"}`);
          for (const n of networks) leftovers.push(`network ${n.id.slice(0, 12)} on ${host ?? "the local engine"}`);
        } catch (error) {
          leftovers.push(`could not check the Docker engine ${host ?? "(local)"}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    return {
      processes_stopped: listed.processes.length - recordedLeft + swept,
      containers_removed: Math.max(0, listed.containers.length - containersLeft),
      networks_removed: Math.max(0, listed.networks.length - networksLeft),
      processes_left: found.length,
      containers_left: containersLeft,
      networks_left: networksLeft,
      leftovers,
    };
  }

  private launchContext(): LaunchContext {
    this.resources ??= new RunRegistry({
      stateDir: this.options.stateDir,
      runId: this.runId,
      reaper: this.options.reaper ?? true,
      onReaperError: (err) => this.logger.warn({ err }, "the reaper could not be started; a SIGKILL of this run would leave its nodes behind"),
    });
    return {
      runId: this.runId,
      scenario: this.scenario,
      logDir: this.options.logDir ?? null,
      resources: this.resources,
      logger: this.logger,
      signal: this.abort.signal,
    };
  }

  private launcherFor(type: string): AnyNodeLauncher {
    const launcher = this.registry.get(type);
    // validate() reports this before launch; reaching it means validate was skipped.
    if (launcher === undefined) throw new LaunchFailedError(type, { cause: new Error(`no launcher for node type "${type}"`) });
    return launcher;
  }

  private async withStartupTimeout(start: () => Promise<void>): Promise<void> {
    const limitSec = this.scenario.timeouts.startup_sec;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`external nodes did not start within timeouts.startup_sec = ${limitSec} s`);
        this.abort.abort(error);
        reject(new LaunchFailedError(this.pendingNodes().join(", ") || "(startup)", { cause: error }));
      }, limitSec * 1000);
    });
    const starting = start();
    try {
      await Promise.race([starting, timeout]);
    } catch (error) {
      // Launches still in flight got the abort signal; give them a moment to settle so
      // that what they started is in `started` before the teardown (the registry and
      // the reaper catch anything later still).
      await Promise.race([starting.catch(() => undefined), sleep(LAUNCH_SETTLE_MS)]);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private pendingNodes(): string[] {
    const started = new Set(this.started.map((s) => s.id));
    return this.scenario.nodes.filter((n) => !LauncherRegistry.isBuiltin(n) && !started.has(n.id)).map((n) => n.id);
  }
}

function missingInferenceRuntime(message: string, scenario: ResolvedScenario): Problem {
  return { severity: "error", code: "missing-runtime", file: scenario.source, line: null, column: null, path: ["ml_inference"], message, hint: INFERENCE_RUNTIME_HINT };
}

function noLauncherProblem(type: string, nodes: ResolvedNode[], scenario: ResolvedScenario): Problem {
  return {
    severity: "error",
    code: "no-launcher",
    file: scenario.source,
    line: null,
    column: null,
    path: ["nodes", nodes[0]?.group ?? type],
    message: `no launcher is registered for node type "${type}"`,
    hint: "pass a NodeLauncher for this type in the `launchers` option",
  };
}

/** A launcher may check a file that checkScenarioFiles checked too: report each problem once. */
function withoutDuplicates(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.severity, p.code, p.path]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A process's command line, short, for the report. */
function describeProcess(pid: number): string {
  const command = commandLine(pid).split("\0").filter(Boolean).join(" ");
  return command === "" ? "command unknown" : command.length > 80 ? `${command.slice(0, 79)}…` : command;
}

function emptySnapshot(runId: string): RunRecord {
  return { version: 1, runId, harness: { pid: process.pid, startTime: null }, createdAt: "", localDockerHost: null, processes: [], containers: [], networks: [] } as RunRecord;
}

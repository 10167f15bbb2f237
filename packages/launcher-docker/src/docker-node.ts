/**
 * One container of a run, from creation to removal: the lifecycle behind a
 * docker node's StartedNode.
 */
import { performance } from "node:perf_hooks";
import { PassThrough, Readable, Writable, type Duplex } from "node:stream";
import { SCENARIO_DEFAULTS, type ResolvedDockerNode, type ResolvedLimits } from "@sim/config";
import type { ExternalNode, LaunchContext, StartedNode } from "@sim/coordinator";
import { createProtocolNode, LOG_LEVELS, type LogLevel, type NodeExit, type ProtocolNode } from "@sim/protocol";
import type Docker from "dockerode";
import { aliasesOf, createOptions, type NodePlan } from "./container-spec.js";
import { isConnectionError, isNotFound, statusOf, type Engine } from "./engine.js";
import { ContainerStartError, DockerUnavailableError } from "./errors.js";
import { LogSink } from "./log-sink.js";
import { containerName, networkName } from "./names.js";
import { logMatches, portAnswers, waitUntil, type ExitStatus } from "./wait-for.js";

/**
 * How long stop() waits for the followed log stream to deliver its last bytes
 * after the container stopped; the engine closes it at once, so this only bounds
 * a broken connection. The full log is fetched again when it does not end.
 */
const LOG_DRAIN_MS = 2_000;
/**
 * How long the protocol's stdout is held open after the attachment closed, waiting for
 * the exit status (the engine's wait answer lags behind under load).
 */
const EXIT_STATUS_WAIT_MS = 3_000;
/** How long stop() waits for a removal that the engine reports as already in progress. */
const REMOVAL_POLL_MS = 100;
const REMOVAL_POLLS = 100;

/** A published port as the harness reaches it. */
export interface PublishedPort {
  host: string;
  port: number;
}

/** A started docker node. `stop()` stops the container (grace period, then SIGKILL), keeps its log, and removes it. */
export interface DockerStartedNode extends StartedNode {
  readonly containerId: string;
  readonly containerName: string;
  /** The engine the container runs on. */
  readonly engineAddress: string;
  /** Where the harness reaches a published container port, or null when it is not published. */
  publishedPort(containerPort: number, protocol?: "tcp" | "udp"): PublishedPort | null;
}

/** Starts the container of `node` (image and networks must exist) and returns it once it is ready. */
export async function startDockerNode(
  engine: Engine,
  node: ResolvedDockerNode,
  plan: NodePlan,
  ctx: LaunchContext,
): Promise<DockerStartedNode> {
  const interrupted = () => {
    if (ctx.signal?.aborted) throw new ContainerStartError(node.id, "the launch was interrupted");
  };
  interrupted();
  const run = { runId: ctx.runId, scenario: ctx.scenario.name };
  let container: Docker.Container;
  try {
    container = await engine.docker.createContainer(createOptions(node, plan, run, { ...SCENARIO_DEFAULTS.limits, ...ctx.scenario.limits }));
  } catch (cause) {
    if (isConnectionError(cause)) throw new DockerUnavailableError(engine.address, { cause });
    throw new ContainerStartError(node.id, `creating the container from image "${plan.image}" failed: ${(cause as Error).message}`, { cause });
  }
  ctx.resources.addContainer({ node: node.id, id: container.id, dockerHost: engine.registryHost });
  const started = new ContainerNode(engine, container, node, plan, ctx);
  try {
    await started.start();
    interrupted();
    return started;
  } catch (error) {
    await started.stop().catch((cleanupError: unknown) => {
      ctx.logger.error({ node: node.id, err: cleanupError }, "removing the container of a failed launch failed");
    });
    throw error;
  }
}

class ContainerNode implements DockerStartedNode {
  readonly id: string;
  readonly containerId: string;
  readonly containerName: string;
  readonly engineAddress: string;
  external: ExternalNode | null = null;

  readonly #engine: Engine;
  readonly #container: Docker.Container;
  readonly #node: ResolvedDockerNode;
  readonly #plan: NodePlan;
  readonly #ctx: LaunchContext;
  readonly #sink: LogSink;
  #protocol: ProtocolNode | null = null;
  #logStream: NodeJS.ReadableStream | null = null;
  #logsDone: Promise<boolean> | null = null;
  #exited: Promise<ExitStatus> | null = null;
  #reportedExit: Promise<NodeExit> | null = null;
  #ports: Record<string, PublishedPort> = {};
  #stopping = false;
  #stopped: Promise<void> | null = null;

  constructor(engine: Engine, container: Docker.Container, node: ResolvedDockerNode, plan: NodePlan, ctx: LaunchContext) {
    this.id = node.id;
    this.containerId = container.id;
    this.containerName = containerName(ctx.runId, node.id);
    this.engineAddress = engine.address;
    this.#engine = engine;
    this.#container = container;
    this.#node = node;
    this.#plan = plan;
    this.#ctx = ctx;
    this.#sink = new LogSink(ctx.logDir, node.id, ctx.logger, this.#limits());
  }

  publishedPort(containerPort: number, protocol: "tcp" | "udp" = "tcp"): PublishedPort | null {
    return this.#ports[`${containerPort}/${protocol}`] ?? null;
  }

  async start(): Promise<void> {
    const node = this.#node;
    const stdio = node.protocol === "stdio";
    this.#sink.note(`container ${this.containerName} (${this.containerId.slice(0, 12)}) from image ${this.#plan.image} on ${this.engineAddress}`);
    if (node.privileged) this.#ctx.logger.warn({ node: node.id }, "container runs privileged (privileged: true)");

    // Networks after the first are connected before the start (API 1.41 takes one at create time).
    for (const name of this.#plan.networks.slice(1)) {
      await this.#engine.docker.getNetwork(networkName(this.#ctx.runId, name)).connect({
        Container: this.containerId,
        EndpointConfig: { Aliases: aliasesOf(node) },
      });
    }

    // The protocol's stdout is attached before the start, so that not one line is missed.
    const attached = stdio ? await this.#attach() : null;
    const logWaiter = this.#plan.waitFor?.log ? logMatches(this.#sink, this.#plan.waitFor.log) : null;

    try {
      await this.#container.start();
    } catch (cause) {
      throw new ContainerStartError(node.id, `starting the container failed: ${(cause as Error).message}`, { cause });
    }
    this.#exited = this.#watchExit();
    this.#logsDone = this.#followLogs(!stdio);
    // The exit as the protocol node learns it: once the last stderr lines are in, so
    // that its failure message quotes them.
    const logsDone = this.#logsDone;
    const reportedExit = this.#exited.then(async (exit): Promise<NodeExit> => {
      await Promise.race([logsDone, delay(EXIT_STATUS_WAIT_MS)]);
      return { code: exit.code, signal: null };
    });
    this.#reportedExit = reportedExit;
    await this.#readPorts();

    const waitFor = this.#plan.waitFor;
    if (waitFor !== null) {
      const base = {
        node: node.id,
        timeoutMs: waitFor.timeoutMs,
        exited: this.#exited,
        sink: this.#sink,
        drained: () => this.#logsDone ?? Promise.resolve(),
        ...(this.#ctx.signal ? { signal: this.#ctx.signal } : {}),
      };
      if (logWaiter !== null && waitFor.log !== null) {
        await waitUntil({ ...base, what: `log a line matching ${waitFor.log}` }, logWaiter);
      }
      if (waitFor.port !== null) {
        const target = this.publishedPort(waitFor.port);
        // No published address: the container exited before the engine reported one (check()
        // makes sure the port is in `ports:`), so the wait ends with its exit or the timeout.
        const answers = target === null ? () => new Promise<void>(() => {}) : portAnswers(target.host, target.port);
        const where = target === null ? "" : ` (${target.host}:${target.port})`;
        await waitUntil({ ...base, what: `answer on port ${waitFor.port}${where}` }, answers);
      }
      this.#sink.note("ready (wait_for satisfied)");
    }

    if (attached !== null) {
      this.#protocol = createProtocolNode({
        id: node.id,
        type: "docker",
        stdin: attached.stdin,
        stdout: attached.stdout,
        config: node.config,
        quantumWallMs: this.#ctx.scenario.timeouts.quantum_wall_sec * 1000,
        startupMs: this.#ctx.scenario.timeouts.startup_sec * 1000,
        maxSendsPerQuantum: this.#limits().sends_per_quantum,
        exited: reportedExit,
        onLog: (level, msg) => this.#nodeLog(level, msg),
        diagnostics: () => this.#sink.tail().slice(-5).join("\n"),
      });
      this.external = this.#protocol;
    }
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    const graceMs = this.#ctx.scenario.timeouts.shutdown_grace_sec * 1000;
    const started = performance.now();
    if (this.#protocol !== null && this.#exited !== null) {
      // Polite first: the protocol's shutdown; a node exits on it (or on its stdin closing).
      await this.#protocol.shutdown();
      await Promise.race([this.#exited, delay(graceMs)]);
    }
    const leftSec = Math.max(0, Math.ceil((graceMs - (performance.now() - started)) / 1000));
    try {
      // SIGTERM (through docker-init), then SIGKILL after what is left of the grace period.
      await this.#container.stop({ t: leftSec });
    } catch (error) {
      // 304: already stopped; 404: already gone.
      if (statusOf(error) !== 304 && !isNotFound(error)) {
        this.#ctx.logger.warn({ node: this.id, err: error }, "stopping the container failed; removing it by force");
      }
    }
    await this.#saveLogs();
    await this.#remove();
  }

  /** Waits for the followed log to end, fetches it again if that broke, notes how the container ended, closes the file. */
  async #saveLogs(): Promise<void> {
    const complete = this.#logsDone === null ? false : await Promise.race([this.#logsDone, delay(LOG_DRAIN_MS).then(() => false)]);
    if (!complete) {
      (this.#logStream as unknown as { destroy?: () => void } | null)?.destroy?.();
      try {
        const buffer = await this.#container.logs({ stdout: this.#node.protocol !== "stdio", stderr: true, follow: false });
        this.#sink.markRefetch();
        await demuxInto(Readable.from([Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer))]), this.#engine, this.#sink);
      } catch (error) {
        if (!isNotFound(error)) this.#ctx.logger.warn({ node: this.id, err: error }, "fetching the container's log failed");
      }
    }
    this.#sink.flush();
    try {
      const state = (await this.#container.inspect()).State;
      this.#sink.note(`container exited with code ${state.ExitCode}${state.OOMKilled ? " (killed: out of memory, see resources.memory_mb)" : ""}`);
    } catch {
      // Already removed by someone else: nothing more to say.
    }
    await this.#sink.close();
  }

  async #remove(): Promise<void> {
    try {
      await this.#container.remove({ force: true, v: true });
    } catch (error) {
      if (statusOf(error) === 409) {
        await this.#waitRemoved();
      } else if (!isNotFound(error)) {
        throw new ContainerStartError(this.id, `removing container ${this.containerName} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    this.#ctx.resources.removeContainer(this.containerId);
  }

  /** "removal already in progress": wait until the engine no longer knows the container. */
  async #waitRemoved(): Promise<void> {
    for (let i = 0; i < REMOVAL_POLLS; i++) {
      try {
        await this.#container.inspect();
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      await delay(REMOVAL_POLL_MS);
    }
    throw new ContainerStartError(this.id, `container ${this.containerName} was still not removed after ${(REMOVAL_POLLS * REMOVAL_POLL_MS) / 1000} s`);
  }

  /** Hijacked attach: stdin goes in, stdout (demultiplexed) comes out for the protocol. */
  async #attach(): Promise<{ stdin: Writable; stdout: Readable }> {
    const socket = (await this.#container.attach({ stream: true, stdin: true, stdout: true, stderr: false, hijack: true })) as Duplex;
    const stdout = new PassThrough();
    // Until the protocol node listens, a broken attachment must not crash the harness;
    // the protocol node adds its own listener and reports it.
    stdout.on("error", () => {});
    const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    this.#engine.docker.modem.demuxStream(socket, stdout, discard);
    // The attachment closes a moment before the engine reports the exit; the protocol
    // node's error is clearer ("exited with code 3") when the exit is known by then.
    const endStdout = () => {
      const exited = this.#reportedExit ?? Promise.resolve();
      void Promise.race([exited, delay(EXIT_STATUS_WAIT_MS)]).then(() => {
        if (!stdout.writableEnded) stdout.end();
      });
    };
    socket.on("end", endStdout);
    socket.on("close", endStdout);
    socket.on("error", (error) => stdout.destroy(error));
    // The protocol gets its own writable, so that ending or destroying it only half-closes
    // the attachment (the engine then closes the container's stdin) and never cuts stdout.
    const stdin = new Writable({
      write: (chunk, _encoding, callback) => {
        socket.write(chunk, callback);
      },
      final: (callback) => {
        socket.end();
        callback();
      },
    });
    return { stdin, stdout };
  }

  #followLogs(withStdout: boolean): Promise<boolean> {
    return (async () => {
      try {
        const stream = await this.#container.logs({ follow: true, stdout: withStdout, stderr: true });
        this.#logStream = stream;
        await demuxInto(stream, this.#engine, this.#sink);
        return true;
      } catch (error) {
        this.#ctx.logger.debug({ node: this.id, err: error }, "the followed container log broke");
        return false;
      }
    })();
  }

  #watchExit(): Promise<ExitStatus> {
    // "not-running" after the start: returns at once if the container has already exited.
    const exited = this.#container.wait({ condition: "not-running" }).then(
      (result: { StatusCode?: number }) => ({ code: typeof result.StatusCode === "number" ? result.StatusCode : null }),
      // The engine connection broke: the exit is not known, so this never settles.
      () => new Promise<ExitStatus>(() => {}),
    );
    void exited.then((exit) => {
      if (this.#stopping) return;
      this.#sink.note(`container exited on its own with code ${exit.code ?? "unknown"}`);
      if (this.#node.protocol === "none") {
        this.#ctx.logger.warn({ node: this.id, code: exit.code }, "service container exited before the end of the run");
      }
    });
    return exited;
  }

  async #readPorts(): Promise<void> {
    if (this.#plan.ports.length === 0) return;
    const info = await this.#container.inspect();
    const local = this.#engine.address.startsWith("unix://");
    for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
      const binding = bindings?.[0];
      if (binding === undefined) continue;
      const wildcard = binding.HostIp === "" || binding.HostIp === "0.0.0.0" || binding.HostIp === "::";
      // A local engine publishes on this machine; a remote one on its own host.
      const host = local ? (wildcard ? "127.0.0.1" : binding.HostIp) : this.#engine.publishedHost;
      this.#ports[key] = { host, port: Number(binding.HostPort) };
    }
  }

  /** `limits` of the scenario (one resolved by an older version, or built by hand, may lack it). */
  #limits(): ResolvedLimits {
    return { ...SCENARIO_DEFAULTS.limits, ...this.#ctx.scenario.limits };
  }

  #nodeLog(level: string, msg: string): void {
    // Past the log limits the run's logger does not get it either.
    if (!this.#sink.nodeLog(level, msg)) return;
    const known = (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : "info";
    this.#ctx.logger[known]({ node: this.id }, msg);
  }
}

/** Splits Docker's multiplexed stream into the sink's stdout and stderr; resolves when it ends. */
function demuxInto(stream: NodeJS.ReadableStream, engine: Engine, sink: LogSink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const into = (name: "stdout" | "stderr") =>
      new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          sink.write(name, chunk);
          callback();
        },
      });
    engine.docker.modem.demuxStream(stream, into("stdout"), into("stderr"));
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
